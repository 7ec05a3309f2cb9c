"""What GraphView's side panel says about one call: shapes, parameters, weights, config, activation.

Everything here is plain data (strings, numbers, lists), ready to travel to the front-end as JSON and
to be written as an HTML table for views without a kernel (`panel_html`).

- Weights: each weight's shape and a histogram of its values as binned counts (the front-end draws
  the bars); numbers with 4 significant digits.
- Config: one row per argument, nested objects written as a call would be
  (`GlorotUniform(seed=None)`), a dtype policy as its name (`float32`): no JSON to read through.
"""

import html

import numpy as np

from kerasbook.viz.call_graph import shape_text

HISTOGRAM_BINS = 24
HISTOGRAM_VALUES = 1_000_000  # a bigger weight is binned from an even sample (every k-th value)


def call_panel(box):
    """The panel's data for one box of the drawing (a `call_graph.Box`)."""
    layer = box.layer
    if layer is None:  # the array given to a traced subclassed model
        return {"title": box.title, "id": box.id, "name": box.title, "class": "input", "kind": "input",
                "node": None, "inputs": [], "outputs": box.outputs, "params": 0, "trainable": 0,
                "count": 1, "calls": 0, "weights": [], "config": []}
    node_index = None
    if box.node is not None and box.kind != "repeat":
        node_index = layer._inbound_nodes.index(box.node)
    elif box.call_index is not None:
        node_index = box.call_index
    layers = _layers_of(box)
    return {
        "title": box.title, "id": box.id, "name": layer.name, "class": type(layer).__name__,
        "kind": box.kind, "node": node_index, "inputs": box.inputs, "outputs": box.outputs,
        "params": parameters(box),
        "trainable": sum(_count(x, trainable=True) for x in layers),
        "count": box.count, "calls": len(box.members),
        "weights": [] if box.kind == "repeat" else [weight_summary(v) for v in _weights(layer)],
        "config": config_rows(layer),
    }


def parameters(box):
    """How many numbers the box's layer holds (all the layers of a folded run of blocks)."""
    return 0 if box.layer is None else sum(_count(layer) for layer in _layers_of(box))


def _layers_of(box):
    if box.kind != "repeat":
        return [box.layer]
    seen = {}
    for node in box.member_nodes:
        seen.setdefault(id(node.operation), node.operation)
    return list(seen.values())


def _weights(layer):
    return layer.weights if getattr(layer, "built", False) else []


def _count(layer, trainable=None):
    weights = _weights(layer)
    if trainable:
        weights = layer.trainable_weights if layer.built else []
    return int(sum(int(np.prod(v.shape)) for v in weights))


def weight_summary(variable):
    """A weight's path, shape and statistics (of all its values), and its values binned for a small
    histogram. Binning 3 million values takes 70 ms, so a weight of more than `HISTOGRAM_VALUES` is
    binned from every `every`-th value: the shape of the histogram, in a quarter of the time."""
    values = np.asarray(variable.numpy(), dtype="float32").reshape(-1)
    if values.size == 0:
        return {"path": variable.path, "shape": shape_text(variable.shape), "counts": [], "low": 0,
                "high": 0, "mean": 0, "std": 0, "every": 1}
    low, high = float(values.min()), float(values.max())
    span = (low, high) if high > low else (low - 0.5, high + 0.5)  # a constant: one bar in the middle
    every = -(-values.size // HISTOGRAM_VALUES)  # 1 up to HISTOGRAM_VALUES values
    counts, _ = np.histogram(values[::every], bins=HISTOGRAM_BINS, range=span)
    return {"path": variable.path, "shape": shape_text(variable.shape), "counts": counts.tolist(),
            "low": _number(low), "high": _number(high), "mean": _number(values.mean()),
            "std": _number(values.std()), "every": int(every), "trainable": bool(variable.trainable)}


def _number(x):
    return float(f"{float(x):.4g}")


# -- config -------------------------------------------------------------------------------------

def config_rows(layer):
    """`[[argument, readable value], ...]` from the layer's config (name and trainable left out:
    the panel shows them already)."""
    try:
        config = layer.get_config()
    except Exception as error:  # a custom layer without get_config
        return [["(config)", f"not available: {error}"]]
    return [[key, _layer_list(value) if key == "layers" else readable(value, top=True)]
            for key, value in config.items() if key not in ("name", "trainable")]


def _layer_list(layers):
    """A model's layers by name and class (each one's own config is in its own box's panel)."""
    def named(item):
        config = item.get("config", {}) if isinstance(item, dict) else {}
        return f"{config.get('name', '?')} ({item.get('class_name', '?')})" if isinstance(item, dict) else str(item)
    return ", ".join(named(item) for item in layers) if isinstance(layers, list) else readable(layers)


def readable(value, top=False):
    """A config value as a person writes it: `GlorotUniform(seed=None)`, `(3, 3)`, `relu`, `None`."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        inner = value["config"] if isinstance(value["config"], dict) else {}
        if value["class_name"] == "DTypePolicy" and "name" in inner:
            return inner["name"]
        arguments = ", ".join(f"{k}={readable(v)}" for k, v in inner.items())
        return f"{value['class_name']}({arguments})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {readable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        parts = [readable(v) for v in value]
        if isinstance(value, tuple):
            return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, str):
        return value if top else repr(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


# -- the same content as HTML (views without a kernel) ----------------------------------------------

def panel_html(panel, activation_img=""):
    """The panel as an HTML table: what an untrusted notebook or GitHub shows beside the graph."""
    def row(key, value):
        return f"<tr><th>{html.escape(key)}</th><td>{html.escape(str(value))}</td></tr>"

    rows = [row("layer", f"{panel['name']} ({panel['class']})")]
    if panel["node"] is not None:
        rows.append(row("node index", panel["node"]))
    rows += [row("inputs", ", ".join(panel["inputs"]) or "-"), row("outputs", ", ".join(panel["outputs"])),
             row("parameters", f"{panel['params']:,}")]
    rows += [row(w["path"], f"{w['shape']}, mean {w['mean']}, std {w['std']}, min {w['low']}, max {w['high']}")
             for w in panel["weights"]]
    config = "".join(row(k, v) for k, v in panel["config"])
    return (f"<div class='kerasbook-graph-panel'><p><b>{html.escape(panel['title'])}</b></p>"
            f"<table>{''.join(rows)}</table>{activation_img}"
            f"<details><summary>config</summary><table>{config}</table></details></div>")
