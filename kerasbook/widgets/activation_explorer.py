"""`ActivationExplorer(model, x)`: what every layer computed for the input `x`, beside that input.

All activations come from ONE feature-extraction model (`features.py`), run once; the results are
kept as NumPy arrays. Picking another layer, page, sample or scale only prepares new pixels: it never
runs the model again. When the model changes, the activations are computed again, once.

What travels to the browser is small and already on its colour scale: the current page of feature
maps as uint8 levels (`levels`, one byte a pixel, see `viz.activations.maps_page`) plus a
description of the picture (`view`: kind, channels, scale, tick labels; see `raster_views.py`).
The front-end (`static/rasters.js`, shared with GraphView's panel, then `activation_explorer.js`)
colours the levels through the colormap's 256-colour table and draws each tile on a canvas sized
for its displayed size times the screen's pixel density, enlarged without smoothing: crisp at any
size, and a page switch costs no PNG encoding.
"""

import html

import numpy as np
import traitlets

from kerasbook.viz import activations, diagrams, pictures
from kerasbook.widgets import raster_views
from kerasbook.widgets.base import Widget, png_img, static_text
from kerasbook.widgets.features import Features, sample_count
from kerasbook.widgets.observing import ModelWatch, replace_previous


class ActivationExplorer(Widget):
    """Every layer call's output for `x`, one call at a time, beside the input.

    Example::

        cnn = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                                layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, "softmax")])
        explorer = ActivationExplorer(cnn, x_test[:8], class_names=[str(d) for d in range(10)])
        explorer.layer = "conv2d [node 0]"  # or pick it in the menu; a shared layer: "[node 1]", ...
        explorer.page = 1                   # channels 16-31
        explorer                            # shown in the notebook

    `x` is a batch (`x_test[:8]`, or `x[None]` for one sample); `sample` picks the one shown.
    Feature maps `(H, W, C)` show `tiles` channels a page, tiles about `tile_size` px (at least 64),
    on one colour scale for the layer (`per_channel=True`: each tile its own). `(T, F)` outputs show
    as a time x unit heat map, `(N,)` outputs as a bar chart; a model output of class scores lists
    its top classes (`class_names`, or ImageNet's names for 1000 classes).

    An attention layer (MultiHeadAttention, Attention, AdditiveAttention) shows its attention scores
    instead of its output: a query x key heat map for one head at a time (`head`), all heads on one
    colour scale; `show_scores=False` shows its output. With `vocabulary` (e.g.
    `vectorizer.get_vocabulary()`) and token ids as the model's input, the axes name the tokens.
    """

    _esm = static_text("rasters.js", "activation_explorer.js")
    _css = static_text("theme.css", "rasters.css", "activation_explorer.css")

    layers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    layer = traitlets.Unicode("").tag(sync=True)
    sample = traitlets.Int(0).tag(sync=True)
    samples = traitlets.Int(1).tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    tiles = traitlets.Int(16).tag(sync=True)
    tile_size = traitlets.Int(96).tag(sync=True)
    per_channel = traitlets.Bool(False).tag(sync=True)
    view = traitlets.Dict().tag(sync=True)
    levels = traitlets.Bytes(b"").tag(sync=True)
    input_view = traitlets.Dict().tag(sync=True)
    input_levels = traitlets.Bytes(b"").tag(sync=True)
    colours = traitlets.Bytes(b"").tag(sync=True)
    head = traitlets.Int(0).tag(sync=True)
    show_scores = traitlets.Bool(True).tag(sync=True)

    def __init__(self, model, x, sample=0, tiles=16, tile_size=96, per_channel=False, class_names=None,
                 cmap="viridis", vocabulary=None, **kwargs):
        if not getattr(model, "_nodes", None):
            raise ValueError(f'ActivationExplorer needs a functional or Sequential model with a node '
                             f'graph; model "{model.name}" ({type(model).__name__}) has none (build it '
                             "first, or wrap a subclassed model in a functional one).")
        super().__init__(tiles=max(1, int(tiles)), tile_size=max(activations.MIN_TILE, int(tile_size)),
                         per_channel=bool(per_channel), colours=activations.colour_table(cmap).tobytes(),
                         **kwargs)
        self._x = x
        self._cmap = cmap
        self.class_names = None if class_names is None else [str(n) for n in class_names]
        self._activations = {}  # title -> NumPy array of that call's (first) output, whole batch
        self._scores = {}  # title -> NumPy array of an attention call's scores, whole batch
        self.vocabulary = None if vocabulary is None else [str(w) for w in vocabulary]
        self._outputs = set()  # titles of the calls whose output is a model output
        self._features = Features()
        self.extractions = 0  # how many times the feature model ran (tests read it)
        self._quiet = False  # True while one change sets several traits (draw once, at the end)
        self._watch = ModelWatch(model, self.refresh)
        self.samples = sample_count(x)
        self.sample = min(max(int(sample), 0), self.samples - 1)
        self.observe(self._on_layer, names="layer")
        self.observe(self._on_sample, names="sample")
        self.observe(self._on_setting, names=["page", "tiles", "tile_size", "per_channel", "head", "show_scores"])
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        return self._watch.model

    @property
    def features(self):
        """The feature-extraction model (one output per call), or None before the first run."""
        return self._features.model

    # -- computing -------------------------------------------------------------------------------

    def refresh(self):
        """Compute every activation again (the model changed) and redraw."""
        model = self._watch.model
        if model is None:
            self._activations = {}
            self.view = {"kind": "gone", "caption": self._watch.gone}
            return
        activations_by_node = self._features.compute(model, self._x)
        self.extractions = self._features.runs
        outputs = [id(t) for t in model.outputs]
        self._activations = {diagrams.node_title(n): a for n, a in activations_by_node.items()}
        self._scores = {diagrams.node_title(n): s for n, s in self._features.scores.items()}
        self._outputs = {diagrams.node_title(n) for n in activations_by_node
                         if id(n.output_tensors[0]) in outputs}
        titles = list(self._activations)
        self._quiet = True
        self.layers = titles
        if self.layer not in titles:
            self.layer = titles[0] if titles else ""
        self._quiet = False
        self._draw_input()
        self._draw()

    def activation(self, title=None):
        """The activation of the chosen call (or of `title`, e.g. "conv [node 0]") for the sample shown."""
        self._watch.sync()
        array = self._activations[title or self.layer]
        return array[self.sample] if array.ndim > 0 else array

    def attention_scores(self, title=None):
        """The attention scores of the chosen call (or of `title`) for the sample shown, as
        `(heads, Tq, Tv)`; None for a call that is not an attention layer's."""
        self._watch.sync()
        scores = self._scores.get(title or self.layer)
        return None if scores is None else activations.attention_heads(scores[self.sample])

    # -- reacting to the controls ----------------------------------------------------------------

    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        sample = proposal["value"]
        if not 0 <= sample < self.samples:
            raise traitlets.TraitError(f"sample {sample} is out of range: x holds {self.samples} "
                                       f"sample{'s' if self.samples > 1 else ''} (0 to {self.samples - 1}).")
        return sample

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        title = proposal["value"]
        if self.layers and title not in self.layers:
            raise traitlets.TraitError(f'no layer call "{title}" in model "{self._watch.name}"; its calls: '
                                       f"{', '.join(self.layers)}.")
        return title

    def _on_layer(self, change):
        if self._quiet:
            return
        self._quiet = True
        self.page = 0  # a new layer starts at its first channels
        self._quiet = False
        self._draw()

    def _on_sample(self, change):
        if not self._quiet:
            self._draw_input()
            self._draw()

    def _on_setting(self, change):
        if not self._quiet:
            self._draw()

    # -- what the front-end draws ----------------------------------------------------------------

    def _draw(self):
        if not self._activations or self.layer not in self._activations:
            return
        array = self.activation()
        if self.show_scores and self.layer in self._scores:
            kind = "attention"
            view, levels = self._attention_view(self.attention_scores())
        else:
            kind = activations.kind_of(array.shape)
            view, levels = getattr(self, f"_{kind}_view")(array)
        view.update(kind=kind, title=self.layer, shape=list(array.shape), attention=self.layer in self._scores)
        view["caption"] = self.caption(view)
        with self.hold_sync():
            self.levels = levels
            self.view = view
            self._quiet = True
            self.page = view.get("page", 0)
            self.head = view.get("head", self.head)  # a head number past the last is brought back
            self._quiet = False

    def _maps_view(self, array):
        return raster_views.maps_view(array, self.page, self.tiles, self.per_channel, self.tile_size,
                                      self._max_side())

    def _max_side(self):
        """Maps are sent no bigger than twice the tile size (sharp on a 2x screen): a 224-px map in a
        96-px tile travels as 112 x 112 averages, a quarter of the bytes."""
        return min(activations.MAX_SIDE, 2 * self.tile_size)

    def _sequence_view(self, array):
        return raster_views.sequence_view(array)

    def _units_view(self, array):
        values = np.asarray(array, "float32").reshape(-1)
        low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
        labels = self.class_names if self.class_names and len(self.class_names) == values.size else None
        top = None
        if self.layer in self._outputs and values.size > 1 or labels is not None:
            top = [list(t) for t in activations.top_classes(values, min(5, values.size), labels)]
        return {"values": [float(v) for v in values], "low": low, "high": high,
                "y_ticks": [[activations.tick_text(t), t] for t in activations.nice_ticks(low, high, 5)],
                "x_ticks": [[i, text] for i, text in pictures.unit_ticks(values.size, labels)],
                "x_label": "class" if labels else "unit", "y_label": "activation", "top": top}, b""

    def _attention_view(self, scores):
        return raster_views.attention_view(scores, self.head, self._token_labels)

    def _token_labels(self, length):
        """The sample's tokens for an axis of `length` positions, or None (positions are shown)."""
        x = self._x
        if isinstance(x, dict):
            x = next(iter(x.values()))
        elif isinstance(x, (list, tuple)):
            x = x[0]
        return activations.token_labels(self.vocabulary, np.asarray(x)[self.sample], length)

    def _other_view(self, array):
        return {"message": f"no picture for {array.ndim}-D activations"}, b""

    def _draw_input(self):
        x = self._x
        if isinstance(x, dict):
            x = next(iter(x.values()))
        elif isinstance(x, (list, tuple)):
            x = x[0]
        picture = activations.input_picture(np.asarray(x)[self.sample])
        levels = picture.pop("levels")
        picture.update(shape=list(np.shape(x)[1:]), size=list(levels.shape[:2]),
                       zoom=activations.tile_zoom(*levels.shape[:2], 160),
                       ticks=raster_views.colour_bar_ticks(picture["low"], picture["high"]))
        with self.hold_sync():
            self.input_levels = levels.tobytes()
            self.input_view = picture

    def caption(self, view=None):
        """What is shown, in words: `conv [node 0]: shape (26, 26, 8), channels 0-7 of 8 (page 1 of 1)`."""
        view = view or self.view
        text = f"{view['title']}: shape {diagrams.shape_text(tuple(view['shape']))}"
        if view["kind"] == "maps":
            channels = view["channels"]
            text += (f", channels {channels[0]}-{channels[-1]} of {view['count']} (page {view['page'] + 1} "
                     f"of {view['pages']}), " + ("each channel on its own scale" if view["per_channel"]
                                                else "one colour scale for all channels"))
        elif view["kind"] == "sequence":
            text += f", {view['rows']} time steps x {view['columns']} units"
        elif view["kind"] == "attention":
            text += (f", attention scores of head {view['head']} of {view['heads']}: {view['rows']} queries x "
                     f"{view['columns']} keys" + (", tokens on the axes" if view["row_labels"] else ""))
        elif view["kind"] == "units" and view.get("top"):
            text += f", top {len(view['top'])} classes"
        if self.samples > 1:
            text += f"; sample {self.sample} of {self.samples}"
        return text

    # -- where the widget cannot run ---------------------------------------------------------------

    def fallback_text(self):
        self._watch.sync()
        if self.view.get("kind") == "gone":
            return f"<ActivationExplorer: {self.view['caption']}>"
        return f'ActivationExplorer of model "{self._watch.name}": {self.caption()}'

    def fallback_html(self):
        """The current view as a picture at the size the widget shows it, under its caption."""
        self._watch.sync()
        if self.view.get("kind") in (None, "gone"):
            return f'<div class="kerasbook"><i>{html.escape(self.view.get("caption", ""))}</i></div>'
        rgb = pictures.beside([pictures.captioned(self._input_picture(), "input"),
                               pictures.captioned(self.picture(), self.layer)])
        return (f'<div class="kerasbook"><div>{html.escape(self.caption())}</div>'
                f'{png_img(pictures.png(rgb), self.caption(), width=rgb.shape[1])}</div>')

    def picture(self):
        """The activation shown, as an RGB array drawn by `viz.pictures` (what the fallback shows)."""
        array, view = self.activation(), self.view
        if view["kind"] == "maps":
            page = activations.maps_page(array, self.page, self.tiles, self.per_channel, self._max_side())
            return pictures.maps(page, self._cmap, self.tile_size)
        if view["kind"] == "sequence":
            return pictures.heatmap(*activations.sequence_levels(array), self._cmap)
        if view["kind"] == "attention":
            page = activations.attention_page(self.attention_scores(), self.head)
            return pictures.attention(page, self._cmap, view["row_labels"], view["column_labels"])
        if view["kind"] == "units":
            labels = self.class_names if self.class_names and len(self.class_names) == array.size else None
            return pictures.bars(array, labels, top=view.get("top"))
        return np.full((20, 200, 3), 255, "uint8")

    def _input_picture(self):
        levels = np.frombuffer(self.input_levels, "uint8").reshape(self.input_view["size"] + (
            [3] if self.input_view["kind"] == "image" else []))
        return pictures.input_image(dict(self.input_view, levels=levels), self._cmap)

    def close(self):
        if getattr(self, "_watch", None) is None:  # __init__ refused the model: nothing to close
            return
        self._watch.close()
        self._features.forget()  # the feature model holds the model's layers
        self._activations, self._scores = {}, {}
        super().close()

    def __repr__(self):
        return f'<ActivationExplorer of model "{self._watch.name}">'
