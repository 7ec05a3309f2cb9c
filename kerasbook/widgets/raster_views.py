"""What rasters.js draws (ActivationExplorer, GraphView's panel): a `view` and its `levels`.

A view says what the front-end draws and how (its numbers, the colour bar's ticks, the axes' ticks);
the levels are the pixels, one byte each, already on the colour scale (`viz.activations.quantize`),
sent as a binary trait. The widget sends its colormap's 256 colours once (`colours`).
"""

from kerasbook.viz import activations, pictures


def colour_bar_ticks(low, high):
    """A colour bar's labels as `[[text, position 0..1]]`: its ends (the exact minimum and maximum)
    and round numbers between them (the same ticks `viz.pictures.colour_bar` draws)."""
    return [[activations.tick_text(value), position] for value, position in pictures.bar_ticks(low, high)]


def maps_view(array, page=0, per_page=16, per_channel=False, tile_size=96, max_side=activations.MAX_SIDE):
    """`(H, W, C)` feature maps: one page of channels as tiles about `tile_size` px a side.

    Returns `(view, levels)`: `levels` holds the page's maps one after the other, each `view["tile"]`
    (`[h, w]`, at most `max_side`) bytes; the view adds the tile zoom and the colour bar's ticks to
    `activations.maps_page`'s description (channels, scale, page).
    """
    described = activations.maps_page(array, page, per_page, per_channel, max_side)
    levels = described.pop("levels")
    ticks = [["0", 0.0], ["1", 1.0]] if per_channel else colour_bar_ticks(described["low"], described["high"])
    return dict(described, tile=list(levels.shape[1:]), zoom=activations.tile_zoom(*levels.shape[1:], tile_size),
                ticks=ticks), levels.tobytes()


def sequence_view(array):
    """`(T, F)`: a heat map, time steps down, units across, on its own scale. Returns `(view, levels)`."""
    levels, low, high = activations.sequence_levels(array)
    return {"low": low, "high": high, "ticks": colour_bar_ticks(low, high),
            "rows": array.shape[0], "columns": array.shape[1],
            "row_ticks": activations.index_ticks(array.shape[0], 8),
            "column_ticks": activations.index_ticks(array.shape[1], 8),
            "down": "time step", "across": "unit"}, levels.tobytes()


def attention_view(scores, head=0, token_labels=lambda length: None):
    """`(heads, Tq, Tv)` attention scores: head `head` as a query x key heat map, on one scale for
    all heads. `token_labels(length)`: the words along an axis of `length` positions, or None (the
    positions are shown). Returns `(view, levels)`."""
    described = activations.attention_page(scores, head)
    levels = described.pop("levels")
    return dict(described, ticks=colour_bar_ticks(described["low"], described["high"]),
                row_labels=token_labels(described["rows"]),
                column_labels=token_labels(described["columns"])), levels.tobytes()
