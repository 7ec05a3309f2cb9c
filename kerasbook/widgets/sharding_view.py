"""`ShardingView(model)`: where each of a model's weights lies on the mesh of devices.

The kernel reads the layout from JAX (`viz/sharding.py`: each variable's `NamedSharding` and its
`addressable_shards`) and sends the picture as SVG (`viz/sharding_svg.py`) with, for each device,
the pieces it holds. The front-end (`static/sharding_view.js`) adds what a learner does with it:
point at a variable (a row, or a segment of a device's bar) to light up its pieces on every device;
click a row to keep it lit; click a device to list what it holds.

The view redraws when the model changes (a layer added, weights loaded). Placing weights on devices
is not a change of the model's layers, so after `set_distribution` and a rebuild, or to compare
with another LayoutMap, call `refresh()` (or make a new view).
"""

import base64
import html

import traitlets

from kerasbook.core.models.summary import readable_size
from kerasbook.viz import sharding, sharding_svg
from kerasbook.widgets.base import STATIC, Widget, static_text
from kerasbook.widgets.observing import ModelWatch, replace_previous


class ShardingView(Widget):
    """The layout of a model's variables on a device mesh, as JAX reports it.

    Example (8 devices: `XLA_FLAGS=--xla_force_host_platform_device_count=8` before JAX starts)::

        mesh = keras.distribution.DeviceMesh((2, 4), ["batch", "model"])
        layout_map = keras.distribution.LayoutMap(mesh)
        layout_map[".*dense.*kernel"] = (None, "model")
        keras.distribution.set_distribution(
            keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
        model = make_model()
        keras.widgets.ShardingView(model)   # the mesh, each device's bytes, every variable's pieces

    A variable that no LayoutMap key matched is marked "replicated", with the key that came
    closest: the usual sign of a layer renamed after the LayoutMap was written.

    Args:
        model: a built model (its variables are read as they lie now).
        distribution: the distribution whose LayoutMap and batch axis to show (default: the one
            set with `keras.distribution.set_distribution` when the view is made).
        layout_map, batch_dim_name: override what the distribution gives.
        optimizer: also show the optimizer's state (after `fit` made it): Adam keeps two arrays the
            size of each weight, cut as that weight is, so training needs about 3 times the bytes.
    """

    _esm = STATIC / "sharding_view.js"
    _css = static_text("theme.css", "sharding_view.css")

    svg = traitlets.Unicode("", help="The picture (viz/sharding_svg.py's layout_svg).").tag(sync=True)
    devices = traitlets.List(help="Per device: id, mesh position, bytes, and the pieces it holds.").tag(
        sync=True)
    note = traitlets.Unicode("", help="What the view cannot show, and why.").tag(sync=True)

    def __init__(self, model, distribution=None, layout_map=None, batch_dim_name=None, optimizer=False,
                 **kwargs):
        super().__init__(**kwargs)
        if distribution is None:  # the one set now: a later set_distribution is for later models
            distribution = sharding.current_distribution()
        self._options = {"distribution": distribution, "layout_map": layout_map,
                         "batch_dim_name": batch_dim_name, "optimizer": optimizer}
        self._layout = None
        self._watch = ModelWatch(model, self.refresh)
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        """The model shown, or None once it has been deleted."""
        return self._watch.model

    @property
    def layout(self):
        """The `viz.sharding.Layout` drawn (None when there is nothing to draw: see `note`)."""
        self._watch.sync()
        return self._layout

    def refresh(self):
        """Read the variables' layout from JAX again and redraw."""
        model = self._watch.model
        layout, note = None, ""
        if model is None:
            note = self._watch.gone
        elif not model.built:
            note = (f'Model "{model.name}" has no variables yet: build it (call it on data, or start '
                    "it with keras.Input).")
        elif not model.variables:
            note = f'Model "{model.name}" has no variables.'
        else:
            layout = sharding.describe(model, **self._options)
        self._layout = layout
        with self.hold_sync():
            self.note = note
            self.svg = "" if layout is None else sharding_svg.layout_svg(layout)
            self.devices = [] if layout is None else _device_rows(layout)

    # -- display ----------------------------------------------------------------------------------

    def text(self):
        """The layout as plain text: the mesh, bytes per device, one line per variable."""
        layout = self.layout
        return self.note if layout is None else sharding.layout_text(layout)

    def fallback_text(self):
        return f"ShardingView of model \"{self._watch.name}\"\n{self.text()}"

    def fallback_html(self):
        layout = self.layout
        if layout is None:
            return f"<p class='kerasbook'><i>{html.escape(self.note)}</i></p>"
        picture = _svg_img(self.svg, sharding.mesh_text(layout))
        return (f"<div class='kerasbook'><div style='max-width:100%;overflow:auto'>{picture}</div>"
                f"<details><summary>What each device holds</summary>{sharding.devices_html(layout)}"
                f"</details></div>")

    def close(self):
        if getattr(self, "_watch", None) is not None:
            self._watch.close()
        super().close()

    def __repr__(self):
        return f'<ShardingView of model "{self._watch.name}">'


def _device_rows(layout):
    """What the front-end lists when a device is clicked (JSON: ids, names and numbers only)."""
    rows = []
    for device in layout.devices:
        pieces = [{"var": index, "path": layout.variables[index].path, "index": piece.index,
                   "shape": list(piece.shape), "bytes": readable_size(piece.nbytes)}
                  for index, piece in layout.held_by(device)]
        where = ", ".join(f"{axis} {i}" for axis, i in layout.coordinates(device).items())
        rows.append({"id": device, "where": where, "bytes": readable_size(layout.bytes_on(device)),
                     "pieces": pieces})
    return rows


def _svg_img(svg, alt):
    """The SVG as an `<img>` data URL: Jupyter's sanitizer drops inline `<svg>` from untrusted
    outputs but keeps images (the picture then shows in the fallback colours, on white)."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{html.escape(alt)}">'
