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


def activation_image(array, dpi=80, **kwargs):
    """`plot_activation(array, **kwargs)` as PNG bytes."""
    return figure_png(plot_activation(array, **kwargs), dpi=dpi)
