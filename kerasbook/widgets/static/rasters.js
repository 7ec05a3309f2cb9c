// Rasters that ActivationExplorer and GraphView's panel both draw: feature-map tiles, a sequence's
// heat map, attention scores (queries x keys), each with its colour bar. This file is put before
// each widget's own front-end (one ES module each), so both draw the same way.
//
// The kernel sends a `view` (what to draw: channels, scale, tick labels) and `levels` (uint8, one
// byte a pixel, already on the colour scale). Each level is coloured through `colours` (the colormap's
// 256 RGB entries) into a canvas of the map's own size, which is then drawn onto a visible canvas
// sized for its CSS size times devicePixelRatio with smoothing off: every map pixel becomes a crisp
// square, at any zoom and on any screen. Text (channel numbers, ticks, captions) is HTML, so it is as
// sharp as the rest of the page and follows the JupyterLab theme.

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function bytes(model, name) {
  const value = model.get(name);  // binary traits arrive as a DataView (or ArrayBuffer when restored)
  if (!value) return new Uint8Array(0);
  return value.buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
}

// Levels (or RGB triples) -> an RGBA canvas of the map's own size, `height` x `width`.
function sourceCanvas(levels, height, width, table, rgb = false) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  const out = image.data;
  for (let i = 0, n = width * height; i < n; i++) {
    if (rgb) {
      out[4 * i] = levels[3 * i]; out[4 * i + 1] = levels[3 * i + 1]; out[4 * i + 2] = levels[3 * i + 2];
    } else {
      const c = 3 * levels[i];
      out[4 * i] = table[c]; out[4 * i + 1] = table[c + 1]; out[4 * i + 2] = table[c + 2];
    }
    out[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

// A visible canvas showing `source` at cssWidth x cssHeight CSS pixels, one canvas pixel per device
// pixel. Enlarging: nearest neighbour (crisp squares). Reducing (a 224-px map in a 96-px tile): smoothed.
function shown(source, cssWidth, cssHeight, className = "kb-raster") {
  const ratio = window.devicePixelRatio || 1;
  const canvas = h("canvas", { class: className });
  canvas.width = Math.max(1, Math.round(cssWidth * ratio));
  canvas.height = Math.max(1, Math.round(cssHeight * ratio));
  canvas.style.width = `${canvas.width / ratio}px`;
  canvas.style.height = `${canvas.height / ratio}px`;
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = cssWidth < source.width;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

// A horizontal colour bar with its tick labels (`ticks`: [[text, position 0..1]]).
function colourBar(table, ticks, label, width = 256) {
  const strip = new Uint8Array(width);
  for (let i = 0; i < width; i++) strip[i] = Math.round((i * 255) / (width - 1));
  const canvas = shown(sourceCanvas(strip, 1, width, table), width, 12, "kb-colourbar");
  const marks = h("div", { class: "kb-ticks", style: { width: `${width}px` } });
  for (const [text, position] of ticks) {
    marks.append(h("span", { style: { left: `${position * 100}%` } }, text));
  }
  return h("div", { class: "kb-bar" }, canvas, marks, h("div", { class: "kb-muted" }, label));
}

// One tile a channel, `ch N` above it: `view.tile` is a map's [height, width], `view.zoom` how much
// it is enlarged, `view.channels` the channel numbers (one map of `levels` each, in order).
function tilesGrid(levels, view, table) {
  const [height, width] = view.tile;
  const size = height * width;
  const cssWidth = Math.round(width * view.zoom), cssHeight = Math.round(height * view.zoom);
  const grid = h("div", { class: "kb-tiles" });
  view.channels.forEach((channel, i) => {
    const source = sourceCanvas(levels.subarray(i * size, (i + 1) * size), height, width, table);
    let title = `ch ${channel}`;
    if (view.per_channel) {
      const [low, high] = view.ranges[i];
      title += ` · ${low.toPrecision(3)}…${high.toPrecision(3)}`;
    }
    grid.append(h("figure", { class: "kb-tile" },
      h("figcaption", {}, title), shown(source, cssWidth, cssHeight)));
  });
  return grid;
}

// A sequence (time steps x units) as a heat map about `cssWidth` wide, under its colour bar.
function drawSequence(levels, view, table, cssWidth = 520) {
  const cell = Math.max(1, Math.min(24, Math.floor(cssWidth / view.columns)));
  const rowHeight = Math.max(1, Math.min(24, Math.max(cell, Math.floor(240 / view.rows))));
  const canvas = shown(sourceCanvas(levels, view.rows, view.columns, table),
    view.columns * cell, view.rows * rowHeight);
  return h("div", { class: "kb-stack" }, colourBar(table, view.ticks, "activation", Math.min(256, cssWidth)),
    axes(canvas, view.rows * rowHeight, view.columns * cell, view, rowHeight, cell));
}

// A heat map with tick numbers down its left side (rows) and under it (columns).
function axes(canvas, height, width, view, rowHeight, cell) {
  const left = h("div", { class: "kb-yticks", style: { height: `${height}px` } },
    ...view.row_ticks.map((t) => h("span", { style: { top: `${(t + 0.5) * rowHeight}px` } }, String(t))));
  const bottom = h("div", { class: "kb-xticks", style: { width: `${width}px` } },
    ...view.column_ticks.map((t) => h("span", { style: { left: `${(t + 0.5) * cell}px` } }, String(t))));
  return h("div", { class: "kb-axes" },
    h("div", { class: "kb-muted kb-ylabel" }, `${view.down} ↓`),
    h("div", { class: "kb-plot" }, left, canvas),
    h("div", { class: "kb-plot" }, h("div", { class: "kb-yticks" }), bottom),
    h("div", { class: "kb-muted kb-xlabel" }, `${view.across} →`));
}

// Attention scores of one head: queries down, keys across, square cells sized so the map is about
// `cssWidth` wide (8 to 32 px a cell). Each axis names its tokens (or positions: all of them up to
// 24, else round numbers); key labels are written downwards so long words do not overlap.
function attentionCell(view, cssWidth) {
  return Math.max(8, Math.min(32, Math.floor(cssWidth / Math.max(view.rows, view.columns))));
}

// `picker`: what says which head is shown (ActivationExplorer: a menu; else the head's number).
function drawAttention(levels, view, table, cssWidth = 420, picker = null) {
  const cell = attentionCell(view, cssWidth);
  const canvas = shown(sourceCanvas(levels, view.rows, view.columns, table), view.columns * cell, view.rows * cell);
  const names = (labels, n) => labels || [...Array(n).keys()].map(String);
  const shownTicks = (labels, n) => (labels || n <= 24 ? [...Array(n).keys()] : indexTicks(n, 8));
  const rows = names(view.row_labels, view.rows), columns = names(view.column_labels, view.columns);
  const left = h("div", { class: "kb-att-rows", style: { height: `${view.rows * cell}px` } },
    ...shownTicks(view.row_labels, view.rows).map((i) =>
      h("span", { style: { top: `${(i + 0.5) * cell}px` }, title: `query ${i}` }, rows[i])));
  const bottom = h("div", { class: "kb-att-columns", style: { width: `${view.columns * cell}px` } },
    ...shownTicks(view.column_labels, view.columns).map((i) =>
      h("span", { style: { left: `${(i + 0.5) * cell}px` }, title: `key ${i}` }, columns[i])));
  // Hovering a cell says which query looks at which key, and how much.
  const scores = h("div", { class: "kb-muted kb-att-hover" }, "point at a cell to read its score");
  canvas.addEventListener("mousemove", (event) => {
    const box = canvas.getBoundingClientRect();
    const i = Math.floor(((event.clientY - box.top) / box.height) * view.rows);
    const j = Math.floor(((event.clientX - box.left) / box.width) * view.columns);
    if (i < 0 || j < 0 || i >= view.rows || j >= view.columns) return;
    const level = levels[i * view.columns + j];
    const value = view.low + (level / 255) * (view.high - view.low);
    scores.textContent = `query ${i} (${rows[i]}) → key ${j} (${columns[j]}): ≈ ${value.toPrecision(3)}`;
  });
  picker = picker || h("span", { class: "kb-muted" }, view.heads > 1 ? `head ${view.head}` : "one head");
  return h("div", { class: "kb-stack" },
    h("div", { class: "kb-pager" }, picker, h("span", { class: "kb-muted" }, `of ${view.heads}`)),
    colourBar(table, view.ticks, "attention score (one scale for all heads)", Math.min(220, cssWidth)),
    h("div", { class: "kb-plot kb-muted" }, h("div", { class: "kb-att-rows kb-att-corner" }, "query ↓"), "key →"),
    h("div", { class: "kb-plot" }, left, canvas),
    h("div", { class: "kb-plot" }, h("div", { class: "kb-att-rows" }), bottom),
    h("div", { class: "kb-muted" }, "each query's row of scores sums to 1"), scores);
}

// Whole numbers 0..n-1 for a long axis: multiples of 1, 2 or 5 times a power of ten (as the kernel's index_ticks).
function indexTicks(n, count) {
  const raw = (n - 1) / (count - 1);
  const power = 10 ** Math.max(0, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t < n; t += step) ticks.push(t);
  return ticks;
}
