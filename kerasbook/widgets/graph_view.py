"""`GraphView(model)`: the node graph, and what one call of a layer saw and holds.

Pick a node ("dense [node 1]") to read its layer's config, the shapes at that call, and the layer's
weights with a few statistics. The drawing and the list follow the model when it changes.

With `expand_nested=True` the drawing opens each call of a nested model into a box holding that
model's own nodes, and the list follows it: after "encoder [node 0]" come the nodes inside it,
named after the call they are drawn in ("encoder [node 0] / conv [node 0]").
"""

import html
import json

import ipywidgets
import numpy as np

from kerasbook.viz import diagrams
from kerasbook.widgets.observing import ModelWatch, replace_previous


class GraphView(ipywidgets.VBox):
    def __init__(self, model, expand_nested=False, **kwargs):
        self._watch = ModelWatch(model, self.refresh)
        self._expand_nested = expand_nested
        self.graph = ipywidgets.HTML()
        self.selector = ipywidgets.Dropdown(description="node", options=[])
        self.details = ipywidgets.HTML()
        super().__init__([self.graph, self.selector, self.details], **kwargs)
        self.selector.observe(self._show_selected, names="value")
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        return self._watch.model

    def nodes(self):
        """The nodes to pick from, as `(title, node)` pairs in graph order (nested ones included
        when the drawing shows them)."""
        model = self._watch.model
        return [] if model is None else list(_titled_nodes(model, "", self._expand_nested))

    def refresh(self):
        model = self._watch.model
        if model is None:
            self.graph.value = f"<i>{self._watch.gone}</i>"
            self.selector.options = []
            return
        self.graph.value = diagrams.node_graph(model, expand_nested=self._expand_nested).svg()
        previous = self.selector.value
        titles = [title for title, _ in self.nodes()]
        self.selector.options = titles
        self.selector.value = previous if previous in titles else (titles[-1] if titles else None)
        self._show_selected()

    def select(self, title):
        self.selector.value = title

    def _show_selected(self, change=None):
        title = self.selector.value
        chosen = dict(self.nodes()).get(title)
        self.details.value = "" if chosen is None else node_details_html(chosen, title)

    def close(self):
        if getattr(self, "_watch", None) is not None:
            self._watch.close()
        for child in (self.graph, self.selector, self.details):
            child.close()
        super().close()

    def __repr__(self):
        return f'<GraphView of model "{self._watch.name}">'


def _titled_nodes(model, prefix, expand_nested):
    """`(title, node)` for each node of `model`, each nested model's nodes after its call."""
    for node in getattr(model, "_nodes", []):
        title = prefix + diagrams.node_title(node)
        yield title, node
        if expand_nested and getattr(node.operation, "_nodes", None):  # a functional model inside
            yield from _titled_nodes(node.operation, title + " / ", expand_nested)


def node_details_html(node, title=None):
    """One call of a layer: its config, the shapes at that call, and the layer's weights.

    `title` names the node as the list does (a nested node with the call it is inside).
    """
    layer = node.operation
    try:
        config = json.dumps(layer.get_config(), indent=1, default=str)
    except Exception as error:  # a custom layer without get_config
        config = f"(no config: {error})"
    shapes = [("inputs", [x.shape for x in node.input_tensors]),
              ("outputs", [x.shape for x in node.output_tensors])]
    shape_rows = "".join(f"<tr><td>{k}</td><td>{html.escape(', '.join(map(diagrams.shape_text, v)) or '-')}"
                         f"</td></tr>" for k, v in shapes)
    weight_rows = "".join(_weight_row(v) for v in layer.weights) if layer.built else ""
    weights = (f"<table><tr><th>weight</th><th>shape</th><th>mean</th><th>std</th><th>min</th>"
               f"<th>max</th></tr>{weight_rows}</table>" if weight_rows else "<p>no weights</p>")
    return (f"<div class='kerasbook-node'><b>{html.escape(title or diagrams.node_title(node))}</b> "
            f"({html.escape(type(layer).__name__)})<table>{shape_rows}</table>{weights}"
            f"<details><summary>config</summary><pre>{html.escape(config)}</pre></details></div>")


def _weight_row(variable):
    values = np.asarray(variable.numpy(), dtype="float64")
    stats = [values.mean(), values.std(), values.min(), values.max()] if values.size else [0] * 4
    cells = "".join(f"<td>{s:.4g}</td>" for s in stats)
    return f"<tr><td>{html.escape(variable.path)}</td><td>{diagrams.shape_text(variable.shape)}</td>{cells}</tr>"
