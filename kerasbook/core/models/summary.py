"""`model.summary()`: Keras 3's table, drawn with plain string formatting.

Keras draws it with the `rich` library; that costs more time than everything else a summary does, so
kerasbook lays out the same table itself: the same columns, column widths (Keras's relative
`positions` of `line_length`, shrunk evenly to fit the borders as rich does), box characters, and the
totals with their sizes in bytes.
"""

import math
import textwrap

import numpy as np

from kerasbook.core import tree

_HEAVY_TOP, _HEAVY_ROW, _HEAVY_BOTTOM = ("┏", "┳", "┓"), ("┃", "┃", "┃"), ("┡", "╇", "┩")
_LIGHT_ROW, _LIGHT_RULE, _LIGHT_BOTTOM = ("│", "│", "│"), ("├", "┼", "┤"), ("└", "┴", "┘")


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    text = summary_text(model, line_length, positions, expand_nested, show_trainable, layer_range)
    (print_fn or print)(text)


def summary_text(model, line_length=None, positions=None, expand_nested=False, show_trainable=False,
                 layer_range=None):
    chain = _is_chain(model)
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    align = ["left", "left", "right"] + ([] if chain else ["left"])
    default_length = 88 if chain else 108
    positions = positions or ([0.45, 0.80, 1.0] if chain else [0.3, 0.56, 0.74, 1.0])
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("center")
    line_length = line_length or default_length
    widths = _column_widths(line_length, positions)

    graph_nodes = {id(n) for n in getattr(model, "_nodes", [])}
    rows = []
    for layer in _layers_in_range(model, layer_range):
        _collect_rows(layer, 0, rows, chain, graph_nodes, expand_nested, show_trainable)

    lines = [f'Model: "{model.name}"', _rule(_HEAVY_TOP, widths, "━")]
    lines += _row(header, widths, align, _HEAVY_ROW)
    lines.append(_rule(_HEAVY_BOTTOM, widths, "━"))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule(_LIGHT_RULE, widths, "─"))
        lines += _row(row, widths, align, _LIGHT_ROW)
    lines.append(_rule(_LIGHT_BOTTOM, widths, "─"))
    lines += _totals(model)
    return "\n".join(lines)


def _column_widths(line_length, positions):
    """Keras's widths from positions; then, like rich, shrink all columns evenly to fit the borders."""
    if positions[-1] <= 1:
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for position in positions:
        width = position - current
        if width < 4:
            raise ValueError(f"Insufficient line_length ({line_length}) to print the summary.")
        widths.append(width + 2)  # one space of padding on each side
        current += width
    excess = sum(widths) - (line_length - len(widths) - 1)
    if excess > 0:
        remaining, count = excess, len(widths)
        for i in range(len(widths)):
            cut = min(widths[i], round(remaining / count))
            widths[i] -= cut
            remaining -= cut
            count -= 1
    return widths


def _rule(corners, widths, fill):
    left, middle, right = corners
    return left + middle.join(fill * w for w in widths) + right


def _row(cells, widths, align, borders):
    left, middle, right = borders
    wrapped = [_wrap(str(cell), w - 2) for cell, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = []
        for cell_lines, w, how in zip(wrapped, widths, align):
            text = cell_lines[i] if i < len(cell_lines) else ""
            if how == "right":
                text = text.rjust(w - 2)
            elif how == "center":
                text = text.center(w - 2)
            else:
                text = text.ljust(w - 2)
            parts.append(f" {text} ")
        lines.append(left + middle.join(parts) + right)
    return lines


def _wrap(text, width):
    """Wrap at spaces; a word too long for the cell ends in an ellipsis (rich's "ellipsis" overflow)."""
    if len(text) <= width:
        return [text]
    words = [w if len(w) <= width else w[:width - 1] + "…" for w in text.split(" ")]
    return textwrap.wrap(" ".join(words), width, break_long_words=False, break_on_hyphens=False) or [""]


def _collect_rows(layer, level, rows, chain, graph_nodes, expand_nested, show_trainable):
    prefix = "   " * level + "└ " if level else ""
    if not layer.built:
        params = "0 (unbuilt)"
    else:
        params = f"{layer.count_params():,}"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
    if not chain:
        row.append(_connections(layer, graph_nodes))
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    rows.append(row)
    if expand_nested and hasattr(layer, "layers"):
        for sub in layer.layers:
            _collect_rows(sub, level + 1, rows, chain, set(), expand_nested, show_trainable)


def _output_shape(layer):
    if layer._inbound_nodes:
        shapes = [x.shape for x in layer._inbound_nodes[-1].output_tensors]
    elif getattr(layer, "_traced_output_shape", None) is not None:
        shapes = tree.flatten(layer._traced_output_shape) if isinstance(
            layer._traced_output_shape, list) else [layer._traced_output_shape]
    else:
        return "?"
    formatted = [f"({', '.join(str(d) for d in s)})" for s in shapes]
    return formatted[0] if len(formatted) == 1 else "[" + ", ".join(formatted) + "]"


def _connections(layer, graph_nodes):
    links = []
    for node in layer._inbound_nodes:
        if graph_nodes and id(node) not in graph_nodes:
            continue
        for x in node.input_tensors:
            h = x._keras_history
            links.append(f"{h.operation.name}[{h.node_index}][{h.tensor_index}]")
    return ", ".join(links) or "-"


def _is_chain(model):
    """A model is drawn without 'Connected to' when its graph is a simple chain (as Keras decides)."""
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    if isinstance(model, Sequential) or not isinstance(model, Functional):
        return True
    depths = {}
    nodes = model._nodes
    for node in nodes:
        depths.setdefault(_depth_key(model, node), []).append(node)
    for group in depths.values():
        if len(group) > 1 or len(group[0].input_tensors) > 1:
            return False
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(id(n) in node_ids for n in layer._inbound_nodes) > 1:
            return False
    return True


def _depth_key(model, node):
    return model._node_depths[id(node)] if hasattr(model, "_node_depths") else id(node)


def _layers_in_range(model, layer_range):
    from kerasbook.core.models.sequential import Sequential
    # A functional graph lists its ops too, as in Keras 3; a Sequential model its layers, no Input.
    layers = model.layers if isinstance(model, Sequential) else getattr(model, "_operations", model.layers)
    if layer_range is None:
        return layers
    names = [layer.name for layer in layers]
    start, end = layer_range
    return layers[names.index(start): names.index(end) + 1]


def _totals(model):
    weights = model.weights if model.built else []
    trainable = {id(v) for v in model.trainable_weights} if model.built else set()

    def count(vs):
        return sum(math.prod(v.shape) for v in vs)

    def size(vs):
        return sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in vs)

    train = [v for v in weights if id(v) in trainable]
    frozen = [v for v in weights if id(v) not in trainable]
    lines = [f" Total params: {count(weights):,} ({readable_size(size(weights))})",
             f" Trainable params: {count(train):,} ({readable_size(size(train))})",
             f" Non-trainable params: {count(frozen):,} ({readable_size(size(frozen))})"]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "variables", None):
        opt_vars = optimizer.variables
        lines.append(f" Optimizer params: {count(opt_vars):,} ({readable_size(size(opt_vars))})")
    return lines


def readable_size(num_bytes):
    """`13.41 GB`, `0.00 B`: a size as Keras writes it (summaries, and errors about files)."""
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if num_bytes < 1024:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"
