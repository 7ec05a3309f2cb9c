"""The node graph: one box per call of a layer, laid out by graphviz (`node_graph`).

Each box is one `Node`, titled `name [node i]` with the shapes of that call; a layer called twice
(a shared layer) gets two orange boxes, ordered left to right by node index. Arrows are read off the
`_keras_history` of each input tensor, the links the engine follows to run the model.

Beyond the static picture, the same layout serves the interactive `GraphView`:

- every box carries a stable `id` in the SVG (`shared[1]`, `encoder[0]/code[0]`: names and node
  indices, never `id()`), and `Diagram.boxes` describes each one (title, kind, the Node);
- a nested model's call can be drawn as a cluster of its own nodes or *folded* into one box;
- a run of identical blocks (`repeats.py`) can be folded into one box marked `x8`;
- arrows can carry the shape of the tensor they carry (`edge_shapes=True`).

The same model gives the same DOT text and the same SVG, which tests and notebooks compare.
"""

import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kerasbook.viz.repeats import find_repeats

# Colours: box headers, inputs, plain calls, calls of a shared layer, nested models, folded repeats.
HEADER = "#263238"
INPUT = "#cfd8dc"
NODE = "#e3f2fd"
SHARED = "#ffcc80"
NESTED = "#e1bee7"
REPEAT = "#c8e6c9"
_FILL = {"input": INPUT, "layer": NODE, "shared": SHARED, "nested": NESTED, "repeat": REPEAT}


@dataclass
class Box:
    """One box of the drawing, as the inspector describes it (never graphviz's own ids)."""
    id: str                 # the SVG element's id: "shared[1]", "encoder[0]/code[0]"
    title: str              # how people name it: "shared [node 1]", "encoder [node 0] / code [node 0]"
    kind: str               # "input", "layer", "shared", "nested" or "repeat"
    node: object = None     # the Node (the first one of a folded repeat; None for a traced call)
    inputs: list = field(default_factory=list)   # shape texts of that call's inputs
    outputs: list = field(default_factory=list)  # ... and of its outputs
    expanded: bool = False  # a nested model drawn as a cluster of its own nodes
    count: int = 1          # how many identical blocks a folded repeat stands for
    members: list = field(default_factory=list)       # titles of the calls a folded repeat hides
    member_nodes: list = field(default_factory=list)  # ... and their nodes
    layer: object = None    # the layer called (the node's, unless traced)
    call_index: int = None  # a traced call: which call of its layer (0, 1, ...)
    call: object = None     # a traced call: its `call_trace.Call` record (arrays in, arrays out)

    def __post_init__(self):
        if self.layer is None and self.node is not None:
            self.layer = self.node.operation


def shape_text(shape):
    """`(None, 32)`; a 1-tuple keeps its comma, `(None,)`."""
    return f"({', '.join(str(d) for d in shape)}{',' if len(shape) == 1 else ''})"


def shapes_text(tensors):
    """One tensor's shape, or `[(None, 4), (None, 8)]` for several."""
    parts = [shape_text(tuple(x.shape)) for x in tensors]
    return parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"


def node_box_id(node, prefix=""):
    """The stable id of a node's box: `prefix` + `layer_name[i]`."""
    return f"{prefix}{node.operation.name}[{node.operation._inbound_nodes.index(node)}]"


def node_title(node):
    """How a node is named to people: `dense [node 1]`."""
    return f"{node.operation.name} [node {node.operation._inbound_nodes.index(node)}]"


def op_call_text(node, limit=52):
    """How the call of a `keras.ops` op reads as code, its tensors named by what made them:
    `ops.multiply(relu, 2)`, `ops.mean(input_layer, axis=-1, keepdims=True)`, `add[:, :4]`.
    None for a layer's call."""
    op = node.operation
    if not hasattr(op, "op_name"):
        return None
    args = [_value_text(a) for a in node.call_args]
    if op.op_name == "get_item" and len(args) == 2:
        key = node.call_args[1]
        text = f"{args[0]}[{', '.join(map(_value_text, key)) if isinstance(key, tuple) else args[1]}]"
    else:
        text = f"ops.{op.op_name}({', '.join(args + [f'{k}={v!r}' for k, v in op.options.items()])})"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _value_text(value):
    history = getattr(value, "_keras_history", None)
    if history is not None:
        return history.operation.name
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if value is Ellipsis:
        return "..."
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_value_text, value)) + "]"
    if hasattr(value, "shape") and getattr(value, "ndim", 0):
        return f"array{shape_text(tuple(value.shape))}"
    return repr(value)


def is_graph_model(layer):
    """Functional and Sequential models have a node graph to draw; subclassed models are one box."""
    return hasattr(layer, "_nodes") and hasattr(layer, "_graph_layers") and bool(layer._nodes)


def label(name, detail, kind_name, rows, fill):
    """An HTML-like graphviz label: the name (bold) and its detail, the class on a row of its own
    (so a bold name's underscore never runs into the class name), then one row per line of text.

    The space after the bold name is a no-break space: browsers drop a plain one at the start of an
    SVG text element, which gave "left[node 0]".
    """
    head = f'<font color="white"><b>{html.escape(name)}</b>{"&#160;" + html.escape(detail) if detail else ""}</font>'
    cells = [f'<tr><td bgcolor="{HEADER}" sides="LTR" cellpadding="4">{head}</td></tr>',
             f'<tr><td bgcolor="{HEADER}" sides="LBR" cellpadding="3">'
             f'<font color="white" point-size="12">{html.escape(kind_name)}</font></td></tr>']
    cells += [f'<tr><td bgcolor="{fill}">{html.escape(row)}</td></tr>' for row in rows]
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">'
            + "".join(cells) + "</table>>")


class _Options:
    def __init__(self, expand_nested, folded, fold_repeats, edge_shapes):
        self.expand_nested = expand_nested
        self.folded = set(folded or ())
        self.fold_repeats = fold_repeats
        self.edge_shapes = edge_shapes


def draw_calls(dot, model, expand_nested=False, folded=(), fold_repeats=False, edge_shapes=False):
    """Draw `model`'s node graph into the graphviz `dot`; return `{box id: Box}` in drawing order.

    `folded`: titles of nested-model calls to draw as one box, and of repeat runs to fold (with
    `fold_repeats`, see `repeat_title`).
    """
    boxes = {}
    _draw_level(dot, model, "", "", _Options(expand_nested, folded, fold_repeats, edge_shapes), boxes)
    return boxes


def repeat_runs(model, prefix=""):
    """`{title: (start, length, count)}` for the runs of identical blocks in `model._nodes`."""
    nodes = model._nodes
    return {repeat_title(nodes, run, prefix): run for run in find_repeats(nodes)}


def repeat_title(nodes, run, prefix=""):
    start, length, count = run
    first, last = nodes[start], nodes[start + length * count - 1]
    return f"{prefix}{first.operation.name} … {last.operation.name} (x{count})"


def _draw_level(graph, model, prefix, title_prefix, options, boxes):
    """Draw one model's nodes; return `{id(node): (entry box ids, exit box ids)}`'s ends for its
    inputs and outputs, so an outer level can wire a cluster in."""
    nodes = model._nodes
    calls = Counter(id(node.operation) for node in nodes)
    ends = {}  # id(node) -> (entry ids, exit ids)
    runs, hidden = _folded_runs(nodes, title_prefix, options)
    for node in nodes:
        if id(node) in runs:
            _draw_repeat(graph, nodes, *runs[id(node)], prefix, title_prefix, boxes, ends)
        if id(node) in hidden:
            continue
        box, title, layer = node_box_id(node, prefix), title_prefix + node_title(node), node.operation
        if options.expand_nested and is_graph_model(layer) and title not in options.folded:
            with graph.subgraph(name=f"cluster_{box}") as cluster:
                cluster.attr(label=f"{node_title(node)} ({type(layer).__name__})", style="dashed", labeljust="l",
                             color="#546e7a", id=box, **{"class": "kb-nested"})
                boxes[box] = _box(box, title, "nested", node, expanded=True)
                ends[id(node)] = _draw_level(cluster, layer, box + "/", title + " / ", options, boxes)
            continue
        kind = ("input" if node.is_input else "nested" if hasattr(layer, "_nodes")
                else "shared" if calls[id(layer)] > 1 else "layer")
        boxes[box] = _box(box, title, kind, node)
        _draw_box(graph, boxes[box], node_title(node))
        ends[id(node)] = ([box], [box])
    _draw_edges(graph, nodes, ends, options)
    _order_calls(graph, model, nodes, ends)
    return _model_ends(model, ends)


def _box(box, title, kind, node, **extra):
    inputs = [shape_text(tuple(x.shape)) for x in node.input_tensors]
    outputs = [shape_text(tuple(x.shape)) for x in node.output_tensors]
    return Box(box, title, kind, node, inputs, outputs, **extra)


def _draw_box(graph, box, short_title):
    node = box.node
    name, _, detail = short_title.partition(" ")
    rows = [] if node.is_input else [f"in: {shapes_text(node.input_tensors)}"]
    rows.append(f"out: {shapes_text(node.output_tensors)}")
    kind_name = op_call_text(node) or type(node.operation).__name__  # an op: what it computes
    graph.node(box.id, label=label(name, detail, kind_name, rows, _FILL[box.kind]),
               id=box.id, **{"class": f"kb-{box.kind}"})


def _folded_runs(nodes, title_prefix, options):
    """`{id(first node): (title, run)}` for the runs of identical blocks to draw folded, and the ids
    of every node they hide."""
    runs, hidden = {}, set()
    if not options.fold_repeats:
        return runs, hidden
    for run in find_repeats(nodes):
        title = repeat_title(nodes, run, title_prefix)
        if title in options.folded:
            start, length, count = run
            runs[id(nodes[start])] = (title, run)
            hidden.update(id(n) for n in nodes[start:start + length * count])
    return runs, hidden


def _draw_repeat(graph, nodes, title, run, prefix, title_prefix, boxes, ends):
    """One box for a folded run of identical blocks, marked with their count ("x8")."""
    start, length, count = run
    members = nodes[start:start + length * count]
    box = f"{prefix}x{count}({node_box_id(members[0])})"  # no colon: graphviz reads "a:b" as a port
    boxes[box] = Box(box, title, "repeat", members[0], count=count,
                     inputs=[shape_text(tuple(x.shape)) for x in members[0].input_tensors],
                     outputs=[shape_text(tuple(x.shape)) for x in members[-1].output_tensors],
                     members=[title_prefix + node_title(n) for n in members], member_nodes=list(members))
    classes = ", ".join(dict.fromkeys(type(n.operation).__name__ for n in members[:length]))
    rows = [f"{length} calls each: {classes}" if len(classes) < 60 else f"{length} calls each",
            f"{members[0].operation.name} … {members[-1].operation.name}",
            f"in: {shapes_text(members[0].input_tensors)}",
            f"out: {shapes_text(members[-1].output_tensors)}"]
    graph.node(box, label=label(f"x{count}", "identical blocks", "folded: click to unfold", rows, REPEAT),
               id=box, **{"class": "kb-repeat"})
    for member in members:
        ends[id(member)] = ([box], [box])


def _draw_edges(graph, nodes, ends, options):
    drawn = set()
    for node in nodes:
        targets = ends[id(node)][0]
        for k, x in enumerate(node.input_tensors):
            history = x._keras_history
            parent = history.operation._inbound_nodes[history.node_index]
            if id(parent) not in ends:
                continue
            sources = ends[id(parent)][1]
            edge = (sources[min(history.tensor_index, len(sources) - 1)], targets[min(k, len(targets) - 1)])
            if edge[0] == edge[1] or edge in drawn:  # inside a folded repeat, or drawn already
                continue
            drawn.add(edge)
            attrs = {"label": shape_text(tuple(x.shape)), "fontsize": "10"} if options.edge_shapes else {}
            graph.edge(*edge, **attrs)


def _order_calls(graph, model, nodes, ends):
    """Calls of one layer at the same depth (and the model's inputs) in one rank, left to right by
    node index (by input order): an invisible arrow between two boxes of one rank puts its tail left."""
    depth = {}
    for node in nodes:
        depth[id(node)] = 1 + max((depth.get(id(p), 0) for p in node.parent_nodes), default=-1)
    rows = defaultdict(list)
    for node in nodes:
        rows[(id(node.operation), depth[id(node)])].append(node)
    input_row = [x._keras_history.operation._inbound_nodes[x._keras_history.node_index] for x in model.inputs]
    for row in [input_row] + [r for r in rows.values() if len(r) > 1]:
        drawn = [ends[id(n)] for n in row if id(n) in ends]
        single = [entry[0][0] for entry in drawn if entry[0] == entry[1] and len(entry[0]) == 1]
        single = list(dict.fromkeys(single))
        if len(single) < 2:
            continue
        with graph.subgraph() as same:
            same.attr(rank="same")
            for a, b in zip(single, single[1:]):
                same.edge(a, b, style="invis")


def _model_ends(model, ends):
    def node_of(x):
        history = x._keras_history
        return history.operation._inbound_nodes[history.node_index], history.tensor_index

    inputs = [ends[id(node_of(x)[0])][0][0] for x in model.inputs]
    outputs = []
    for x in model.outputs:
        node, index = node_of(x)
        exits = ends[id(node)][1]
        outputs.append(exits[min(index, len(exits) - 1)])
    return inputs, outputs


# -- a subclassed model: the calls recorded while it ran once (core/engine/call_trace.py) ---------------

def draw_traced(dot, calls):
    """Draw the sub-layer calls recorded during one call of a subclassed model, in call order.

    `calls[0]` is the model's own call; its direct sub-layer calls (depth 1) become boxes titled
    `name [call j]`. An arrow joins the call that returned an array to each call that received that
    very array; a call fed only by computations outside any layer gets a dashed arrow from the call
    before it (the order is all that is known). Returns `{box id: Box}`.
    """
    boxes, made_by, previous = {}, {}, None
    for k, x in enumerate(calls[0].inputs):
        box = f"input[{k}]"
        boxes[box] = Box(box, f"input {k}", "input", outputs=[shape_text(tuple(x.shape))])
        dot.node(box, label=label(f"input {k}", "", "the array given", boxes[box].outputs, INPUT),
                 id=box, **{"class": "kb-input"})
        made_by[id(x)] = previous = box
    top = [call for call in calls[1:] if call.depth == 1]
    totals, seen = Counter(id(call.layer) for call in top), Counter()
    for call in top:
        index = seen[id(call.layer)]
        seen[id(call.layer)] += 1
        box, layer = f"{call.layer.name}[{index}]", call.layer
        kind = "nested" if hasattr(layer, "_nodes") else "shared" if totals[id(layer)] > 1 else "layer"
        inputs = [shape_text(tuple(x.shape)) for x in call.inputs]
        outputs = [shape_text(tuple(x.shape)) for x in call.outputs]
        boxes[box] = Box(box, f"{layer.name} [call {index}]", kind, inputs=inputs, outputs=outputs,
                         layer=layer, call_index=index, call=call)
        rows = [f"in: {inputs[0] if len(inputs) == 1 else '[' + ', '.join(inputs) + ']'}",
                f"out: {outputs[0] if len(outputs) == 1 else '[' + ', '.join(outputs) + ']'}"]
        dot.node(box, label=label(layer.name, f"[call {index}]", type(layer).__name__, rows, _FILL[kind]),
                 id=box, **{"class": f"kb-{kind}"})
        sources = list(dict.fromkeys(made_by[id(x)] for x in call.inputs if id(x) in made_by))
        for source in sources:
            dot.edge(source, box)
        if not sources and previous is not None:
            dot.edge(previous, box, style="dashed")
        for x in call.outputs:
            made_by[id(x)] = box
        previous = box
    return boxes
