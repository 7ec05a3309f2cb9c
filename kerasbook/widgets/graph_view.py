"""`GraphView(model, x=None)`: the inspector. Click a call of a layer in the graph, read what it did.

The kernel lays the node graph out with graphviz (`viz/call_graph.py`: one box per call, stable SVG
ids) and sends the SVG with a description of every box; the front-end (`static/graph_view.js`) makes
the boxes clickable, pans, zooms and fits the drawing, and shows the side panel the kernel fills for
the selected call: its shapes, parameters, weights (histograms), config and, given a sample `x`, its
activation, computed for all calls at once by one feature-extraction model (`features.py`).

Folding a nested model or a run of identical blocks, or writing shapes on the arrows, lays the
graph out again in the kernel: graphviz does the layout, the browser never guesses one.
"""

import html

import numpy as np
import traitlets

from kerasbook.core.models.model import Model
from kerasbook.viz import activations, diagrams, pictures
from kerasbook.viz.call_graph import repeat_runs
from kerasbook.widgets import following, graph_panel, raster_views
from kerasbook.widgets.base import Widget, png_img, static_text
from kerasbook.widgets.features import Features, check_batch
from kerasbook.widgets.observing import ModelWatch, replace_previous


# The panel is 300 px wide: 3 x 3 channels of a feature map (the ActivationExplorer shows them all);
# 9 tiles of a 147 x 147 map draw in about 40 ms, 16 in 80.
PANEL_TILES = 9
PANEL_TILE = 72  # px: a feature-map tile's side in the panel (3 a row)
PANEL_WIDTH = 300  # px, as graph_view.css sets .kb-panel: charts are drawn this wide, not scaled down
MAX_BARS = 1024  # a vector of up to this many units is sent as numbers and drawn as SVG bars


def bar_chart(values):
    """What the front-end needs to draw a `(units,)` activation as SVG bars, sharp at any zoom and in
    the notebook's colours: the values (4 significant digits), the value axis's range with round
    ticks (0 always inside), and the unit numbers to label."""
    shown = [float(f"{v:.4g}") for v in np.asarray(values, "float32").reshape(-1)]
    low, high, ticks = activations.bar_axis(shown)
    return {"values": shown, "low": low, "high": high,
            "ticks": [[float(t), activations.tick_text(t)] for t in ticks],
            "units": [[i, text] for i, text in pictures.unit_ticks(len(shown))]}


class GraphView(Widget):
    """The node graph of a model, one box per call of a layer, that you click to inspect.

    Click a box (or call `select`) to see, for THAT call: the layer's name and class, the node index,
    the input and output shapes of the call, the parameter count, each weight's shape with a histogram
    of its values, the config as a table and, when a sample `x` is given, the activation of the call.
    Drag to pan, Ctrl+wheel (or the +/- buttons) to zoom, "fit" to see the whole width again. Nested
    models are clusters you can fold into one box; runs of identical blocks (Xception's middle flow)
    start folded into one box marked "x8". The view follows the model as it changes, and with
    `follow("cnn")` (what `%graph cnn` does) the model a notebook variable holds after each cell.

    Example::

        view = keras.widgets.GraphView(siamese, x)   # x: a batch the model accepts, e.g. x[:1]
        view                                         # shows the inspector
        view.select("shared", node_index=1)          # the second call of the shared layer
        view.selected                                # 'shared [node 1]'

    Args:
        model: a functional or Sequential model; a subclassed model needs `x`, since only a call
            shows which sub-layers it uses (its boxes are titled `name [call j]`).
        x: optional input batch, to show each call's activation for its first example.
        expand_nested: draw nested models as clusters of their own calls (default) or as one box.

    `selected` is the title of the selected box: `"shared [node 1]"`, a call inside a nested model
    `"encoder [node 0] / code [node 0]"`, a traced call `"dense [call 0]"`. Setting it selects.
    """

    _esm = static_text("rasters.js", "graph_view.js")
    _css = static_text("theme.css", "rasters.css", "graph_view.css")

    svg = traitlets.Unicode("", help="The graph as graphviz laid it out.").tag(sync=True)
    boxes = traitlets.Dict(help="SVG id -> what the box stands for (title, class, shapes, ...).").tag(sync=True)
    selected = traitlets.Unicode("", help="The title of the selected box, e.g. 'shared [node 1]'.").tag(sync=True)
    panel = traitlets.Dict(help="The side panel's content for the selected call.").tag(sync=True)
    activation = traitlets.Bytes(b"", help="PNG of the selected call's activation, for shapes the front-end "
                                 "does not draw itself (over 1,024 units, 4-D and more).").tag(sync=True)
    levels = traitlets.Bytes(b"", help="The pixels of panel['raster'], one byte each (raster_views).").tag(sync=True)
    colours = traitlets.Bytes(activations.colour_table("viridis").tobytes(),
                              help="The colormap's 256 RGB colours the levels are drawn in.").tag(sync=True)
    folded = traitlets.List(traitlets.Unicode(), help="Titles of nested calls and repeats drawn folded.").tag(sync=True)
    edge_shapes = traitlets.Bool(False, help="Write each tensor's shape on its arrow.").tag(sync=True)
    note = traitlets.Unicode("", help="What the view cannot show, and why.").tag(sync=True)

    def __init__(self, model, x=None, expand_nested=True, **kwargs):
        # Refuse bad input before the widget exists (no front-end model is opened for nothing).
        x = None if x is None else _checked_sample(model, x)
        traced = not _has_graph(model) and not _is_unbuilt_sequential(model)
        if traced and x is None:
            raise ValueError(
                f'GraphView: model "{model.name}" ({type(model).__name__}) is subclassed, so it has no '
                "graph of layer calls until it runs: give a sample input, GraphView(model, x), and "
                "the view records the sub-layer calls of one call of the model.")
        super().__init__(**kwargs)
        self._expand_nested = expand_nested
        self._x = x
        self._features = Features()
        self._activations = None  # id(node) -> NumPy array of that call's output
        self._diagram = None
        self._traced = _trace(model, x) if traced else None  # a subclassed model's recorded calls
        self.layouts = 0  # how many times graphviz laid the graph out (tests read it)
        self._watch = ModelWatch(model, self.refresh)
        self.followed_name = None  # a notebook variable to follow (follow(), %graph cnn)
        self.folded = list(repeat_runs(model)) if _has_graph(model) else []
        self.observe(self._layout_changed, names=["folded", "edge_shapes"])
        self.observe(self._selection_changed, names="selected")
        replace_previous(self)
        self.refresh()

    # -- reading it -----------------------------------------------------------------------------

    @property
    def model(self):
        """The model shown, or None once it has been deleted."""
        return self._watch.model

    def titles(self):
        """The titles of the boxes drawn, in drawing order."""
        self._watch.sync()
        return [box.title for box in self._box_objects().values()]

    def select(self, name, node_index=0):
        """Select a call: `select("shared", 1)` (a layer's name and node index), or a box's title
        (`select("encoder [node 0] / code [node 0]")`). A call inside a folded box unfolds it.
        Returns the view, so that a cell ending with it shows it."""
        self._watch.sync()
        title = self._find(name, node_index)
        if title is None and self._unfold_to(name, node_index):
            title = self._find(name, node_index)
        if title is None:
            raise ValueError(self._not_found(name, node_index))
        self.selected = title
        return self

    def details(self):
        """The side panel's data for the selected call (a dict), as the model is now."""
        self._watch.sync()
        return self.panel

    # -- drawing ------------------------------------------------------------------------------

    def refresh(self):
        """Lay the graph out again and refill the panel (the model changed)."""
        self._activations = None
        model = self._watch.model
        if model is None:
            self._clear(self._watch.gone)
        elif self._traced is not None:
            self._traced = _trace(model, self._x)  # new weights: new activations
            self._layout(model)
        elif _is_unbuilt_sequential(model):
            self._clear(f'Sequential model "{model.name}" has no graph yet: its layers are not connected '
                        "until it knows its input shape. Start it with keras.Input(shape=...), call "
                        "model.build((None, ...)), or call it on data; this view then draws it.")
        else:
            self._layout(model)

    def _clear(self, note):
        self._diagram, self.svg, self.boxes, self.panel, self.activation, self.levels = None, "", {}, {}, b"", b""
        self.note = note

    def _layout(self, model):
        graphviz_model = self._traced is None
        if graphviz_model:
            self._diagram = diagrams.node_graph(model, expand_nested=self._expand_nested,
                                                folded=self.folded, fold_repeats=True,
                                                edge_shapes=self.edge_shapes)
        else:
            self._diagram = _traced_diagram(model, self._traced)
        self.layouts += 1
        boxes = self._diagram.boxes
        self.note = ""
        self.boxes = {box_id: _box_json(box) for box_id, box in boxes.items()}
        self.svg = self._diagram.svg()
        titles = [box.title for box in boxes.values()]
        if self.selected in titles:
            self._fill_panel()
        else:
            self.selected = _default_selection(boxes.values())  # fills the panel through the observer

    def _layout_changed(self, change):
        model = self._watch.model
        if model is not None and self._diagram is not None:
            self._layout(model)

    def _selection_changed(self, change):
        self._fill_panel()

    def _box_objects(self):
        return {} if self._diagram is None else self._diagram.boxes

    def _selected_box(self):
        for box in self._box_objects().values():
            if box.title == self.selected:
                return box
        return None

    def _fill_panel(self):
        with self.hold_sync():  # the panel, its picture or its raster's levels reach the front-end together
            self.panel, self.activation, self.levels = self._panel_contents()

    def _panel_contents(self):
        """(panel, PNG, levels) for the selected box. The front-end draws a vector as SVG bars
        (`panel["bars"]`) and feature maps, a sequence or attention scores from levels
        (`panel["raster"]`, rasters.js), in the notebook's colours and sharp at any zoom. Only other
        shapes (over MAX_BARS units, 4-D and more) travel as a PNG; the fallback without a front-end
        draws its own (`activation_png`)."""
        box = self._selected_box()
        if box is None:
            return {}, b"", b""
        panel = graph_panel.call_panel(box)
        panel["foldable"] = box.kind == "repeat" or (box.kind == "nested" and _has_graph(box.layer)
                                                      and self._expand_nested)
        panel["folded"] = box.title in self.folded
        array = self._activation_of(box)
        if array is None:
            panel["activation"] = ("Give a sample, GraphView(model, x), to see what this call computed."
                                   if self._x is None else "No activation for this box (it is not one call "
                                   "of the model drawn: a nested call's inside, an input, or a folded run).")
            return panel, b"", b""
        shown = (f", channels 0-{PANEL_TILES - 1} of {array.shape[-1]}"
                 if array.ndim == 3 and array.shape[-1] > PANEL_TILES else "")
        panel["activation"] = (f"activation of example 0: shape {diagrams.shape_text(array.shape)}"
                               f"{shown}; min {array.min():.4g}, max {array.max():.4g}, "
                               f"mean {array.mean():.4g}")
        scores = self._scores_of(box)
        if scores is not None:  # an attention call: its scores say more than its output
            view, levels = raster_views.attention_view(scores)
            panel["activation"] += (f"; attention scores of head 0 of {view['heads']} ({view['rows']} queries "
                                    f"x {view['columns']} keys), shown")
            panel["raster"] = dict(view, kind="attention")
            return panel, b"", levels
        kind = activations.kind_of(array.shape)
        if kind == "units" and 0 < array.size <= MAX_BARS:
            panel["bars"] = bar_chart(array)
            return panel, b"", b""
        if kind in ("maps", "sequence"):
            view, levels = (raster_views.sequence_view(array) if kind == "sequence" else
                            raster_views.maps_view(array, per_page=PANEL_TILES, tile_size=PANEL_TILE,
                                                   max_side=2 * PANEL_TILE))
            panel["raster"] = dict(view, kind=kind)
            return panel, b"", levels
        return panel, self._picture(array, None), b""

    def activation_png(self):
        """The selected call's activation as PNG bytes, as the fallback shows it (b"" when none)."""
        box = self._selected_box()
        array = None if box is None else self._activation_of(box)
        return b"" if array is None else self._picture(array, self._scores_of(box))

    def _picture(self, array, scores):
        if scores is not None:
            return pictures.png(pictures.attention(activations.attention_page(scores), width=200))
        return activations.activation_image(array, quick=True, batched=False, max_tiles=PANEL_TILES,
                                            tile_size=PANEL_TILE, chart_width=PANEL_WIDTH)

    def _scores_of(self, box):
        """An attention call's scores for the first example, `(heads, Tq, Tv)`; else None."""
        scores = self._features.scores.get(box.node) if self._traced is None else None
        return None if scores is None else scores[0]

    def _activation_of(self, box):
        """The selected call's output for the first example of `x` (None without `x`)."""
        if self._x is None or box.kind == "input" or box.kind == "repeat":
            return None
        if self._traced is not None:
            outputs = box.call.outputs if box.call is not None else []
            return np.asarray(outputs[0])[0] if outputs and np.ndim(outputs[0]) > 0 else None
        if box.node is None or "/" in box.id:  # inside a nested model: not a feature-model output
            return None
        if self._activations is None:
            model = self._watch.model
            self._activations = {id(n): a for n, a in self._features.compute(model, self._x, "GraphView").items()}
        array = self._activations.get(id(box.node))
        return None if array is None else (array[0] if array.ndim > 0 else array)

    # -- folding ------------------------------------------------------------------------------

    def toggle_fold(self, title):
        """Fold a nested model's cluster (or a run of identical blocks) into one box, or unfold it."""
        self.folded = ([t for t in self.folded if t != title] if title in self.folded
                       else self.folded + [title])

    def _unfold_to(self, name, node_index):
        """Unfold the folded boxes that hide the call; True if one did."""
        hiding = [box.title for box in self._box_objects().values()
                  if box.title in self.folded and _hides(box, name, node_index)]
        if hiding:
            self.folded = [t for t in self.folded if t not in hiding]
        return bool(hiding)

    def on_front_end_message(self, content, buffers):
        if content.get("kind") == "fold":
            self.toggle_fold(content["title"])

    def _find(self, name, node_index):
        """The title of the drawn box for that call (or titled `name`), else None."""
        for box in self._box_objects().values():
            if box.title == name or (box.kind != "repeat"
                                     and _matches(box.layer, _call_index(box), name, node_index)):
                return box.title
        return None

    def _not_found(self, name, node_index):
        model = self._watch.model
        layers = ([b.layer for b in self._box_objects().values() if b.layer is not None] if self._traced
                  else [] if model is None else [l for l in model._flatten_layers() if l is not model])
        names = list(dict.fromkeys(layer.name for layer in layers))
        same = [layer for layer in layers if layer.name == name]
        if same:
            calls = len(same) if self._traced else len(same[0]._inbound_nodes)
            return (f"GraphView: layer {name!r} was called {calls} time(s), so node_index is 0 to "
                    f"{calls - 1}, not {node_index}.")
        return f"GraphView: no layer named {name!r}; the layers are {names}."

    # -- where no widget runs -----------------------------------------------------------------

    def fallback_html(self):
        self._watch.sync()
        if self._diagram is None:
            return f"<p class='kerasbook'><i>{html.escape(self.note)}</i></p>"
        box = self._selected_box()
        svg = self._diagram.svg() if box is None else _highlighted(self._diagram.svg(), box.id)
        picture = _svg_img(svg, f"node graph of {self._watch.name}")
        png = self.activation_png()
        image = png_img(png, "activation", width=240) if png else ""
        panel = graph_panel.panel_html(self.panel, image) if self.panel else ""
        return (f"<div class='kerasbook'><div style='max-width:100%;overflow:auto'>{picture}</div>"
                f"{panel}</div>")

    def fallback_text(self):
        self._watch.sync()
        if self._diagram is None:
            return f'GraphView of model "{self._watch.name}": {self.note}'
        calls = sum(len(b.members) or 1 for b in self._diagram.boxes.values()
                    if b.kind != "input" and not b.expanded)
        plural = "s" if calls != 1 else ""
        return f'GraphView of model "{self._watch.name}": {calls} call{plural}, selected {self.selected}'

    # -- following a name -------------------------------------------------------------------------

    def follow(self, name, namespace=None):
        """Follow a notebook variable: after each cell, show whatever model `name` holds now (a
        student who re-runs the cell that builds `cnn` sees the new model). `%graph cnn` does this.
        Returns the view."""
        self._namespace = following.user_namespace() if namespace is None else namespace
        self.followed_name = name
        following.after_each_cell(self._check_name)
        return self

    def _check_name(self):
        if self._watch.closed or self.followed_name is None:
            return
        model = (self._namespace or {}).get(self.followed_name)
        if isinstance(model, Model) and model is not self._watch.model:
            self._switch_to(model)

    def _switch_to(self, model):
        """Show `model` instead (the sample stays if it fits the new model's input)."""
        try:
            x = None if self._x is None else _checked_sample(model, self._x)
        except ValueError:
            x = None
        traced = not _has_graph(model) and not _is_unbuilt_sequential(model)
        if traced and x is None:
            self.note = (f"{self.followed_name} now holds the subclassed model \"{model.name}\"; give "
                         "GraphView a sample to draw it. Showing the model it held before.")
            return
        self._watch.close()
        self._features.forget()
        self._x, self._features, self._activations, self._diagram = x, Features(), None, None
        self._traced = _trace(model, x) if traced else None
        self._watch = ModelWatch(model, self.refresh)
        with self.hold_trait_notifications():
            self.folded = list(repeat_runs(model)) if _has_graph(model) else []
        self.refresh()

    def close(self):
        if getattr(self, "_watch", None) is None:  # __init__ refused its input: nothing to close
            return
        self._watch.close()
        self._features.forget()  # the feature model holds the model's layers
        super().close()

    def __repr__(self):
        return f'<GraphView of model "{self._watch.name}">'


# -- helpers ------------------------------------------------------------------------------------

def _has_graph(model):
    return bool(getattr(model, "_nodes", None)) and hasattr(model, "_graph_layers")


def _is_unbuilt_sequential(model):
    from kerasbook.core.models.sequential import Sequential
    return isinstance(model, Sequential) and not _has_graph(model)


def _default_selection(boxes):
    """The first call that has weights (what a student wants to look at), else the first call."""
    boxes = [b for b in boxes if b.kind != "input" and not b.expanded]
    for box in boxes:
        if box.kind != "repeat" and getattr(box.layer, "built", False) and box.layer.weights:
            return box.title
    return boxes[0].title if boxes else ""


def _call_index(box):
    if box.call_index is not None:
        return box.call_index
    return None if box.node is None else box.layer._inbound_nodes.index(box.node)


def _matches(layer, index, name, node_index):
    return layer is not None and layer.name == name and index == node_index


def _hides(box, name, node_index):
    """Whether a folded box hides the call `name` [node `node_index`] (or the box titled `name`)."""
    if box.kind == "nested":
        return _inside(box.layer, name)
    return any(name == title or _matches(node.operation, node.operation._inbound_nodes.index(node),
                                         name, node_index)
               for node, title in zip(box.member_nodes, box.members))


def _inside(model, name):
    """Whether a layer called `name` is inside `model` (a folded nested model)."""
    return any(layer.name == name for layer in model._flatten_layers() if layer is not model)


def _box_json(box):
    layer = box.layer
    return {"title": box.title, "name": getattr(layer, "name", box.title),
            "class": "input" if layer is None else type(layer).__name__, "kind": box.kind,
            "inputs": box.inputs, "outputs": box.outputs, "count": box.count, "expanded": box.expanded,
            "params": graph_panel.parameters(box)}


def _highlighted(svg, box_id):
    """The SVG with the box `box_id` outlined in blue, as the front-end marks the selection."""
    start = svg.find(f'<g id="{html.escape(box_id)}" class="node')
    if start < 0:
        return svg
    end = svg.find("</g>", start)
    group = svg[start:end].replace('stroke="black"', 'stroke="#1976d2" stroke-width="3"')
    return svg[:start] + group + svg[end:]


def _svg_img(svg, alt):
    """The SVG as an `<img>` with a data URL: Jupyter's sanitizer drops inline `<svg>` in untrusted
    notebooks but keeps images."""
    import base64
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{html.escape(alt)}">'


def _checked_sample(model, x):
    """`x` as NumPy arrays, checked against the model's inputs (features.check_batch: a missing
    batch axis is named). A subclassed model has no inputs to check against before it runs."""
    if getattr(model, "inputs", None):
        check_batch(model, x, "GraphView")
    return [np.asarray(a) for a in x] if isinstance(x, (list, tuple)) else np.asarray(x)


def _trace(model, x):
    """Run a subclassed model once on `x`, eagerly, recording its sub-layer calls."""
    from kerasbook.core.engine import call_context, call_trace
    if not model.built:
        model(x)  # building traces the call abstractly: those calls are not the ones to draw
    with call_trace.recording() as calls, call_context.enter(False):
        model(x)
    return calls


def _traced_diagram(model, calls):
    graphviz = diagrams._graphviz()
    dot = graphviz.Digraph(name=f"{model.name}_calls", graph_attr={"rankdir": "TB"},
                           node_attr={"shape": "plaintext", "fontname": "Helvetica"})
    from kerasbook.viz.call_graph import draw_traced
    diagram = diagrams.Diagram(dot, f"{model.name} (traced calls)")
    diagram.boxes = draw_traced(dot, calls)
    return diagram
