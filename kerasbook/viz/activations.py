"""What a layer computed, ready to draw: feature maps, sequences, units; and pictures of them.

The picture depends on the activation's shape (without the batch axis):

- `(H, W, C)`, a convolution's output: one `H x W` tile per channel, a page of channels at a time.
- `(T, F)`, a sequence's output (RNN, embedding, Conv1D): a heat map, time steps down, units across.
- `(N,)`, a dense layer's output: one bar per unit, on labelled axes.
- attention scores `(heads, Tq, Tv)` (an attention layer's, see `attention_page`): one query x key
  heat map per head, the tokens on the axes when they are known.

Colour always has a legend: the tiles of a layer share ONE colour scale (the layer's minimum to its
maximum for this sample), shown as a colour bar, so a dead channel looks dead next to a strong one.
`per_channel=True` stretches each tile to its own range instead (to see the pattern of a weak channel).

Pixels are quantized to 256 levels (`quantize`) on that scale; a front-end colours them through the
same 256-colour table (`colour_table`) and enlarges them without smoothing, so a 26-pixel map shown
at 104 pixels is 26 crisp squares across, not a blur.

`activation_image` (PNG bytes, drawn with NumPy and Pillow) and `plot_activation` (a matplotlib
Figure) draw the same things for places without a front-end: a widget's fallback, a test, a script.
"""

import io
import math

import numpy as np

MIN_TILE = 64  # px: no feature-map tile is drawn smaller than this
MAX_SIDE = 256  # px: bigger maps are subsampled before they are sent or drawn
_TABLES = {}
_NAMES = {}  # class names by unit, once loaded ("imagenet")


# -- the data a picture is made of -----------------------------------------------------------------

def kind_of(shape):
    """How an activation of `shape` (no batch axis) is drawn: "maps", "sequence", "units" or "other"."""
    return {3: "maps", 2: "sequence", 1: "units", 0: "units"}.get(len(shape), "other")


def colour_table(cmap="viridis"):
    """The colormap as a `(256, 3)` uint8 table: level `i` of a quantized map has colour `table[i]`."""
    if cmap not in _TABLES:
        from matplotlib import colormaps
        _TABLES[cmap] = (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).round().astype("uint8")
    return _TABLES[cmap]


def value_range(array):
    """`(low, high)` as Python floats, finite values only (`(0.0, 0.0)` when there are none)."""
    finite = array[np.isfinite(array)] if not np.all(np.isfinite(array)) else array
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def quantize(array, low, high):
    """Values -> uint8 levels 0..255 on the scale `low`..`high` (a flat scale gives level 0)."""
    span = high - low
    scale = 255.0 / span if span > 0 else 0.0
    levels = (np.asarray(array, "float32") - low) * scale + 0.5  # + 0.5: round to the nearest level
    return np.clip(np.nan_to_num(levels), 0, 255).astype("uint8")


def nice_ticks(low, high, count=5):
    """Round numbers (1, 2, 2.5 or 5 times a power of ten apart) between `low` and `high` (`[low]`
    when the range is flat): what an axis or a colour bar is labelled with."""
    if not high > low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = [round(i * step, 12) for i in range(first, math.floor(high / step + 1e-9) + 1)]
    return [0.0 if t == 0 else t for t in ticks]


def bar_axis(values):
    """`(low, high, ticks)` of a bar chart's value axis: the values' range stretched to take in 0 (bars
    grow from the zero line), one unit tall when every value is 0, labelled with `nice_ticks`."""
    low, high = min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)
    if high == low:
        high = low + 1.0
    return low, high, nice_ticks(low, high, 5)


def index_ticks(n, count=8):
    """Whole numbers 0..n-1 for an axis of `n` units or time steps: every one up to `count`, else
    multiples of 1, 2 or 5 times a power of ten (`[0, 200, 400, 600, 800]` for 1000 units)."""
    if n <= count:
        return list(range(n))
    raw = (n - 1) / (count - 1)
    power = 10 ** max(0, math.floor(math.log10(raw)))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return list(range(0, n, step))


def tick_text(value):
    """A tick label: few digits, no trailing zeros (`0.25`, `1e+03`, `-3`)."""
    return f"{value:.3g}"


def page_count(channels, per_page):
    return max(1, math.ceil(channels / per_page))


def maps_page(maps, page=0, per_page=16, per_channel=False, max_side=MAX_SIDE):
    """One page of channels of `(H, W, C)` maps, quantized for drawing.

    Returns a dict: `channels` (their numbers), `levels` (uint8, `(n, h, w)`: channel first, maps
    larger than `max_side` shrunk by averaging), `low`/`high` (the shared scale: all C channels of
    this sample), `ranges` (each shown channel's own `[low, high]`), `per_channel`, `page`, `pages`.
    """
    height, width, count = maps.shape
    pages = page_count(count, per_page)
    page = min(max(int(page), 0), pages - 1)
    channels = list(range(page * per_page, min((page + 1) * per_page, count)))
    shown = np.moveaxis(shrink(maps[:, :, channels[0]:channels[-1] + 1], max_side), -1, 0)
    low, high = value_range(maps)
    ranges = [value_range(tile) for tile in shown]
    if per_channel:
        levels = np.stack([quantize(tile, lo, hi) for tile, (lo, hi) in zip(shown, ranges)])
    else:
        levels = quantize(shown, low, high)
    return {"channels": channels, "levels": levels, "low": low, "high": high, "ranges": ranges,
            "per_channel": bool(per_channel), "page": page, "pages": pages, "count": count}


def shrink(maps, max_side):
    """`(H, W, C)` maps no bigger than `max_side` a side: each block of `s x s` pixels averaged (`s` the
    smallest whole factor that fits; edge rows and columns that do not fill a block are dropped)."""
    height, width, count = maps.shape
    s = max(1, math.ceil(max(height, width) / max_side))
    if s == 1:
        return maps
    h, w = height // s, width // s
    return maps[:h * s, :w * s].reshape(h, s, w, s, count).mean(axis=(1, 3))


def tile_zoom(height, width, tile_size=96):
    """How many screen pixels a map pixel takes: a whole number (crisp squares) making the longer side
    about `tile_size` and never under MIN_TILE; below 1 (a smooth reduction) for maps bigger than that."""
    side = max(height, width, 1)
    tile_size = max(tile_size, MIN_TILE)
    if side >= tile_size:
        return tile_size / side
    return max(round(tile_size / side), math.ceil(MIN_TILE / side))


def top_classes(scores, k=5, class_names=None):
    """The `k` highest scores as `[(unit, name, score)]`, best first. Names from `class_names`, else
    ImageNet's (through `decode_predictions`) for 1000 scores, else `None` (the class file is not in
    the Keras cache and there is no network: the unit numbers still say which classes)."""
    scores = np.asarray(scores, "float32").reshape(-1)
    best = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
    names = {}
    if class_names is not None:
        names = {i: str(class_names[i]) for i in best if i < len(class_names)}
    elif scores.size == 1000:
        names = _imagenet_names(scores)
    return [(i, names.get(i), float(scores[i])) for i in best]


def _imagenet_names(scores):
    """ImageNet's class names by unit, loaded by `decode_predictions` (Keras's class index file).
    Tried once: offline, without the file in the Keras cache, every later call answers `{}` at once."""
    from kerasbook.core.applications import imagenet_utils
    if "imagenet" not in _NAMES:
        try:
            imagenet_utils.decode_predictions(scores[None], top=1)  # loads CLASS_INDEX
            _NAMES["imagenet"] = {int(unit): name for unit, (_wnid, name) in imagenet_utils.CLASS_INDEX.items()}
        except (OSError, ValueError):
            _NAMES["imagenet"] = {}
    return _NAMES["imagenet"]


def input_picture(sample):
    """The model's input for one sample, as the front-end shows it: `("image", uint8 (H, W, 3))` for
    `(H, W, 1|3|4)` arrays, else `("heatmap", uint8 levels (rows, columns), low, high)`."""
    array = np.asarray(sample, "float32")
    if array.ndim == 3 and array.shape[-1] in (1, 3, 4):
        low, high = value_range(array)
        levels = quantize(array[..., :3], low, high)
        if levels.shape[-1] == 1:
            levels = np.repeat(levels, 3, axis=-1)
        return {"kind": "image", "levels": levels, "low": low, "high": high}
    grid = array.reshape(1, -1) if array.ndim <= 1 else array.reshape(array.shape[0], -1)
    low, high = value_range(grid)
    return {"kind": "heatmap", "levels": quantize(grid, low, high), "low": low, "high": high}


def sequence_levels(array):
    """A `(T, F)` activation on its own scale: `(uint8 levels, low, high)`."""
    low, high = value_range(array)
    return quantize(array, low, high), low, high


def attention_heads(scores):
    """One sample's attention scores as `(heads, Tq, Tv)`: MultiHeadAttention's `(heads, Tq, Tv)` as
    they are, Attention's `(Tq, Tv)` as one head, several query or key axes (an image attending over
    height x width) flattened into positions in row-major order."""
    scores = np.asarray(scores, "float32")
    if scores.ndim == 2:
        return scores[None]
    heads, rest = scores.shape[0], scores.shape[1:]
    half = len(rest) // 2  # MultiHeadAttention's scores: (heads, *query axes, *key axes), as many of each
    return scores.reshape(heads, int(np.prod(rest[:half])), int(np.prod(rest[half:])))


def attention_page(scores, head=0):
    """Head `head` of `(heads, Tq, Tv)` scores quantized for drawing, on ONE scale for all heads (so
    a head that attends sharply looks sharp beside a diffuse one), from 0 (scores are shares of
    attention) to the highest score. Returns a dict: `levels` (uint8 `(Tq, Tv)`), `low`/`high`,
    `head`, `heads`, `rows`, `columns`."""
    heads = attention_heads(scores)
    head = min(max(int(head), 0), heads.shape[0] - 1)
    low, high = value_range(heads)
    low = min(low, 0.0)
    return {"levels": quantize(heads[head], low, high), "low": low, "high": high, "head": head,
            "heads": heads.shape[0], "rows": heads.shape[1], "columns": heads.shape[2]}


def token_labels(vocabulary, ids, length):
    """The words of one sample's token ids (`vocabulary[id]`; the padding token "" as "[pad]"), or
    None when they cannot label `length` positions (no vocabulary, or another length)."""
    if vocabulary is None or ids is None:
        return None
    ids = np.asarray(ids).reshape(-1)
    if ids.size != length or not np.issubdtype(ids.dtype, np.integer):
        return None
    words = [str(vocabulary[i]) if 0 <= i < len(vocabulary) else f"#{i}" for i in ids.tolist()]
    return [word if word else "[pad]" for word in words]


# -- PNG pictures (no front-end needed) -----------------------------------------------------------

def activation_image(array, dpi=80, quick=False, channels=None, sample=0, batched=None,
                     cmap="viridis", per_channel=False, tile_size=96, max_tiles=16, chart_width=560,
                     **kwargs):
    """An activation as PNG bytes.

    `quick=True` (widgets): drawn with NumPy and Pillow at the size it is shown, tiles of at least
    64 px enlarged without smoothing, channel numbers, one colour scale with its colour bar; bars on
    labelled axes, `chart_width` pixels wide (the width the widget shows it at: a wider picture
    scaled down shrinks its labels); sequences as a heat map with a colour bar, as wide. `channels`:
    a range of channels (else the first `max_tiles`). `quick=False`: the `plot_activation` figure,
    drawn by matplotlib.
    """
    if not quick:
        return figure_png(plot_activation(array, channels=channels, sample=sample, batched=batched,
                                          cmap=cmap, per_channel=per_channel, **kwargs), dpi=dpi)
    from kerasbook.viz import pictures
    array = _one_sample(np.asarray(array, "float32"), sample, batched)
    kind = kind_of(array.shape)
    if kind == "maps":
        chosen = channel_range(channels, array.shape[-1], max_tiles)
        page = maps_page(array[..., chosen.start:chosen.stop], per_page=len(chosen), per_channel=per_channel)
        page["channels"] = list(chosen)
        rgb = pictures.maps(page, cmap, tile_size)
    elif kind == "sequence":
        rgb = pictures.heatmap(*sequence_levels(array), cmap, width=min(chart_width, 512))
    else:  # units; and 4-D or more (Conv3D): every value as a unit, in order
        rgb = pictures.bars(array.reshape(-1), width=chart_width, height=round(chart_width * 5 / 14))
    return pictures.png(rgb)


def _one_sample(array, sample, batched):
    """Drop the batch axis: `batched=True` says it is there (else guessed: 4-D, or a first axis of 1)."""
    if batched or (batched is None and (array.ndim == 4 or (array.ndim > 1 and array.shape[0] == 1))):
        if not 0 <= sample < array.shape[0]:
            raise ValueError(f"sample {sample} is out of range for a batch of {array.shape[0]}.")
        return array[sample]
    return array


def channel_range(channels, count, max_tiles=64):
    """The channels to draw: `None` -> the first `max_tiles`; an int -> that one; else a range."""
    if channels is None:
        return range(min(count, max_tiles))
    if isinstance(channels, int):
        channels = range(channels, channels + 1)
    elif isinstance(channels, tuple):
        channels = range(*channels)
    channels = range(max(channels.start, 0), min(channels.stop, count))
    if len(channels) == 0:
        raise ValueError(f"plot_activation: no channels to draw in {channels} (the activation has "
                         f"{count} channels).")
    return channels


# -- matplotlib figures ---------------------------------------------------------------------------

def _figure(width, height):
    """A matplotlib Figure not managed by pyplot: nothing leaks into a notebook's implicit plots."""
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained")


def plot_activation(array, channels=None, sample=0, title=None, max_tiles=64, columns=None,
                    cmap="viridis", batched=None, per_channel=False):
    """A Figure of one activation. `channels`: a `range`/`(start, stop)` of channels for conv maps.

    Feature maps share one colour scale (their colour bar beside them) unless `per_channel=True`.
    `batched=True` says the first axis is the batch (else guessed: 4-D, or a first axis of size 1).
    """
    array = np.asarray(array, dtype="float32")
    try:
        array = _one_sample(array, sample, batched)
    except ValueError as error:
        raise ValueError(f"plot_activation: {error}") from None
    if array.ndim == 3:
        return _feature_maps(array, channels, title, max_tiles, columns, cmap, per_channel)
    if array.ndim == 2:
        return _heatmap(array, title, cmap)
    if array.ndim in (0, 1):
        return _units(array.reshape(-1), title)
    raise ValueError(f"plot_activation draws (H, W, C), (T, F) or (N,) activations (after the batch "
                     f"axis); received an array of shape {array.shape}.")


def _feature_maps(array, channels, title, max_tiles, columns, cmap, per_channel):
    chosen = channel_range(channels, array.shape[-1], max_tiles)
    columns = columns or math.ceil(math.sqrt(len(chosen)))
    rows = math.ceil(len(chosen) / columns)
    # 1.1 inches a tile: 88 px at the 80 dpi of figure_png, so no tile is under 64 px.
    figure = _figure(1.1 * columns + 1.0, 1.1 * rows + 0.3 + (0.3 if title else 0))
    axes = figure.subplots(rows, columns, squeeze=False)
    low, high = value_range(array[..., chosen.start:chosen.stop])
    image = None
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, chosen):
        scale = value_range(array[..., c]) if per_channel else (low, high)
        image = ax.imshow(array[:, :, c], cmap=cmap, interpolation="nearest", vmin=scale[0], vmax=scale[1])
        ax.set_title(f"ch {c}", fontsize=8)
    if not per_channel:
        figure.colorbar(image, ax=axes, shrink=0.8, label="activation (one scale for all tiles)")
    if title:
        figure.suptitle(title)
    return figure


def _heatmap(array, title, cmap):
    steps, features = array.shape
    figure = _figure(6, 3.5)
    ax = figure.subplots()
    image = ax.imshow(array, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_xlabel(f"unit (0-{features - 1})")
    ax.set_ylabel(f"time step (0-{steps - 1})")
    figure.colorbar(image, ax=ax, label="activation")
    if title:
        ax.set_title(title)
    return figure


def _units(array, title):
    figure = _figure(6, 2.5)
    ax = figure.subplots()
    if array.shape[0] <= 64:
        ax.bar(np.arange(array.shape[0]), array, color="#1e88e5")
    else:
        ax.plot(array, color="#1e88e5", linewidth=1)
    ax.set_xlabel("unit")
    ax.set_ylabel("activation")
    if title:
        ax.set_title(title)
    return figure


def figure_png(figure, dpi=80):
    """A Figure as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
