"""Where a model's weights live: a picture of each variable's pieces on a mesh of devices.

With `keras.distribution`, a variable is one `jax.Array` laid out over a `jax.sharding.Mesh`: a grid
of devices with named axes (a 2 x 4 mesh `("batch", "model")`). Its `NamedSharding` says, dimension
by dimension, which mesh axis splits it (`PartitionSpec(None, "model")`: the columns of a kernel cut
in 4); a dimension split over no axis is copied. JAX tells us the rest: `array.addressable_shards`
lists each piece with its device, its index (`[:, 8:16]`) and its data.

This module reads only what JAX reports, so the picture shows where the weights *are*, not where a
LayoutMap meant them to be. `describe(model)` collects it (`Layout`: the mesh, one `Placement` per
variable, the batch axis) and says it in words: `status_text` (what placed a variable: its key, or
"replicated: no LayoutMap key matched" with the key that came closest and the words of that key its
path lacks, the sign of a renamed layer, keras-hub#2806), `layout_text` (deterministic plain text,
what nbval compares) and `devices_html` (a table, one row per device). `viz/sharding_svg.py` draws
the picture.

The layer colours (`PALETTE`) are mid-tones readable on light and dark backgrounds.
"""

import dataclasses
import difflib
import html
import re

import jax
import numpy as np

from kerasbook.core import distribution as distribution_lib
from kerasbook.core.models.summary import readable_size

# Ten mid-tone colours (Tableau 10): distinct from each other, visible on white and on dark grey.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


@dataclasses.dataclass(frozen=True)
class Piece:
    """The part of one variable that one device holds: `index` as Python slices text (`[:, 0:8]`)."""

    device: int
    index: str
    shape: tuple
    nbytes: int


@dataclasses.dataclass
class Placement:
    """One variable as it lies on the devices.

    `spec` has one entry per dimension: the mesh axis (or axes, a tuple) splitting it, or None (the
    dimension is whole on every device); `spec` is None for an array that is not on the mesh at all
    (a single device). `key` is the LayoutMap key that matched the path; `asked` is that key's axes.
    """

    path: str
    layer: str
    shape: tuple
    dtype: str
    spec: tuple | None
    pieces: list
    key: str | None = None
    asked: tuple | None = None
    closest: str | None = None
    missing: tuple = ()
    several: tuple = ()  # every key that matched, when more than one did (Keras refuses this)
    kind: str = "weight"  # or "optimizer": the optimizer's state, placed as the weight it belongs to

    @property
    def nbytes(self):
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    @property
    def replicated(self):
        """Every device that holds it holds all of it."""
        return all(piece.shape == self.shape for piece in self.pieces)

    @property
    def piece_shape(self):
        return self.pieces[0].shape if self.pieces else self.shape

    @property
    def bytes_per_device(self):
        return max((piece.nbytes for piece in self.pieces), default=0)


@dataclasses.dataclass
class Layout:
    """The mesh (`axis_names`, `axis_sizes`, `device_ids`: device ids in mesh order, one row per
    index of the first axis) and every variable's `Placement`. `batch_axis` is the mesh axis the
    batch dimension of the data is split over (None: not known, no distribution set)."""

    model_name: str
    axis_names: tuple
    axis_sizes: tuple
    device_ids: np.ndarray
    variables: list
    batch_axis: str | None = None
    has_layout_map: bool = False
    distributed: bool = False  # a distribution was given or set: its mesh is where weights belong
    unused_keys: tuple = ()  # LayoutMap keys for variables that matched none (a layer renamed?)

    @property
    def devices(self):
        return [int(d) for d in self.device_ids.ravel()]

    def bytes_on(self, device):
        """Bytes of variable data on one device (the sum of the pieces it holds)."""
        return sum(p.nbytes for v in self.variables for p in v.pieces if p.device == device)

    def held_by(self, device):
        """`[(variable index, piece)]` for each piece on `device`."""
        return [(i, p) for i, v in enumerate(self.variables) for p in v.pieces if p.device == device]

    def coordinates(self, device):
        """The device's index along each mesh axis, e.g. `{"batch": 1, "model": 2}`."""
        where = np.argwhere(self.device_ids.reshape(self.axis_sizes) == device)
        if not len(where):
            return {}
        return {name: int(i) for name, i in zip(self.axis_names, where[0])}

    def layers(self):
        """Layer names in order of first appearance: the colour of a layer is its place here."""
        return list(dict.fromkeys(v.layer for v in self.variables))

    def colour(self, variable):
        return PALETTE[self.layers().index(variable.layer) % len(PALETTE)]


# -- reading what JAX reports ---------------------------------------------------------------------

def describe(model, distribution=None, layout_map=None, batch_dim_name=None, optimizer=False):
    """The `Layout` of `model`'s variables as their arrays lie now.

    `distribution` (default: the one set with `keras.distribution.set_distribution`, if any) gives
    the LayoutMap to compare paths with and the batch axis; `layout_map` and `batch_dim_name`
    override what it gives. `optimizer=True` adds the optimizer's variables (Adam keeps two arrays
    the size of each weight, cut as that weight is), once `fit` has made them.
    """
    if distribution is None:
        distribution = current_distribution()
    if layout_map is None:
        layout_map = _layout_map_of(distribution)
    if batch_dim_name is None and distribution is not None:
        batch_dim_name = getattr(distribution, "batch_dim_name", None)
    variables = list(model.variables)
    slots = list(getattr(getattr(model, "optimizer", None), "variables", None) or []) if optimizer else []
    arrays = [variable.value for variable in variables + slots]
    mesh = _mesh_of(arrays, distribution)
    if mesh is not None:
        names, sizes, ids = tuple(mesh.axis_names), tuple(mesh.devices.shape), _ids(mesh.devices)
    else:  # no array on a mesh: the devices JAX has, in a row
        ids = np.array([d.id for d in jax.devices()])
        names, sizes = ("devices",), (len(ids),)
    placements = [_placement(variable, array, layout_map) for variable, array in zip(variables, arrays)]
    placements += [_placement(slot, array, None, "optimizer") for slot, array in
                   zip(slots, arrays[len(variables):])]
    rows = sizes[0] if len(sizes) > 1 else _wrapped_rows(sizes[0])
    return Layout(model.name, names, sizes, ids.reshape(rows, -1), placements, batch_dim_name,
                  layout_map is not None, distribution is not None, _unused_keys(layout_map, placements))


def _wrapped_rows(count):
    """Rows to draw a one-axis mesh in: rows of 4 when they come out even, else one row."""
    return count // 4 if count > 4 and count % 4 == 0 else 1


def current_distribution():
    """The distribution set with `keras.distribution.set_distribution` (None: none is set)."""
    return distribution_lib.distribution()


def _layout_map_of(distribution):
    """A ModelParallel's LayoutMap; None for other distributions (DataParallel has none)."""
    return getattr(distribution, "layout_map", None)


def _mesh_of(arrays, distribution):
    """The jax Mesh the arrays lie on (the first NamedSharding), else the distribution's."""
    for array in arrays:
        mesh = getattr(getattr(array, "sharding", None), "mesh", None)
        if mesh is not None and hasattr(mesh, "devices"):
            return mesh
    device_mesh = getattr(distribution, "device_mesh", None)
    return getattr(device_mesh, "backend_mesh", None)


def _ids(devices):
    return np.vectorize(lambda device: device.id, otypes=[int])(devices)


def _placement(variable, array, layout_map, kind="weight"):
    shape = tuple(int(d) for d in array.shape)
    pieces = [Piece(int(shard.device.id), index_text(shard.index, shape), tuple(shard.data.shape),
                    int(shard.data.nbytes))
              for shard in array.addressable_shards]
    pieces.sort(key=lambda piece: piece.device)
    path = variable.path
    placement = Placement(path, path.rsplit("/", 1)[0] if "/" in path else path, shape,
                          str(array.dtype), _spec(array.sharding, len(shape)), pieces, kind=kind)
    if layout_map is not None:
        _match(placement, layout_map)
    return placement


def _spec(sharding, ndim):
    """One entry per dimension (None: not split); None when the array is not on a named mesh."""
    spec = getattr(sharding, "spec", None)
    if spec is None:
        return None
    entries = list(spec) + [None] * (ndim - len(spec))
    return tuple(_axes(entry) for entry in entries[:ndim])


def _axes(entry):
    """A PartitionSpec entry: None, an axis name, or a tuple of names (one name for a 1-tuple)."""
    if isinstance(entry, (list, tuple)):
        return None if not entry else entry[0] if len(entry) == 1 else tuple(entry)
    return entry


def index_text(index, shape):
    """`(slice(None), slice(0, 8))` -> `[:, 0:8]`; a slice that covers its dimension is `:`."""
    parts = []
    for item, size in zip(index, shape):
        start, stop, _ = item.indices(size) if isinstance(item, slice) else (item, item + 1, 1)
        parts.append(":" if (start, stop) == (0, size) else f"{start}:{stop}")
    return f"[{', '.join(parts)}]" if parts else "[]"


# -- the LayoutMap: which key placed each variable, and which came closest ------------------------

def _match(placement, layout_map):
    """Set `key`/`asked`, or the closest key and the words of it the path lacks (as Keras matches:
    an exact key first, else every key as a regular expression that must match the whole path)."""
    keys = list(layout_map)
    path = placement.path
    matching = [path] if path in keys else [k for k in keys if _fullmatch(k, path)]
    if len(matching) > 1:
        placement.several = tuple(matching)
    if matching:
        placement.key = matching[0]
        placement.asked = tuple(getattr(layout_map[matching[0]], "axes", ()) or ())
        return
    candidates = _variable_keys(layout_map)
    closest = closest_key(path, candidates) if candidates else None
    if closest is not None and any(word in path for word in key_words(closest)):  # else none is close
        placement.closest = closest
        placement.missing = tuple(w for w in key_words(closest) if w not in path)


def _variable_keys(layout_map):
    """The keys meant for variables: `"<layer>/output"` keys lay out a layer's output instead."""
    return [key for key in layout_map if not key.endswith("/output")]


def _unused_keys(layout_map, placements):
    if layout_map is None:
        return ()
    used = {key for p in placements for key in (p.several or (p.key,))}
    return tuple(key for key in _variable_keys(layout_map) if key not in used)


def _fullmatch(key, path):
    try:
        return re.fullmatch(key, path) is not None
    except re.error:
        return False


def closest_key(path, keys):
    """The key most like `path`: the most of its words found in the path, then difflib's ratio of
    the two texts (ties: the first key)."""
    def likeness(key):
        words = key_words(key)
        found = sum(word in path for word in words) / len(words) if words else 0.0
        return found, difflib.SequenceMatcher(None, key, path).ratio()
    return max(keys, key=likeness)


def key_words(key):
    """The literal words of a regular expression key: `.*dense.*kernel` -> `("dense", "kernel")`."""
    return tuple(re.findall(r"[A-Za-z0-9_]{2,}", re.sub(r"\\.", " ", key)))


# -- words for a learner ----------------------------------------------------------------------------

def spec_text(spec):
    """`(None, 'model')` as Keras writes a TensorLayout's axes; "single device" off the mesh."""
    if spec is None:
        return "single device"
    return "(" + ", ".join(repr(e) for e in spec) + ("," if len(spec) == 1 else "") + ")"


def status_text(variable, layout):
    """What placed the variable: its key, or why it is replicated."""
    if variable.spec is None:
        where = ", ".join(f"device {p.device}" for p in variable.pieces)
        asked = f" (key {variable.key!r} asks {spec_text(variable.asked)})" if variable.key else ""
        later = "; made before the distribution was set? Make the model again under it" \
            if layout.distributed else ""
        return f"not on the mesh: on {where} only{asked}{later}"
    if variable.kind == "optimizer":
        return "optimizer state: " + ("replicated" if variable.replicated else "cut as its weight is")
    if variable.several:
        return f"several keys match ({', '.join(map(repr, variable.several))}): Keras refuses this"
    if variable.key is not None:
        note = f"key {variable.key!r}"
        if variable.asked and tuple(variable.asked) != tuple(variable.spec):
            note += f" asks {spec_text(variable.asked)}, but it holds {spec_text(variable.spec)}"
        return note
    if not layout.has_layout_map:
        return split_text(variable, layout)
    hint = ""
    if variable.missing:
        hint = f" ({', '.join(map(repr, variable.missing))} not in the path)"
    closest = f"; closest {variable.closest!r}{hint}" if variable.closest else "; none is close"
    return f"replicated: no LayoutMap key matched{closest}"


def split_text(variable, layout):
    """How the variable is cut, in words: `axis 1 cut 4 ways over 'model'`, or "replicated"."""
    cuts = []
    for dim, axes in enumerate(variable.spec or ()):
        if axes is None:
            continue
        names = axes if isinstance(axes, tuple) else (axes,)
        ways = int(np.prod([layout.axis_sizes[layout.axis_names.index(name)] for name in names]))
        cuts.append(f"axis {dim} cut {ways} ways over {axes!r}")
    return "; ".join(cuts) or "replicated"


def misplaced(variable, layout):
    """True for a variable that does not lie as the distribution says: off its mesh, or not as its
    key asks (made before the distribution was set: Keras keeps a variable's layout)."""
    if variable.spec is None:
        return layout.distributed
    return bool(variable.asked) and tuple(variable.asked) != tuple(variable.spec)


def unmatched(variable, layout):
    """True for a weight that a LayoutMap left replicated by matching none of its keys."""
    return (layout.has_layout_map and variable.kind == "weight" and variable.spec is not None
            and variable.key is None)


def batch_text(layout):
    """Which mesh axis splits the batch, in words."""
    if layout.batch_axis is None:
        return "Batch: no distribution set, so no mesh axis is named for the batch."
    if layout.batch_axis not in layout.axis_names:
        return f"Batch: split over {layout.batch_axis!r}, which is not an axis of this mesh."
    ways = layout.axis_sizes[layout.axis_names.index(layout.batch_axis)]
    if ways == 1:
        return f"Batch: {layout.batch_axis!r} has size 1, so every device sees the whole batch."
    share = (f"; the devices with the same {layout.batch_axis!r} index get the same slice"
             if len(layout.axis_names) > 1 else "")
    return (f"Batch: split over {layout.batch_axis!r}: each device gets 1/{ways} of every batch"
            f"{share}.")


def mesh_text(layout):
    axes = " x ".join(f"{name} ({size})" for name, size in zip(layout.axis_names, layout.axis_sizes))
    count = len(layout.devices)
    return f'Model "{layout.model_name}" on a mesh of {count} device{"s" if count != 1 else ""}: {axes}'


def totals_text(layout):
    """How much each device holds against the two extremes: all of it, or an even share."""
    total = sum(v.nbytes for v in layout.variables)
    count = len(layout.devices)
    most = max((layout.bytes_on(d) for d in layout.devices), default=0)
    with_optimizer = any(v.kind == "optimizer" for v in layout.variables)
    what = "Weights and optimizer state" if with_optimizer else "Weights"
    return (f"{what}: {readable_size(total)} in all; the fullest device holds {readable_size(most)} "
            f"(a copy of everything: {readable_size(total)}; an even split over {count}: "
            f"{readable_size(total / count)}).")


def unused_text(layout):
    """The LayoutMap keys that placed no variable ("" when every key placed one)."""
    if not layout.unused_keys:
        return ""
    keys = ", ".join(map(repr, layout.unused_keys))
    return f"LayoutMap keys that matched no variable: {keys}."


def layout_text(layout):
    """Plain text (deterministic): the mesh, bytes per device, one line per variable."""
    lines = [mesh_text(layout), batch_text(layout), totals_text(layout)]
    lines += [unused_text(layout)] if layout.unused_keys else []
    lines += ["", "Bytes per device:"]
    for row in layout.device_ids:
        lines.append("  " + "  ".join(f"{d}: {readable_size(layout.bytes_on(int(d)))}" for d in row))
    lines += ["", "Variables:"]
    width = max((len(v.path) for v in layout.variables), default=0)
    for v in layout.variables:
        lines.append(f"  {v.path:<{width}}  {str(v.shape):<12} {spec_text(v.spec):<20} "
                     f"{readable_size(v.bytes_per_device):>10}/device  {status_text(v, layout)}")
    return "\n".join(lines)


def devices_html(layout):
    """A table, one row per device: its place on the mesh, its bytes, and every piece it holds.
    Alignment is written on the cells: untrusted notebooks drop `<style>`, and JupyterLab right-aligns
    table cells by default."""
    top = "vertical-align:top;text-align:left"
    rows = []
    for device in layout.devices:
        where = ", ".join(f"{k}={i}" for k, i in layout.coordinates(device).items())
        held = "<br>".join(f"{html.escape(layout.variables[i].path)}{html.escape(p.index)} "
                           f"{html.escape(str(p.shape))}" for i, p in layout.held_by(device)) or "nothing"
        rows.append(f'<tr><td style="{top}">{device}</td><td style="{top}">{html.escape(where)}</td>'
                    f'<td style="vertical-align:top;text-align:right">'
                    f'{readable_size(layout.bytes_on(device))}</td>'
                    f'<td style="{top};font-family:monospace">{held}</td></tr>')
    head = "".join(f'<th style="text-align:left">{h}</th>'
                   for h in ("device", "mesh position", "bytes", "holds"))
    return (f'<table class="kb-sv-devices"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')
