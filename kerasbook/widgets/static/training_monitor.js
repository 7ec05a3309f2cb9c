// TrainingMonitor's front-end: a header (epoch, step, elapsed, time left, speed, Stop, log scale) and
// one SVG chart per quantity, drawn from the numbers the kernel sends. SVG stays sharp at any width;
// each chart is as wide as its cell of the grid (re-drawn when that changes) and PANEL_HEIGHT tall.
// Everything is drawn from the widget's state, so a saved notebook shows the curves without a kernel.

const SVG = "http://www.w3.org/2000/svg";
const PANEL_HEIGHT = 210;
const MARGIN = { left: 52, right: 12, top: 10, bottom: 30 };
const SMOOTHING = 0.6; // TensorBoard's default weight for the smoothed line over the faint points
const MAX_MARKS = 60; // epochs drawn with a mark each (a dot, a square) up to this many
const MIN_SMOOTHED = 40; // fewer points than this are drawn as they are (smoothing would only lag)
const RUNNING = new Set(["compiling", "training", "stopping"]);

// -- numbers to text ---------------------------------------------------------------------------
function clock(seconds) {
  // "4.2 s" under ten seconds, then "0:42", "12:05", "1:02:05".
  if (seconds == null || !isFinite(seconds)) return "–";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

function short(value) {
  if (value == null) return "–";
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return value.toExponential(2);
  if (a >= 1000) return String(Math.round(value));
  const text = value.toPrecision(4);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text; // 0.5000 -> 0.5, but 1480 stays
}

// -- the header --------------------------------------------------------------------------------
function headerText(status, now) {
  const phase = status.phase || "waiting";
  if (phase === "waiting") return "waiting for fit()";
  const parts = [];
  if (phase === "compiling") parts.push("compiling… (the first step compiles the model)");
  if (phase === "stopping") parts.push("stopping after this batch…");
  if (phase === "stopped") parts.push("stopped");
  if (phase === "done") parts.push("done");
  parts.push(`epoch ${Math.max(status.epoch || 1, 1)}/${status.epochs || "?"}`);
  if (status.steps) parts.push(`step ${status.step || 0}/${status.steps}`);
  parts.push(`${clock(now)} elapsed`);
  if (RUNNING.has(phase) && status.eta != null) parts.push(`${clock(status.eta)} left`);
  if (status.rate) parts.push(`${short(status.rate)} steps/s`);
  return parts.join(" · ");
}

function progress(status) {
  if (status.phase === "done") return 1;
  const epochs = status.epochs || 1, steps = status.steps || 1;
  const done = (Math.max(status.epoch || 1, 1) - 1) * steps + (status.step || 0);
  return Math.min(Math.max(done / (epochs * steps), 0), 1);
}

// -- scales and ticks --------------------------------------------------------------------------
function niceStep(span, count) {
  // Of the steps 1, 2, 2.5, 5 x 10^k, the one that gives closest to `count` intervals.
  const power = Math.pow(10, Math.floor(Math.log10(span / Math.max(count, 1))));
  const steps = [1, 2, 2.5, 5, 10].map((f) => f * power);
  return steps.reduce((best, step) =>
    Math.abs(span / step - count) < Math.abs(span / best - count) ? step : best);
}

function linearTicks(lo, hi, count) {
  const step = niceStep(hi - lo || 1, count);
  if (!(step > (Math.abs(lo) + Math.abs(hi)) * 1e-12)) return [lo, hi]; // too fine to step through
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function epochTicks(end, width) {
  // Whole epochs only, as many as fit at about 40 px apart.
  const step = Math.max(1, Math.ceil(niceStep(end, Math.max(2, Math.floor(width / 40)))));
  const ticks = [];
  for (let t = 0; t <= end + 1e-9; t += step) ticks.push(t);
  return ticks;
}

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const few = Math.log10(hi / lo) < 2; // within two decades, 2 and 5 too
    for (const f of few ? [1, 2, 5] : [1]) {
      const t = f * Math.pow(10, e);
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks.length ? ticks : [lo, hi];
}

function yDomain(values, log) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / 1.15, hi * 1.15];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

function epochAxisEnd(state, xs) {
  // A fit of up to 20 epochs shows its planned end from the start; a longer one shows what has
  // been trained plus a quarter, so that its curves are not squeezed against the left edge.
  const reached = Math.max(0, ...xs, ...state.fitStarts);
  const planned = state.xEnd || 0;
  const fitStart = state.fitStarts.length ? state.fitStarts[state.fitStarts.length - 1] : 0;
  if (!state.running || planned - fitStart <= 20) return Math.max(1, reached, state.running ? planned : 0);
  return Math.min(planned, Math.max(1, Math.ceil(reached * 1.25), Math.ceil(reached) + 1));
}

// -- SVG helpers -------------------------------------------------------------------------------
function node(tag, attrs, parent, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

function finite(points) {
  return (points || []).filter((p) => p[1] != null && isFinite(p[1]));
}

function smoothed(points) {
  // An exponential moving average, debiased as TensorBoard does (early points are not pulled to 0).
  let last = 0, weight = 0;
  return points.map(([x, y]) => {
    last = last * SMOOTHING + (1 - SMOOTHING) * y;
    weight = weight * SMOOTHING + (1 - SMOOTHING);
    return [x, last / weight];
  });
}

// -- one panel ---------------------------------------------------------------------------------
function drawPanel(svg, name, state, width) {
  svg.replaceChildren();
  svg.setAttribute("width", width);
  svg.setAttribute("height", PANEL_HEIGHT);
  svg.setAttribute("viewBox", `0 0 ${width} ${PANEL_HEIGHT}`);
  const batch = finite(state.batch[name]);
  const train = finite(state.epochs[name]);
  const val = finite(state.epochs["val_" + name]);
  const all = [...batch, ...train, ...val].map((p) => p[1]);
  const log = state.log && all.length > 0 && all.every((v) => v > 0);
  const [lo, hi] = all.length ? yDomain(all, log) : [0, 1];
  const xEnd = epochAxisEnd(state, [...batch, ...train, ...val].map((p) => p[0]));
  const plotW = width - MARGIN.left - MARGIN.right, plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x) => MARGIN.left + (x / xEnd) * plotW;
  const sy = log
    ? (y) => MARGIN.top + plotH * (1 - (Math.log10(y) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)))
    : (y) => MARGIN.top + plotH * (1 - (y - lo) / (hi - lo));

  // Axes: grid lines at the ticks, whole epochs along x.
  for (const t of log ? logTicks(lo, hi) : linearTicks(lo, hi, 5)) {
    node("line", { class: "kb-grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: sy(t), y2: sy(t) }, svg);
    node("text", { class: "kb-tick", x: MARGIN.left - 6, y: sy(t) + 4, "text-anchor": "end" }, svg, short(t));
  }
  for (const t of epochTicks(xEnd, plotW)) {
    node("line", { class: "kb-axis", x1: sx(t), x2: sx(t), y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4 }, svg);
    node("text", { class: "kb-tick kb-xtick", x: sx(t), y: MARGIN.top + plotH + 16, "text-anchor": "middle" }, svg, t);
  }
  node("rect", { class: "kb-frame", x: MARGIN.left, y: MARGIN.top, width: plotW, height: plotH }, svg);
  node("text", { class: "kb-tick", x: width - MARGIN.right, y: PANEL_HEIGHT - 2, "text-anchor": "end" }, svg, "epoch");

  // Where each later fit began.
  state.fitStarts.slice(1).forEach((x, i) => {
    node("line", { class: "kb-fit-start", x1: sx(x), x2: sx(x), y1: MARGIN.top, y2: MARGIN.top + plotH }, svg);
    node("text", { class: "kb-tick", x: sx(x) + 3, y: MARGIN.top + 11 }, svg, `fit ${i + 2}`);
  });

  if (!all.length) {
    const message = state.phase === "waiting" ? "no values yet" : "the first values come after the first step";
    node("text", { class: "kb-empty", x: MARGIN.left + plotW / 2, y: MARGIN.top + plotH / 2, "text-anchor": "middle" },
      svg, message);
    return;
  }
  const path = (points) => points.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
  if (batch.length >= MIN_SMOOTHED) {
    node("path", { class: "kb-batch-raw", d: path(batch) }, svg);
    node("path", { class: "kb-batch-smooth", d: path(smoothed(batch)) }, svg);
  } else if (batch.length) { // a few points, each already the mean of many batches: no smoothing
    node("path", { class: "kb-batch-few", d: path(batch) }, svg);
  }
  for (const [points, kind] of [[train, "train"], [val, "val"]]) {
    if (!points.length) continue;
    node("path", { class: `kb-epoch kb-${kind}`, d: path(points) }, svg);
    if (points.length > MAX_MARKS) continue; // past that, marks would only hide the line
    for (const [x, y] of points) {
      const mark = kind === "train"
        ? node("circle", { class: `kb-mark kb-${kind}`, cx: sx(x), cy: sy(y), r: 3 }, svg)
        : node("rect", { class: `kb-mark kb-${kind}`, x: sx(x) - 3, y: sy(y) - 3, width: 6, height: 6 }, svg);
      node("title", {}, mark, `${kind === "train" ? "" : "val_"}${name} at epoch ${short(x)}: ${short(y)}`);
    }
  }
}

function drawStats(stats, name, state) {
  // A swatch of each line's style, then current (min, max) of the epoch values; while training, the
  // current value is the latest point during the epoch (and before the first epoch ends, min and
  // max are those of the points during it).
  stats.replaceChildren();
  for (const [key, kind, label] of [[name, "train", "training"], ["val_" + name, "val", "validation"]]) {
    let points = finite(state.epochs[key]);
    let current = points.length ? points[points.length - 1][1] : null;
    if (kind === "train" && state.running) {
      const batch = finite(state.batch[name]);
      if (batch.length) current = batch[batch.length - 1][1];
      if (!points.length) points = batch;
    }
    if (!points.length) continue;
    const values = [...points.map((p) => p[1]), current]; // min and max include the value shown
    const item = document.createElement("span");
    item.className = `kb-stat kb-${kind}`;
    item.textContent = `${label} ${short(current)} (min ${short(Math.min(...values))}, max ${short(Math.max(...values))})`;
    stats.append(item);
  }
}

// -- the whole widget --------------------------------------------------------------------------
function readState(model) {
  const status = model.get("status") || {};
  const fitStarts = model.get("fit_starts") || [];
  return {
    status, fitStarts,
    phase: status.phase || "waiting",
    running: RUNNING.has(status.phase),
    epochs: model.get("epoch_series") || {},
    batch: model.get("batch_series") || {},
    log: model.get("log_scale"),
    xEnd: status.x_end || 0,
  };
}

function build(el) {
  el.classList.add("kerasbook", "kerasbook-training-monitor");
  const header = document.createElement("div");
  header.className = "kb-tm-header";
  const text = document.createElement("span");
  text.className = "kb-tm-status";
  const logLabel = document.createElement("label");
  const logBox = document.createElement("input");
  logBox.type = "checkbox";
  logLabel.append(logBox, " log scale");
  const stop = document.createElement("button");
  stop.textContent = "Stop";
  stop.title = "End fit() after the current batch; the model keeps what it has learned";
  header.append(text, logLabel, stop);
  const bar = document.createElement("div");
  bar.className = "kb-tm-bar";
  const barDone = document.createElement("div");
  bar.append(barDone);
  const panels = document.createElement("div");
  panels.className = "kb-tm-panels";
  el.append(header, bar, panels);
  return { text, logBox, stop, barDone, panels };
}

export default {
  render({ model, el }) {
    const parts = build(el);
    const charts = new Map(); // quantity -> { figure, caption, svg }
    let received = performance.now(); // when the last status came: the clock ticks on from it

    const chart = (name) => {
      if (!charts.has(name)) {
        const figure = document.createElement("figure");
        const caption = document.createElement("figcaption");
        const title = document.createElement("b");
        title.textContent = name;
        const stats = document.createElement("span");
        stats.className = "kb-stats";
        caption.append(title, stats);
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", `${name} per epoch`);
        figure.append(caption, svg);
        charts.set(name, { figure, stats, svg });
      }
      return charts.get(name);
    };

    const drawHeader = () => {
      const state = readState(model);
      const elapsed = (state.status.elapsed || 0) + (state.running ? (performance.now() - received) / 1000 : 0);
      parts.text.textContent = headerText(state.status, elapsed);
      parts.stop.disabled = !(state.phase === "compiling" || state.phase === "training");
      parts.stop.textContent = state.phase === "stopping" ? "Stopping…" : "Stop";
      parts.barDone.style.width = `${(100 * progress(state.status)).toFixed(1)}%`;
      parts.barDone.className = state.phase === "stopped" ? "kb-stopped" : "";
      parts.logBox.checked = !!state.log;
    };

    const drawCharts = () => {
      const state = readState(model);
      const names = model.get("quantities").length ? model.get("quantities") : ["loss"];
      parts.panels.replaceChildren(...names.map((name) => chart(name).figure));
      for (const name of names) {
        const { figure, stats, svg } = chart(name);
        drawStats(stats, name, state);
        // The figure's width is the grid cell's: the SVG is drawn for exactly that many pixels.
        drawPanel(svg, name, state, Math.max(figure.clientWidth || 0, 240));
      }
    };

    let phase = readState(model).phase;
    const onStatus = () => {
      received = performance.now();
      drawHeader();
      if (readState(model).phase !== phase) { // e.g. the end: the epoch axis shrinks to what was trained
        phase = readState(model).phase;
        drawCharts();
      }
    };
    const onData = () => { drawHeader(); drawCharts(); };
    model.on("change:status", onStatus);
    for (const name of ["quantities", "epoch_series", "batch_series", "fit_starts", "log_scale"]) {
      model.on(`change:${name}`, onData);
    }
    parts.logBox.addEventListener("change", () => {
      model.set("log_scale", parts.logBox.checked);
      model.save_changes();
    });
    parts.stop.addEventListener("click", () => {
      parts.stop.disabled = true;
      parts.stop.textContent = "Stopping…";
      model.send({ kind: "stop" });
    });
    const resize = new ResizeObserver(() => drawCharts());
    resize.observe(parts.panels);
    const ticking = setInterval(() => { if (readState(model).running) drawHeader(); }, 1000);
    onData();
    model.send({ kind: "view", open: true });
    return () => {
      clearInterval(ticking);
      resize.disconnect();
      model.off("change:status", onStatus);
      for (const name of ["quantities", "epoch_series", "batch_series", "fit_starts", "log_scale"]) {
        model.off(`change:${name}`, onData);
      }
      model.send({ kind: "view", open: false });
    };
  },
};
