// ShardingView's front-end. The kernel draws the picture (viz/sharding.py) and sends it as SVG; every
// part of it that belongs to a variable carries data-var="<index>" (its row, its thumbnail, its
// segments in the devices' bars) and every device cell data-device="<id>". Here we add:
// - pointing at a variable lights up all its parts and dims the rest; a click keeps it lit;
// - clicking a device lists what it holds (the kernel sends that list as `devices`).

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

// The table shown under the picture when a device is clicked.
function deviceTable(device) {
  if (!device) return "";
  const rows = device.pieces.map((piece) =>
    `<tr data-var="${piece.var}"><td class="kb-sv-path">${escapeText(piece.path + piece.index)}</td>` +
    `<td>(${piece.shape.join(", ")}${piece.shape.length === 1 ? "," : ""})</td>` +
    `<td class="kb-sv-num">${escapeText(piece.bytes)}</td></tr>`).join("");
  const body = rows || `<tr><td colspan="3">nothing</td></tr>`;
  return `<p><b>device ${device.id}</b> (${escapeText(device.where)}) ` +
    `holds ${escapeText(device.bytes)}:</p>` +
    `<table><thead><tr><th>piece</th><th>shape</th><th class="kb-sv-num">bytes</th></tr></thead>` +
    `<tbody>${body}</tbody></table>`;
}

export default {
  render({ model, el }) {
    el.classList.add("kerasbook", "kerasbook-sharding-view");
    const note = document.createElement("p");
    note.className = "kb-sv-note";
    const picture = document.createElement("div");
    picture.className = "kb-sv-picture";
    const help = document.createElement("p");
    help.className = "kb-sv-help";
    help.textContent = "Point at a variable to see its pieces on the devices (click to keep it); " +
      "click a device to list what it holds.";
    const panel = document.createElement("div");
    panel.className = "kb-sv-panel";
    el.append(note, picture, help, panel);

    let pinned = null; // the variable a click keeps lit
    let pickedDevice = null; // the device whose pieces the panel lists

    // Light up one variable's parts everywhere (null: none, nothing dimmed).
    function light(index) {
      const svg = picture.querySelector("svg");
      if (!svg) return;
      svg.classList.toggle("kb-sv-focus", index !== null);
      for (const part of el.querySelectorAll("[data-var]")) {
        part.classList.toggle("kb-sv-on", index !== null && part.dataset.var === String(index));
      }
    }

    function showDevice(id) {
      pickedDevice = id;
      for (const cell of picture.querySelectorAll("[data-device]")) {
        cell.classList.toggle("kb-sv-picked", cell.dataset.device === String(id));
      }
      const device = model.get("devices").find((d) => d.id === id);
      panel.innerHTML = deviceTable(device);
    }

    function draw() {
      const text = model.get("note");
      note.textContent = text;
      note.hidden = !text;
      picture.innerHTML = model.get("svg");
      help.hidden = !model.get("svg");
      const stillThere = model.get("devices").some((d) => d.id === pickedDevice);
      if (stillThere) showDevice(pickedDevice);
      else { pickedDevice = null; panel.innerHTML = ""; }
      light(pinned);
    }

    // One set of listeners on the element: the SVG inside is replaced at every redraw.
    const varOf = (event) => event.target.closest && event.target.closest("[data-var]");
    const onOver = (event) => {
      const part = varOf(event);
      if (part) light(part.dataset.var);
    };
    const onOut = (event) => {
      const part = varOf(event);
      if (part && !(event.relatedTarget && part.contains(event.relatedTarget))) light(pinned);
    };
    const onClick = (event) => {
      const target = event.target.closest ? event.target : null;
      const row = target && target.closest(".kb-sv-var");
      const cell = target && target.closest("[data-device]");
      if (row) {
        pinned = pinned === row.dataset.var ? null : row.dataset.var;
        light(pinned);
      } else if (cell) {
        showDevice(Number(cell.dataset.device));
      }
    };
    el.addEventListener("mouseover", onOver);
    el.addEventListener("mouseout", onOut);
    el.addEventListener("click", onClick);
    model.on("change", draw); // the picture and the devices' lists arrive in one message
    draw();
    model.send({ kind: "view", open: true });
    return () => {
      el.removeEventListener("mouseover", onOver);
      el.removeEventListener("mouseout", onOut);
      el.removeEventListener("click", onClick);
      model.off("change", draw);
      model.send({ kind: "view", open: false });
    };
  },
};
