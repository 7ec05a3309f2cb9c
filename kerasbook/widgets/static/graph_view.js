// GraphView's front-end: the node graph graphviz laid out in the kernel (an SVG whose boxes have
// stable ids), made into an inspector. Click a box: the kernel fills the side panel for that call.
// Hover: a tooltip. Drag: pan. Ctrl+wheel or +/-: zoom. "fit": the whole drawing again.
// Nothing is laid out here: folding a cluster or showing shapes on arrows asks the kernel for a new
// layout. Colours come from CSS variables (graph_view.css), so the dark theme is readable.
// Feature maps, heat maps and attention scores in the panel are drawn by rasters.js, which the
// kernel puts before this.

const MAX_HEIGHT = 720; // px: the tallest the view gets; a taller graph is shown smaller
const PANEL_WIDTH = 300; // px, as graph_view.css sets .kb-panel
const ZOOM_STEP = 1.25;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function shapes(list) {
  return list.length === 1 ? list[0] : `[${list.join(", ")}]`;
}

function number(n) {
  return n.toLocaleString("en-US");
}

// -- the drawing: pan and zoom as one CSS transform of the SVG's container -------------------------

class Canvas {
  constructor(viewport, inner) {
    this.viewport = viewport;
    this.inner = inner;
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.width = 0; // the SVG's own size, in CSS pixels
    this.height = 0;
  }

  apply() {
    this.inner.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
  }

  // The whole drawing: its full width, and its full height up to MAX_HEIGHT (a deep model such as
  // Xception shows whole, small; zoom in to read). Never enlarged: a small graph keeps its size.
  fit() {
    const room = this.viewport.clientWidth || this.width;
    this.scale = Math.min(1, room / this.width, MAX_HEIGHT / this.height);
    this.viewport.style.height = `${Math.min(MAX_HEIGHT, Math.ceil(this.height * this.scale) + 4)}px`;
    this.x = Math.max(0, (room - this.width * this.scale) / 2);
    this.y = 0;
    this.apply();
  }

  // Zoom by `factor`, keeping the point under (cx, cy) (viewport pixels) where it is.
  zoom(factor, cx, cy) {
    const scale = Math.min(8, Math.max(0.05, this.scale * factor));
    const real = scale / this.scale;
    this.x = cx - (cx - this.x) * real;
    this.y = cy - (cy - this.y) * real;
    this.scale = scale;
    this.apply();
  }

  pan(dx, dy) {
    this.x += dx;
    this.y += dy;
    this.apply();
  }
}

// -- the side panel ----------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

// An SVG element with its attributes (and text), appended to `parent` when one is given.
function svgNode(name, attributes, text, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.append(node);
  return node;
}

function histogram(weight) {
  // Bars of binned counts (the kernel binned the values), min and max under them.
  const width = 180;
  const height = 36;
  const counts = weight.counts;
  const top = Math.max(1, ...counts);
  const svg = svgNode("svg", { width, height, class: "kb-histogram" });
  const bar = width / Math.max(1, counts.length);
  counts.forEach((count, i) => {
    const tall = Math.max(count > 0 ? 1 : 0, (count / top) * (height - 2));
    svgNode("rect", { x: i * bar + 0.5, y: height - tall, width: Math.max(1, bar - 1), height: tall }, undefined, svg);
  });
  return svg;
}

function barChart(bars) {
  // A (units,) activation as vector bars on labelled axes, in the notebook's colours (CSS), as wide as
  // the panel: value ticks on the left, unit numbers below, the zero line. The kernel chose the ticks.
  const width = PANEL_WIDTH, height = 120, left = 40, bottom = 30, pad = 6;
  const plotW = width - left - pad, plotH = height - bottom - pad;
  const y = (v) => pad + ((bars.high - v) / (bars.high - bars.low)) * plotH;
  const step = plotW / Math.max(1, bars.values.length);
  const svg = svgNode("svg", { viewBox: `0 0 ${width} ${height}`, class: "kb-activation-bars", role: "img" });
  const add = (name, attributes, text) => svgNode(name, attributes, text, svg);
  for (const [value, text] of bars.ticks) {
    add("line", { x1: left - 4, x2: left, y1: y(value), y2: y(value), class: "kb-axis" });
    add("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, text);
  }
  bars.values.forEach((value, i) => {
    const top = Math.min(y(0), y(value));
    add("rect", { x: left + i * step + (step >= 3 ? 0.5 : 0), y: top, width: Math.max(0.5, step - (step >= 3 ? 1 : 0)),
                  height: Math.max(value === 0 ? 0 : 0.5, Math.abs(y(value) - y(0))),
                  class: value >= 0 ? "kb-bar-up" : "kb-bar-down" });
  });
  add("line", { x1: left, x2: left, y1: pad, y2: pad + plotH, class: "kb-axis" });
  add("line", { x1: left, x2: left + plotW, y1: y(0), y2: y(0), class: "kb-axis" });
  for (const [unit, text] of bars.units) {
    const x = left + (unit + 0.5) * step;
    add("line", { x1: x, x2: x, y1: pad + plotH, y2: pad + plotH + 3, class: "kb-axis" });
    add("text", { x, y: pad + plotH + 15, "text-anchor": "middle" }, text);
  }
  add("text", { x: left, y: height - 2, class: "kb-axis-name" }, "unit");
  return svg;
}

// Feature maps (the first channels, as tiles), a sequence's heat map or attention scores (head 0),
// under a colour bar.
function drawRaster(view, levels, table) {
  if (view.kind === "sequence") return drawSequence(levels, view, table, PANEL_WIDTH - 40);
  if (view.kind === "attention") return drawAttention(levels, view, table, PANEL_WIDTH - 76);
  return h("div", { class: "kb-stack" },
    colourBar(table, view.ticks, `one colour scale for all ${view.count} channels`, 220),
    tilesGrid(levels, view, table));
}

function row(table, key, value) {
  const tr = element("tr");
  tr.append(element("th", "", key), element("td", "", value));
  table.append(tr);
}

function drawPanel(panel, model, imageUrl) {
  const data = model.get("panel");
  panel.replaceChildren();
  if (!data || !data.title) return;
  const head = element("div", "kb-panel-title");
  head.append(element("b", "", data.title), document.createTextNode(` ${data.class}`));
  panel.append(head);
  if (data.foldable) {
    const button = element("button", "kb-fold", data.folded ? "unfold" : "fold into one box");
    button.addEventListener("click", () => model.send({ kind: "fold", title: data.title }));
    panel.append(button);
  }
  const table = element("table", "kb-call");
  if (data.node !== null && data.node !== undefined) row(table, "node index", String(data.node));
  if (data.kind === "repeat") row(table, "blocks", `${data.count} identical blocks, ${data.calls} calls`);
  if (data.inputs.length) row(table, "input shape", shapes(data.inputs));
  if (data.outputs.length) row(table, "output shape", shapes(data.outputs));
  row(table, "parameters", data.trainable === data.params ? number(data.params)
    : `${number(data.params)} (${number(data.trainable)} trainable)`);
  panel.append(table);

  if (data.weights.length) {
    panel.append(element("div", "kb-section", "weights"));
    for (const weight of data.weights) {
      const box = element("div", "kb-weight");
      box.append(element("div", "kb-weight-name", `${weight.path} ${weight.shape}`));
      box.append(histogram(weight));
      const sampled = weight.every > 1 ? `  (bars: every ${weight.every}th value)` : "";
      box.append(element("div", "kb-weight-range",
        `min ${weight.low}  max ${weight.high}  mean ${weight.mean}  std ${weight.std}${sampled}`));
      panel.append(box);
    }
  }
  panel.append(element("div", "kb-section", "activation"));
  if (data.bars) {
    panel.append(barChart(data.bars));
  } else if (data.raster) {
    panel.append(drawRaster(data.raster, bytes(model, "levels"), bytes(model, "colours")));
  } else if (imageUrl) {
    const img = element("img", "kb-activation");
    img.src = imageUrl;
    img.alt = `activation of ${data.title}`;
    panel.append(img);
  }
  panel.append(element("div", "kb-muted", data.activation || ""));
  if (data.config.length) {
    const details = element("details", "kb-config");
    details.open = data.config.length <= 12;
    details.append(element("summary", "kb-section", "config"));
    const config = element("table");
    for (const [key, value] of data.config) row(config, key, value);
    details.append(config);
    panel.append(details);
  }
}

// -- the legend --------------------------------------------------------------------------------

const LEGEND = [
  ["input", "input"],
  ["layer", "a call of a layer"],
  ["shared", "each call of a shared layer"],
  ["nested", "nested model"],
  ["repeat", "identical blocks, folded"],
  ["selected", "selected"],
];

function legend() {
  const box = element("div", "kb-legend");
  for (const [kind, text] of LEGEND) {
    const item = element("span", "kb-legend-item");
    item.append(element("span", `kb-swatch kb-swatch-${kind}`), document.createTextNode(text));
    box.append(item);
  }
  return box;
}

// -- the widget --------------------------------------------------------------------------------

export default {
  render({ model, el }) {
    el.classList.add("kerasbook", "kb-graph-view");
    const toolbar = element("div", "kb-toolbar");
    const zoomOut = element("button", "kb-zoom-out", "−");
    const zoomIn = element("button", "kb-zoom-in", "+");
    const fit = element("button", "kb-fit", "fit");
    zoomOut.title = "zoom out";
    zoomIn.title = "zoom in";
    fit.title = "fit to the width";
    const shapesLabel = element("label", "kb-edge-shapes");
    const shapesBox = element("input");
    shapesBox.type = "checkbox";
    shapesLabel.append(shapesBox, document.createTextNode(" shapes on arrows"));
    const hint = element("span", "kb-muted", "click a box · drag to pan · Ctrl+wheel to zoom");
    toolbar.append(zoomOut, zoomIn, fit, shapesLabel, hint);

    const note = element("p", "kb-note");
    const body = element("div", "kb-body");
    const left = element("div", "kb-left");
    const viewport = element("div", "kb-viewport");
    const inner = element("div", "kb-canvas");
    viewport.append(inner);
    left.append(viewport, legend());
    const panel = element("div", "kb-panel");
    body.append(left, panel);
    const tooltip = element("div", "kb-tooltip");
    tooltip.hidden = true;
    el.append(toolbar, note, body, tooltip);

    const canvas = new Canvas(viewport, inner);
    let imageUrl = null;
    let fitted = true; // follow the width until the student zooms or pans

    const boxOf = (target) => {
      const group = target.closest("g.node, g.cluster");
      return group && model.get("boxes")[group.id] ? group : null;
    };

    function markSelected() {
      const title = model.get("selected");
      const boxes = model.get("boxes");
      inner.querySelectorAll("g.kb-selected").forEach((g) => g.classList.remove("kb-selected"));
      inner.querySelectorAll("g.node, g.cluster").forEach((g) => {
        if (boxes[g.id] && boxes[g.id].title === title) g.classList.add("kb-selected");
      });
    }

    function drawGraph() {
      const text = model.get("note");
      note.textContent = text;
      note.hidden = !text;
      inner.innerHTML = model.get("svg");
      const svg = inner.querySelector("svg");
      body.hidden = !svg; // no graph yet (an unbuilt model) or no model any more: the note says why
      if (!svg) return;
      // graphviz's <title>s are its own ids ("a[0]->shared[0]"): our tooltip replaces them.
      svg.querySelectorAll("title").forEach((t) => t.remove());
      const [, , width, height] = svg.getAttribute("viewBox").split(/\s+/).map(Number);
      canvas.width = width;
      canvas.height = height;
      svg.setAttribute("width", width);
      svg.setAttribute("height", height);
      const boxes = model.get("boxes");
      svg.querySelectorAll("g.node, g.cluster").forEach((g) => {
        if (boxes[g.id]) g.classList.add("kb-box");
      });
      markSelected();
      if (fitted) canvas.fit();
      else canvas.apply();
    }

    function drawImage() {
      if (imageUrl) URL.revokeObjectURL(imageUrl);
      imageUrl = null;
      const data = model.get("activation");
      if (data && data.byteLength) {
        imageUrl = URL.createObjectURL(new Blob([data], { type: "image/png" }));
      }
      drawPanel(panel, model, imageUrl);
    }

    // Clicks and drags: a press that moves more than 3 px pans; one that does not is a click.
    let press = null;
    viewport.addEventListener("pointerdown", (event) => {
      press = { x: event.clientX, y: event.clientY, moved: false };
      viewport.setPointerCapture(event.pointerId);
    });
    viewport.addEventListener("pointermove", (event) => {
      if (press) {
        const dx = event.clientX - press.x;
        const dy = event.clientY - press.y;
        if (press.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          press.moved = true;
          fitted = false;
          canvas.pan(dx, dy);
          press.x = event.clientX;
          press.y = event.clientY;
          tooltip.hidden = true;
        }
        return;
      }
      showTooltip(event);
    });
    viewport.addEventListener("pointerup", (event) => {
      const wasClick = press && !press.moved;
      press = null;
      if (!wasClick) return;
      // Pointer capture retargets the event to the viewport: find the box under the pointer.
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const group = under && boxOf(under);
      if (!group) return;
      const box = model.get("boxes")[group.id];
      if (group.classList.contains("cluster") && !under.closest("text")) return; // a cluster: its label
      model.set("selected", box.title);
      model.save_changes();
    });
    viewport.addEventListener("dblclick", (event) => {
      // Like the click, retargeted to the viewport by the pointer capture: look under the pointer.
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const group = under && boxOf(under);
      const box = group && model.get("boxes")[group.id];
      if (box && (box.kind === "repeat" || box.kind === "nested")) {
        model.send({ kind: "fold", title: box.title });
      }
    });
    viewport.addEventListener("pointerleave", () => { tooltip.hidden = true; });

    function showTooltip(event) {
      const group = boxOf(event.target);
      if (!group) {
        tooltip.hidden = true;
        return;
      }
      const box = model.get("boxes")[group.id];
      tooltip.replaceChildren();
      tooltip.append(element("div", "kb-tooltip-title", `${box.title} (${box.class})`));
      if (box.inputs.length) tooltip.append(element("div", "", `in: ${shapes(box.inputs)}`));
      if (box.outputs.length) tooltip.append(element("div", "", `out: ${shapes(box.outputs)}`));
      tooltip.append(element("div", "", `params: ${number(box.params)}`));
      if (box.kind === "repeat") tooltip.append(element("div", "kb-muted", "double-click to unfold"));
      if (box.expanded) tooltip.append(element("div", "kb-muted", "double-click to fold"));
      const area = el.getBoundingClientRect();
      tooltip.style.left = `${event.clientX - area.left + 14}px`;
      tooltip.style.top = `${event.clientY - area.top + 14}px`;
      tooltip.hidden = false;
    }

    // The wheel pans a tall graph; with Ctrl (or a trackpad pinch, which Chrome sends as Ctrl+wheel)
    // it zooms. Without Ctrl, a graph that fits lets the page scroll as usual.
    viewport.addEventListener("wheel", (event) => {
      const area = viewport.getBoundingClientRect();
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        fitted = false;
        canvas.zoom(Math.exp(-event.deltaY / 300), event.clientX - area.left, event.clientY - area.top);
        return;
      }
      const overflow = canvas.height * canvas.scale - viewport.clientHeight;
      const y = Math.min(0, Math.max(-overflow, canvas.y - event.deltaY));
      if (overflow > 0 && y !== canvas.y) {
        event.preventDefault();
        canvas.pan(0, y - canvas.y);
      }
    }, { passive: false });

    const centre = () => [viewport.clientWidth / 2, viewport.clientHeight / 2];
    zoomIn.addEventListener("click", () => { fitted = false; canvas.zoom(ZOOM_STEP, ...centre()); });
    zoomOut.addEventListener("click", () => { fitted = false; canvas.zoom(1 / ZOOM_STEP, ...centre()); });
    fit.addEventListener("click", () => { fitted = true; canvas.fit(); });
    shapesBox.addEventListener("change", () => {
      model.set("edge_shapes", shapesBox.checked);
      model.save_changes();
    });

    // The output area's width changes with the window and the side panel: refit while fitted.
    const resize = new ResizeObserver(() => { if (fitted && canvas.width) canvas.fit(); });
    resize.observe(viewport);

    const onSvg = () => drawGraph();
    // The panel, its picture and its levels arrive in one message, as three changes: draw once.
    let panelQueued = false;
    const onPanel = () => {
      if (panelQueued) return;
      panelQueued = true;
      queueMicrotask(() => { panelQueued = false; drawImage(); });
    };
    const onShapes = () => { shapesBox.checked = model.get("edge_shapes"); };
    // Which change of the kernel's state redraws what; added here, removed in the cleanup.
    const listeners = [
      ["change:svg", onSvg], ["change:note", onSvg], ["change:selected", () => markSelected()],
      ["change:panel", onPanel], ["change:activation", onPanel], ["change:levels", onPanel],
      ["change:edge_shapes", onShapes],
    ];
    for (const [event, handler] of listeners) model.on(event, handler);
    onShapes();
    drawGraph();
    drawImage();
    model.send({ kind: "view", open: true });
    return () => {
      resize.disconnect();
      for (const [event, handler] of listeners) model.off(event, handler);
      if (imageUrl) URL.revokeObjectURL(imageUrl);
      model.send({ kind: "view", open: false });
    };
  },
};
