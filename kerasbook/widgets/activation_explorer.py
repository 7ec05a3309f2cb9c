"""`ActivationExplorer(model, x)`: what every layer computed for the input `x`.

All activations come from ONE feature-extraction model, `Model(model.inputs, [every call's
outputs])`, run once (compiled by its `jit_call`); the results are kept as NumPy arrays. Picking
another layer or moving the channel slider only draws: it never runs the model again. When the model
changes, the activations are computed again, once: new weights reuse the compiled feature model (its
program takes the weights as arguments); only a new graph (a layer added or popped) builds a new one.
"""

import html

import ipywidgets
import numpy as np

from kerasbook.viz import activations, diagrams
from kerasbook.widgets.features import Features
from kerasbook.widgets.observing import ModelWatch, replace_previous


class ActivationExplorer(ipywidgets.VBox):
    def __init__(self, model, x, sample=0, tiles=16, **kwargs):
        if not getattr(model, "_nodes", None):
            raise ValueError(f'ActivationExplorer needs a functional or Sequential model with a node '
                             f'graph; model "{model.name}" ({type(model).__name__}) has none (build it '
                             "first, or wrap a subclassed model in a functional one).")
        self._watch = ModelWatch(model, self.refresh)
        self._x = x
        self._sample = sample
        self._tiles = tiles
        self._activations = None  # title -> NumPy array of that call's (first) output
        self._features = Features()
        self.extractions = 0  # how many times the feature model ran (tests read it)
        self.layer = ipywidgets.Dropdown(description="layer", options=[])
        self.channel = ipywidgets.IntSlider(description="channel", min=0, max=0, continuous_update=True)
        self.caption = ipywidgets.HTML()
        # Keep the picture at its own size: a VBox would stretch it to the full width.
        self.image = ipywidgets.Image(format="png", layout=ipywidgets.Layout(align_self="flex-start"))
        super().__init__([ipywidgets.HBox([self.layer, self.channel]), self.caption, self.image],
                         **kwargs)
        self.layer.observe(self._layer_changed, names="value")
        self.channel.observe(self._draw, names="value")
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        return self._watch.model

    @property
    def features(self):
        """The feature-extraction model (one output per call), or None before the first run."""
        return self._features.model

    def refresh(self):
        """Compute every activation again (the model changed) and redraw."""
        self._activations = None
        model = self._watch.model
        if model is None:
            self.caption.value = f"<i>{self._watch.gone}</i>"
            return
        titles = list(self._compute(model))
        previous = self.layer.value
        self.layer.options = titles
        value = previous if previous in titles else (titles[0] if titles else None)
        if self.layer.value != value:
            self.layer.value = value  # redraws through _layer_changed
        else:
            self._layer_changed()

    def _compute(self, model):
        activations = self._features.compute(model, self._x)
        self.extractions = self._features.runs
        self._activations = {diagrams.node_title(n): a for n, a in activations.items()}
        return self._activations

    def activation(self, title=None):
        """The activation of the chosen call (or of `title`, e.g. "conv [node 0]"), one example."""
        array = self._activations[title or self.layer.value]
        return array[self._sample] if array.ndim > 1 else array

    def _layer_changed(self, change=None):
        if not self._activations or self.layer.value is None:
            return
        array = self.activation()
        channels = array.shape[-1] if array.ndim == 3 else 1
        self.channel.unobserve(self._draw, names="value")
        self.channel.max = max(channels - 1, 0)
        self.channel.value = min(self.channel.value, self.channel.max)
        self.channel.disabled = array.ndim != 3
        self.channel.observe(self._draw, names="value")
        self._draw()

    def _draw(self, change=None):
        array = self.activation()
        if array.ndim == 3:
            first = self.channel.value
            chosen = range(first, min(first + self._tiles, array.shape[-1]))
            shown = f", channels {chosen.start}-{chosen.stop - 1} of {array.shape[-1]}"
            self.image.value = activations.activation_image(array, quick=True, channels=chosen,
                                                            batched=False, max_tiles=self._tiles)
        else:
            shown = ""
            self.image.value = activations.activation_image(array, quick=True, batched=False)
        self.caption.value = (f"<b>{html.escape(self.layer.value)}</b>: shape "
                              f"{diagrams.shape_text(array.shape)}{shown}; min {array.min():.4g}, "
                              f"max {array.max():.4g}, mean {array.mean():.4g}")

    def close(self):
        if getattr(self, "_watch", None) is None:  # __init__ refused the model: nothing to close
            return
        self._watch.close()
        self._features.forget()  # the feature model holds the model's layers
        for widget in (self.layer, self.channel, self.caption, self.image):
            widget.close()
        super().close()

    def __repr__(self):
        return f'<ActivationExplorer of model "{self._watch.name}">'
