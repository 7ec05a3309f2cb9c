"""Pictures of what a layer computed: feature maps, sequence heatmaps, dense activations.

The picture depends on the activation's shape (without the batch axis):

- `(H, W, C)`, a convolution's output: a grid of `H x W` tiles, one per channel (a range of channels).
- `(T, F)`, a sequence's output: a heatmap, time steps down, features across.
- `(N,)`, a dense layer's output: one bar per unit (a line when there are many units).

A leading batch axis of size 1 is dropped; for a bigger batch, `sample` picks the example.
matplotlib draws without a screen (its `Agg` backend), so this works in tests and widgets alike.
"""

import io
import math

import numpy as np


def _figure(width, height):
    """A matplotlib Figure not managed by pyplot: nothing leaks into a notebook's implicit plots."""
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained")


def plot_activation(array, channels=None, sample=0, title=None, max_tiles=64, columns=None,
                    cmap="viridis", batched=None):
    """A Figure of one activation. `channels`: a `range`/`(start, stop)` of channels for conv maps.

    `batched=True` says the first axis is the batch (else guessed: 4-D, or a first axis of size 1).
    """
    array = np.asarray(array, dtype="float32")
    if batched or (batched is None and (array.ndim == 4 or (array.ndim > 1 and array.shape[0] == 1))):
        if not 0 <= sample < array.shape[0]:
            raise ValueError(f"plot_activation: sample {sample} is out of range for a batch of "
                             f"{array.shape[0]}.")
        array = array[sample]
    if array.ndim == 3:
        return _feature_maps(array, channels, title, max_tiles, columns, cmap)
    if array.ndim == 2:
        return _heatmap(array, title, cmap)
    if array.ndim == 1:
        return _units(array, title)
    if array.ndim == 0:
        return _units(array.reshape(1), title)
    raise ValueError(f"plot_activation draws (H, W, C), (T, F) or (N,) activations (after the batch "
                     f"axis); received an array of shape {array.shape}.")


def channel_range(channels, count, max_tiles=64):
    """The channels to draw: `None` -> the first `max_tiles`; an int -> that one; else a range."""
    if channels is None:
        return range(min(count, max_tiles))
    if isinstance(channels, int):
        channels = range(channels, channels + 1)
    elif isinstance(channels, tuple):
        channels = range(*channels)
    channels = range(max(channels.start, 0), min(channels.stop, count), channels.step or 1)
    if len(channels) == 0:
        raise ValueError(f"plot_activation: no channels to draw in {channels} (the activation has "
                         f"{count} channels).")
    return channels


def _feature_maps(array, channels, title, max_tiles, columns, cmap):
    height, width, count = array.shape
    chosen = channel_range(channels, count, max_tiles)
    columns = columns or math.ceil(math.sqrt(len(chosen)))
    rows = math.ceil(len(chosen) / columns)
    figure = _figure(min(1.6 * columns, 12), min(1.6 * rows, 12) + (0.3 if title else 0))
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, chosen):
        ax.imshow(array[:, :, c], cmap=cmap, interpolation="nearest")
        ax.set_title(f"ch {c}", fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def _heatmap(array, title, cmap):
    steps, features = array.shape
    figure = _figure(6, 3.5)
    ax = figure.subplots()
    image = ax.imshow(array, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_xlabel(f"feature (0-{features - 1})")
    ax.set_ylabel(f"time step (0-{steps - 1})")
    figure.colorbar(image, ax=ax)
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
    """A Figure as PNG bytes (what an `ipywidgets.Image` shows)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def activation_image(array, dpi=80, quick=False, channels=None, sample=0, batched=None,
                     cmap="viridis", **kwargs):
    """An activation as PNG bytes (what an `ipywidgets.Image` shows).

    `quick=False`: the `plot_activation` figure, with titles and axes. `quick=True`: feature maps and
    heatmaps are tiled and coloured with NumPy instead (no axes), about ten times faster, for widgets
    that redraw as a slider moves. 1-D activations become bars (up to 256 units) or, for more units,
    a near-square grid of cells (4096 units: 64 x 64).
    """
    if not quick:
        return figure_png(plot_activation(array, channels=channels, sample=sample, batched=batched,
                                          cmap=cmap, **kwargs), dpi=dpi)
    array = np.asarray(array, dtype="float32")
    if batched or (batched is None and (array.ndim == 4 or (array.ndim > 1 and array.shape[0] == 1))):
        array = array[sample]
    if array.ndim == 3:
        return _png(_colour(feature_mosaic(array, channels, **kwargs), cmap))
    if array.ndim == 2:
        return _png(_colour(_upscale(_normalize(array), 256), cmap))
    array = array.reshape(-1)
    if array.size <= 256:
        return _png(_bars(array))
    side = math.ceil(math.sqrt(array.size))
    grid = np.full(side * side, np.nan, "float32")
    grid[:array.size] = _normalize(array)
    return _png(_colour(_upscale(grid.reshape(side, side), 256), cmap))


def _bars(values, height=120, bar=None):
    """A bar chart drawn in NumPy: one column of pixels per unit, blue up, orange down from zero."""
    bar = bar or max(2, min(16, 512 // values.size))
    low, high = min(values.min(), 0.0), max(values.max(), 0.0)
    span = (high - low) or 1.0
    rows = np.arange(height)[:, None]
    zero = (high / span) * (height - 1)
    level = (high - values[None, :]) / span * (height - 1)
    filled = (rows >= np.minimum(level, zero)) & (rows <= np.maximum(level, zero))
    rgb = np.full((height, values.size, 3), 255, "uint8")
    rgb[filled & (values[None, :] >= 0)] = (30, 136, 229)
    rgb[filled & (values[None, :] < 0)] = (251, 140, 0)
    rgb[int(round(zero))] = (96, 96, 96)
    rgb = np.repeat(rgb, bar, axis=1)
    rgb[:, ::bar] = np.where(rgb[:, ::bar] == 96, 96, 255)  # a white gap between bars
    return rgb


def feature_mosaic(maps, channels=None, max_tiles=16, columns=None, tile_size=112, gap=2):
    """`(H, W, C)` maps -> one 2-D image of tiles in [0, 1] (each channel scaled to its own range),
    NaN in the gaps between tiles. Big maps are subsampled to at most `tile_size` pixels a side."""
    height, width, count = maps.shape
    chosen = list(channel_range(channels, count, max_tiles))[:max_tiles]
    step = max(1, math.ceil(max(height, width) / tile_size))
    tiles = np.moveaxis(maps[::step, ::step, chosen], -1, 0)
    tiles = _normalize(tiles, axis=(1, 2))
    if max(height, width) < 48:  # tiny maps: enlarge so each pixel is visible
        tiles = _upscale(tiles, 48, axes=(1, 2))
    columns = columns or math.ceil(math.sqrt(len(chosen)))
    rows = math.ceil(len(chosen) / columns)
    th, tw = tiles.shape[1:]
    mosaic = np.full((rows * (th + gap) - gap, columns * (tw + gap) - gap), np.nan, "float32")
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        mosaic[r * (th + gap): r * (th + gap) + th, c * (tw + gap): c * (tw + gap) + tw] = tile
    return mosaic


def _normalize(array, axis=None):
    low = np.min(array, axis=axis, keepdims=True)
    span = np.max(array, axis=axis, keepdims=True) - low
    return (array - low) / np.where(span == 0, 1, span)


def _upscale(array, size, axes=(0, 1)):
    factor = max(1, size // max(array.shape[a] for a in axes))
    for a in axes:
        array = np.repeat(array, factor, axis=a)
    return array


def _colour(image, cmap):
    """Values in [0, 1] (NaN: white) -> RGB uint8 through a matplotlib colormap's lookup table."""
    from matplotlib import colormaps
    table = (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).astype("uint8")
    rgb = table[np.clip(np.nan_to_num(image) * 255, 0, 255).astype("uint8")]
    rgb[np.isnan(image)] = 255
    return rgb


def _png(rgb):
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
