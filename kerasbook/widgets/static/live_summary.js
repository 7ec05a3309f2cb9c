// LiveSummary's front-end: shows the summary table the kernel sends (already escaped HTML) and makes
// the rows that changed since the last drawing flash (the CSS animation of tr.kb-changed).

function draw(model, el, body, note) {
  const text = model.get("note");
  note.textContent = text;
  note.hidden = !text;
  body.innerHTML = model.get("html");
  const changed = new Set(model.get("changed"));
  body.querySelectorAll("tbody tr").forEach((row, index) => {
    // New elements replay the animation, so a row that changes again flashes again.
    row.classList.toggle("kb-changed", changed.has(index));
  });
}

export default {
  render({ model, el }) {
    el.classList.add("kerasbook", "kerasbook-live-summary");
    const note = document.createElement("p");
    note.className = "kerasbook-note";
    const body = document.createElement("div");
    el.append(note, body);
    const redraw = () => draw(model, el, body, note);
    model.on("change", redraw); // the table and its changed rows arrive in one message
    redraw();
    model.send({ kind: "view", open: true });
    return () => {
      model.off("change", redraw);
      model.send({ kind: "view", open: false });
    };
  },
};
