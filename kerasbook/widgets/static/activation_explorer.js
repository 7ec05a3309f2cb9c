// ActivationExplorer's front-end: draws what the kernel prepared, and sends back what the student picks.
// The drawing of feature maps, heat maps and attention scores (h, bytes, sourceCanvas, shown,
// colourBar, tilesGrid, drawSequence, drawAttention) is in rasters.js, which the kernel puts first.

function option(value, text, selected) {
  const node = h("option", { value: String(value) }, text);
  node.selected = selected;
  return node;
}

function select(label, values, current, onchange) {
  const menu = h("select", { onchange: () => onchange(menu.value) },
    ...values.map(([value, text]) => option(value, text, String(value) === String(current))));
  return h("label", { class: "kb-control" }, label, menu);
}

// -- the picture of one activation, by kind ------------------------------------------------------

function drawMaps(model, view, table) {
  const label = view.per_channel ? "each tile from its own minimum (0) to its maximum (1)"
    : `one colour scale for all ${view.count} channels`;
  return h("div", { class: "kb-stack" }, colourBar(table, view.ticks, label), pager(model, view),
    tilesGrid(bytes(model, "levels"), view, table));
}

// Pages of channels: previous / next and a menu naming each page's channels.
function pager(model, view) {
  const go = (page) => { model.set("page", Math.min(Math.max(page, 0), view.pages - 1)); model.save_changes(); };
  const pages = [];
  for (let p = 0; p < view.pages; p++) {
    const last = Math.min((p + 1) * model.get("tiles"), view.count) - 1;
    pages.push([p, `channels ${p * model.get("tiles")}–${last}`]);
  }
  const previous = h("button", { class: "kb-previous", title: "previous page", onclick: () => go(view.page - 1) }, "◀");
  const next = h("button", { class: "kb-next", title: "next page", onclick: () => go(view.page + 1) }, "▶");
  previous.disabled = view.page === 0;
  next.disabled = view.page >= view.pages - 1;
  return h("div", { class: "kb-pager" }, previous,
    select("", pages, view.page, (value) => go(Number(value))), next,
    h("span", { class: "kb-muted kb-page" }, `page ${view.page + 1} of ${view.pages}`));
}

// The head to show, as a menu (ActivationExplorer asks the kernel for that head's scores).
function headPicker(model, view) {
  if (view.heads <= 1) return h("span", { class: "kb-muted" }, "one head");
  const heads = [...Array(view.heads).keys()].map((i) => [i, `head ${i}`]);
  return select("head", heads, view.head, (value) => { model.set("head", Number(value)); model.save_changes(); });
}

// A bar chart of units, value ticks on the left, unit numbers (or class names) below.
function drawUnits(root, view, cssWidth = 520, cssHeight = 180) {
  const ratio = window.devicePixelRatio || 1;
  const canvas = h("canvas", { class: "kb-raster kb-chart" });
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  canvas.style.width = `${canvas.width / ratio}px`;
  canvas.style.height = `${canvas.height / ratio}px`;
  const context = canvas.getContext("2d");
  context.scale(ratio, ratio);
  const style = getComputedStyle(root);  // the theme's colours (light or dark)
  const up = style.getPropertyValue("--kb-accent").trim() || "#1976d2";
  const down = style.getPropertyValue("--kb-warn").trim() || "#f57c00";
  const axis = style.getPropertyValue("--kb-fg-muted").trim() || "#616e7c";
  const n = view.values.length, low = view.low, high = view.high > view.low ? view.high : view.low + 1;
  const y = (v) => ((high - v) / (high - low)) * cssHeight;
  const step = cssWidth / n;
  view.values.forEach((v, i) => {
    context.fillStyle = v >= 0 ? up : down;
    const top = Math.min(y(0), y(v)), bottom = Math.max(y(0), y(v));
    context.fillRect(i * step, top, Math.max(step - (step >= 3 ? 1 : 0), 0.5), Math.max(bottom - top, 0.5));
  });
  context.fillStyle = axis;
  context.fillRect(0, Math.round(y(0)), cssWidth, 1);
  const left = h("div", { class: "kb-yticks kb-values", style: { height: `${cssHeight}px` } },
    ...view.y_ticks.map(([text, value]) => h("span", { style: { top: `${y(value)}px` } }, text)));
  const bottom = h("div", { class: "kb-xticks", style: { width: `${cssWidth}px` } },
    ...view.x_ticks.map(([i, text]) => h("span", { style: { left: `${(i + 0.5) * step}px` } }, text)));
  return h("div", { class: "kb-axes" },
    h("div", { class: "kb-muted kb-ylabel" }, view.y_label),
    h("div", { class: "kb-plot" }, left, canvas),
    h("div", { class: "kb-plot" }, h("div", { class: "kb-yticks kb-values" }), bottom),
    h("div", { class: "kb-muted kb-xlabel" }, `${view.x_label} →`));
}

function topClasses(top) {
  return h("table", { class: "kb-top" },
    h("tr", {}, h("th", {}, "unit"), h("th", {}, "class"), h("th", {}, "score")),
    ...top.map(([unit, name, score]) => h("tr", {}, h("td", {}, String(unit)),
      h("td", {}, name ?? "—"), h("td", {}, score.toPrecision(3)))));
}

function drawInput(model, table) {
  const view = model.get("input_view");
  if (!view || !view.kind) return h("div");
  const [height, width] = view.size;
  const levels = bytes(model, "input_levels");
  const source = sourceCanvas(levels, height, width, table, view.kind === "image");
  const picture = shown(source, width * view.zoom, height * view.zoom);
  const parts = [h("div", { class: "kb-muted" }, `input (${view.shape.join(", ")})`), picture];
  if (view.kind !== "image") parts.push(colourBar(table, view.ticks, "input value", 160));
  return h("div", { class: "kb-input" }, ...parts);
}

export default {
  render({ model, el }) {
    el.classList.add("kerasbook", "kb-explorer");
    const controls = h("div", { class: "kb-controls" });
    const caption = h("div", { class: "kb-caption" });
    const input = h("div", { class: "kb-input-panel" });
    const output = h("div", { class: "kb-output-panel" });
    el.append(controls, caption, h("div", { class: "kb-body" }, input, output));
    const set = (name, value) => { model.set(name, value); model.save_changes(); };

    function drawControls() {
      const view = model.get("view");
      const parts = [select("layer", model.get("layers").map((t) => [t, t]), model.get("layer"), (v) => set("layer", v))];
      const count = model.get("samples");
      if (count > 1 && count <= 256) {
        const samples = [...Array(count).keys()].map((i) => [i, String(i)]);
        parts.push(select("sample", samples, model.get("sample"), (v) => set("sample", Number(v))));
      } else if (count > 256) {  // a long menu is no help: type the sample's number
        const box = h("input", { type: "number", min: "0", max: String(count - 1), value: String(model.get("sample")),
          onchange: () => set("sample", Math.min(Math.max(Number(box.value) || 0, 0), count - 1)) });
        parts.push(h("label", { class: "kb-control" }, `sample (0–${count - 1})`, box));
      }
      if (view.attention) {  // an attention layer: its scores, or its output
        const box = h("input", { type: "checkbox", onchange: () => set("show_scores", box.checked) });
        box.checked = model.get("show_scores");
        parts.push(h("label", { class: "kb-control" }, box, "show attention scores"));
      }
      if (view.kind === "maps") {
        const sizes = [64, 96, 128, 192, 256].map((s) => [s, `${s} px`]);
        parts.push(select("tile size", sizes, model.get("tile_size"), (v) => set("tile_size", Number(v))));
        parts.push(select("tiles a page", [8, 16, 32, 64].map((n) => [n, String(n)]), model.get("tiles"),
          (v) => set("tiles", Number(v))));
        const box = h("input", { type: "checkbox", onchange: () => set("per_channel", box.checked) });
        box.checked = model.get("per_channel");
        parts.push(h("label", { class: "kb-control" }, box, "scale each channel on its own"));
      }
      controls.replaceChildren(...parts);
    }

    function drawOutput() {
      const view = model.get("view");
      const table = bytes(model, "colours");
      caption.textContent = view.caption || "";
      drawControls();
      let picture;
      if (view.kind === "maps") picture = drawMaps(model, view, table);
      else if (view.kind === "sequence") picture = drawSequence(bytes(model, "levels"), view, table);
      else if (view.kind === "attention") {
        cellShown = attentionCell(view, attentionWidth());
        picture = drawAttention(bytes(model, "levels"), view, table, attentionWidth(), headPicker(model, view));
      }
      else if (view.kind === "units") {
        picture = h("div", { class: "kb-units" }, drawUnits(el, view), view.top ? topClasses(view.top) : "");
      } else picture = h("div", { class: "kb-muted" }, view.message || "");
      output.replaceChildren(picture);
    }

    // The heat map takes the panel's width (less its labels), at most 480 px: when the panel is
    // resized, it is drawn again if its cells would change size (a canvas is never stretched).
    const attentionWidth = () => Math.max(160, Math.min(480, (output.clientWidth || 510) - 90));
    let cellShown = null;
    const resized = new ResizeObserver(() => {
      const view = model.get("view");
      if (view.kind !== "attention") return;
      if (attentionCell(view, attentionWidth()) !== cellShown) drawOutput();
    });
    resized.observe(output);

    const drawIn = () => input.replaceChildren(drawInput(model, bytes(model, "colours")));
    model.on("change:view", drawOutput);
    model.on("change:layers", drawControls);
    model.on("change:input_view", drawIn);
    drawIn();
    drawOutput();
    model.send({ kind: "view", open: true });
    return () => {
      resized.disconnect();
      model.off("change:view", drawOutput);
      model.off("change:layers", drawControls);
      model.off("change:input_view", drawIn);
      model.send({ kind: "view", open: false });
    };
  },
};
