"""Model diagrams with graphviz: one box per layer (`plot_model`) or one box per call (`node_graph`).

`plot_model` draws what Keras draws: each layer once, arrows where one layer's output feeds another.
That hides sharing: a layer called twice is one box. `node_graph` draws the *node graph* itself, one
box per call (`Node`), labelled `name [node i]` with that call's shapes, its arrows read off the
`_keras_history` of each input tensor, exactly the links the engine follows to run a model.

Box ids are built from layer names and node indices (never `id()`), so the same model always gives
the same DOT source and the same SVG, which tests and notebooks can compare.
"""

import html
import os


from kerasbook.viz import call_graph

# Colours: box headers, inputs, plain layers, layers called more than once (shared).
_HEADER = call_graph.HEADER
_INPUT = call_graph.INPUT
_NODE = call_graph.NODE
_SHARED = call_graph.SHARED


class Diagram:
    """A graphviz drawing that shows itself as SVG in Jupyter (`_repr_svg_`).

    `.dot` is the `graphviz.Digraph`, `.source` its DOT text, `.svg()` the rendered SVG (cached).
    """

    def __init__(self, dot, title):
        self.dot = dot
        self.title = title
        self.boxes = {}  # node_graph: {SVG id of a box: call_graph.Box}
        self._svg = None

    @property
    def source(self):
        return self.dot.source

    def svg(self):
        if self._svg is None:
            dot = self.dot.copy()
            dot.graph_attr.pop("dpi", None)  # dpi scales SVG sizes; it is meant for PNG output
            self._svg = dot.pipe(format="svg", encoding="utf-8")
        return self._svg

    def _repr_svg_(self):
        return self.svg()

    def save(self, path):
        """Write PNG, SVG or PDF, chosen by the file's extension."""
        return _write(self.dot, path)

    def __repr__(self):
        boxes = sum(1 for line in self.dot.body if "[label=" in line)
        return f"<Diagram {self.title}: {boxes} boxes>"


def _graphviz():
    try:
        import graphviz
    except ImportError as error:  # pragma: no cover - a dependency of kerasbook
        raise ImportError("Drawing models needs the `graphviz` Python package "
                          "(pip install graphviz) and its `dot` program (apt-get install graphviz).") from error
    return graphviz


_is_graph_model = call_graph.is_graph_model


def _require_built(model):
    from kerasbook.core.models.sequential import Sequential
    if isinstance(model, Sequential) and not model.built:
        raise ValueError(f'Sequential model "{model.name}" has not been built yet, so its layers are '
                         "not connected: start it with keras.Input(shape=...) or call build() first.")


shape_text = call_graph.shape_text
_shapes_text = call_graph.shapes_text
node_box_id = call_graph.node_box_id
node_title = call_graph.node_title


def _label(title, rows, header_colour=_HEADER, body_colour="white"):
    """An HTML-like graphviz label: a dark title row, then one row per line of detail."""
    cells = [f'<tr><td bgcolor="{header_colour}"><font color="white">{title}</font></td></tr>']
    cells += [f'<tr><td bgcolor="{body_colour}">{html.escape(row)}</td></tr>' for row in rows]
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">'
            + "".join(cells) + "</table>>")


# -- plot_model: one box per layer -----------------------------------------------------------------

def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """The model's layers as a `graphviz.Digraph` (Keras returns a `pydot.Dot`; same drawing).

    Arguments and defaults are Keras's. `subgraph=True` gives a dashed cluster named after the model,
    ready to be put inside another graph (`graph.subgraph(...)`), as Keras's `pydot.Cluster`.
    """
    _check_kwargs(kwargs)
    _require_built(model)
    graphviz = _graphviz()
    node_attr = {"shape": "plaintext", "fontname": "Helvetica"}
    if subgraph:
        dot = graphviz.Digraph(name=f"cluster_{model.name}", node_attr=node_attr,
                               graph_attr={"label": model.name, "labeljust": "l", "style": "dashed"})
    else:
        dot = graphviz.Digraph(name=model.name, node_attr=node_attr, graph_attr={
            "rankdir": rankdir, "dpi": str(dpi), "concentrate": "true", "splines": splines})
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                   expand_nested=expand_nested)
    _draw_layers(dot, model, "", options)
    return dot


def plot_model(model, to_file=None, show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", **kwargs):
    """Draw the model's layers, with Keras's arguments and defaults (so no layer names unless asked).

    With `to_file` (.png/.svg/.pdf/.jpg) write it and return an IPython image of it (None for PDF, as
    Keras). Without, return a `Diagram` that shows inline as SVG: Keras would write `model.png`.
    """
    _check_kwargs(kwargs)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
                       dpi=dpi, show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    if to_file is None:
        return Diagram(dot, model.name)
    return _write(dot, to_file)


def _check_kwargs(kwargs):
    """Keras's errors for arguments it does not know (and for `layer_range`, which it dropped)."""
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _write(dot, to_file):
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension not in ("png", "svg", "pdf", "jpg", "jpeg"):
        raise ValueError(f"plot_model writes .png, .svg, .pdf or .jpg files; received {to_file!r}.")
    if extension == "svg":
        dot = dot.copy()
        dot.graph_attr.pop("dpi", None)
    data = dot.pipe(format="jpg" if extension == "jpeg" else extension)
    with open(to_file, "wb") as f:
        f.write(data)
    from IPython import display
    if extension == "svg":
        return display.SVG(filename=to_file)
    if extension == "pdf":
        return None
    return display.Image(filename=to_file)


def _layer_box(layer, options):
    name = html.escape(layer.name)
    kind = html.escape(type(layer).__name__)
    title = f"<b>{name}</b>&#160;({kind})" if options["show_layer_names"] else f"<b>{kind}</b>"
    rows = []
    nodes = layer._inbound_nodes
    if options["show_shapes"]:
        if nodes and nodes[0].input_tensors:
            rows.append(f"Input shape: {_shapes_text(nodes[0].input_tensors)}")
        rows.append(f"Output shape: {_shapes_text(nodes[0].output_tensors)}"
                    if nodes else "Output shape: ?")
    if options["show_dtype"]:
        dtypes = [x.dtype for x in nodes[0].output_tensors] if nodes else [layer.dtype]
        rows.append(f"Output dtype: {dtypes[0] if len(dtypes) == 1 else dtypes}")
    if options["show_layer_activations"] and getattr(layer, "activation", None) is not None:
        activation = layer.activation
        rows.append(f"Activation: {getattr(activation, '__name__', str(activation))}")
    if options["show_trainable"] and layer.weights:  # as Keras: only layers that have weights
        rows.append("Trainable" if layer.trainable else "Non-trainable")
    return _label(title, rows)


def _draw_layers(graph, model, prefix, options):
    """Draw `model`'s layers into `graph`; return the box ids its inputs enter and its outputs leave."""
    from kerasbook.core.layers.input_layer import InputLayer
    from kerasbook.core.models.sequential import Sequential
    if not _is_graph_model(model):  # a subclassed model or a plain layer: one box
        box = prefix + model.name
        graph.node(box, label=_layer_box(model, options))
        return [box], [box]
    skip_inputs = isinstance(model, Sequential)  # Keras lists a Sequential model without its Input
    node_ids = {id(n) for n in model._nodes}
    boxes = {}  # id(layer) -> (entry ids, exit ids)
    for layer in model._graph_layers:
        if skip_inputs and isinstance(layer, InputLayer):
            continue
        if options["expand_nested"] and _is_graph_model(layer):
            with graph.subgraph(name=f"cluster_{prefix}{layer.name}") as cluster:
                cluster.attr(label=f"{layer.name} ({type(layer).__name__})", style="dashed")
                boxes[id(layer)] = _draw_layers(cluster, layer, f"{prefix}{layer.name}/", options)
        else:
            box = prefix + layer.name
            graph.node(box, label=_layer_box(layer, options))
            boxes[id(layer)] = ([box], [box])
    drawn = set()
    entries = {}
    for node in model._nodes:
        if id(node) not in node_ids or node.is_input or id(node.operation) not in boxes:
            continue
        targets = boxes[id(node.operation)][0]
        for k, x in enumerate(node.input_tensors):
            history = x._keras_history
            target = targets[min(k, len(targets) - 1)]
            if id(history.operation) not in boxes:  # the skipped Input of a Sequential model
                entries.setdefault(id(x), target)
                continue
            sources = boxes[id(history.operation)][1]
            edge = (sources[min(history.tensor_index, len(sources) - 1)], target)
            if edge not in drawn:
                drawn.add(edge)
                graph.edge(*edge)
    inputs = [boxes[id(x._keras_history.operation)][0][0] if id(x._keras_history.operation) in boxes
              else entries.get(id(x)) for x in model.inputs]
    outputs = []
    for x in model.outputs:
        history = x._keras_history
        exits = boxes.get(id(history.operation), ([], inputs))[1]
        outputs.append(exits[min(history.tensor_index, len(exits) - 1)])
    return [i for i in inputs if i is not None] or outputs[:1], outputs


# -- node_graph: one box per call (laid out in call_graph.py) -------------------------------------

def node_graph(model, expand_nested=False, rankdir="TB", folded=(), fold_repeats=False,
               edge_shapes=False):
    """The node graph: one box per call of a layer, `name [node i]` with that call's shapes.

    A shared layer gets one (orange) box per call, left to right by node index. With `expand_nested`,
    a nested model's call is drawn as a cluster holding the nested model's own nodes (unless its title
    is in `folded`); with `fold_repeats`, the runs of identical blocks whose titles are in `folded`
    are one box each. `edge_shapes` writes each arrow's tensor shape on it. Returns a `Diagram` (SVG
    in Jupyter) whose `.boxes` describes every box by its SVG id.
    """
    _require_built(model)
    graphviz = _graphviz()
    dot = graphviz.Digraph(name=f"{model.name}_nodes", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                           node_attr={"shape": "plaintext", "fontname": "Helvetica"},
                           edge_attr={"fontname": "Helvetica"})
    if _is_graph_model(model):
        boxes = call_graph.draw_calls(dot, model, expand_nested, folded, fold_repeats, edge_shapes)
    else:
        dot.node(model.name, label=_label(f"<b>{html.escape(model.name)}</b>",
                                          [f"{type(model).__name__}: subclassed, no node graph"]))
        boxes = {}
    diagram = Diagram(dot, f"{model.name} (nodes)")
    diagram.boxes = boxes
    return diagram
