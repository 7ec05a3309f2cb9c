"""Activation pictures as RGB arrays, drawn with NumPy and Pillow at the size they are shown.

These are the pictures for places without a front-end (a widget's text/html fallback, GraphView's
side panel, a script): the same tiles, scales and labels the ActivationExplorer's canvas front-end
draws. Enlargement is by whole numbers of pixels (`np.repeat`), so map pixels stay crisp squares;
text comes from Pillow's built-in font, so nothing depends on fonts installed on the machine.

Every function takes quantized levels (uint8 0..255, see `activations.quantize`) and returns an
`(height, width, 3)` uint8 array; `png()` encodes one.
"""

import io
import math

import numpy as np

from kerasbook.viz import activations

INK = (31, 41, 51)  # text and axes
MUTED = (97, 110, 124)
PAPER = (255, 255, 255)
BAR_UP, BAR_DOWN = (30, 136, 229), (251, 140, 0)
GAP = 6  # px between tiles
_FONT = {}


def font(size=11):
    if size not in _FONT:
        from PIL import ImageFont
        _FONT[size] = ImageFont.load_default(size=size)
    return _FONT[size]


def png(rgb):
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _canvas(width, height):
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (int(width), int(height)), PAPER)
    return image, ImageDraw.Draw(image)


def _text_width(text, size=11):
    return int(math.ceil(font(size).getlength(text)))


def enlarge(levels, zoom):
    """Levels `(h, w[, 3])` shown `zoom` times bigger: whole numbers repeat pixels (crisp squares);
    a zoom below 1 reduces the map with Pillow's box filter (an average, not a blur)."""
    if zoom >= 1:
        zoom = int(zoom)
        return np.repeat(np.repeat(levels, zoom, axis=0), zoom, axis=1)
    from PIL import Image
    h, w = levels.shape[:2]
    size = (max(1, round(w * zoom)), max(1, round(h * zoom)))
    return np.asarray(Image.fromarray(levels).resize(size, Image.Resampling.BOX))


def colour_bar(low, high, cmap, width=256, label=None):
    """A horizontal colour bar `width` px long, ticks on round numbers, `label` under it."""
    table = activations.colour_table(cmap)
    image, draw = _canvas(max(width + 40, _text_width(label) + 24 if label else 0), 46 if label else 32)
    strip = table[np.linspace(0, 255, width).round().astype(int)]
    image.paste(_image(np.repeat(strip[None], 12, axis=0)), (20, 2))
    draw.rectangle((19, 1, 20 + width, 14), outline=MUTED)
    for value, position in bar_ticks(low, high):
        x = round(position * (width - 1))
        draw.line((20 + x, 14, 20 + x, 18), fill=INK)
        text = activations.tick_text(value)
        # The ends' labels start (or end) at their tick, so they stay inside the picture.
        shift = 0 if position == 0 else _text_width(text) if position == 1 else _text_width(text) / 2
        draw.text((20 + x - shift, 19), text, fill=INK, font=font())
    if label:
        draw.text((20, 32), label, fill=MUTED, font=font())
    return np.asarray(image)


def bar_ticks(low, high, margin=0.25):
    """`[(value, position 0..1)]` for a colour bar: its two ends (the exact minimum and maximum) and
    the round numbers between them that keep `margin` (a fraction of the bar) from the ends."""
    if not high > low:
        return [(low, 0.0)]
    inner = [(t, (t - low) / (high - low)) for t in activations.nice_ticks(low, high)]
    inner = [(t, f) for t, f in inner if margin <= f <= 1 - margin]
    return [(low, 0.0)] + inner + [(high, 1.0)]


def _image(array):
    from PIL import Image
    return Image.fromarray(np.ascontiguousarray(array))


def maps(page, cmap="viridis", tile_size=96, columns=None):
    """A page of feature maps (`activations.maps_page`): a grid of tiles, each titled with its channel
    number, under one colour bar (or, per channel, each title with its tile's own range)."""
    table = activations.colour_table(cmap)
    levels = page["levels"]
    zoom = activations.tile_zoom(*levels.shape[1:], tile_size)
    tiles = [table[enlarge(tile, zoom)] if zoom >= 1 else enlarge(table[tile], zoom) for tile in levels]
    th, tw = tiles[0].shape[:2]
    columns = columns or max(1, min(len(tiles), math.ceil(math.sqrt(len(tiles))), max(1, 900 // (tw + GAP))))
    rows = math.ceil(len(tiles) / columns)
    title_h = 15
    width = max(columns * (tw + GAP) - GAP, 300)
    image, draw = _canvas(width, rows * (th + title_h + GAP))
    for i, (tile, channel) in enumerate(zip(tiles, page["channels"])):
        r, c = divmod(i, columns)
        x, y = c * (tw + GAP), r * (th + title_h + GAP)
        title = f"ch {channel}"
        if page["per_channel"]:
            lo, hi = page["ranges"][i]
            title += f"  {activations.tick_text(lo)}..{activations.tick_text(hi)}"
        draw.text((x, y + 1), title, fill=INK, font=font())
        image.paste(_image(tile), (x, y + title_h))
    grid = np.asarray(image)
    if page["per_channel"]:
        bar = colour_bar(0, 1, cmap, label="each tile from its own minimum (0) to its maximum (1)")
    else:
        bar = colour_bar(page["low"], page["high"], cmap,
                         label=f"one scale for all {page['count']} channels")
    return stack([bar, grid])


def heatmap(levels, low, high, cmap="viridis", across="unit", down="time step", width=512, label="activation"):
    """A `(rows, columns)` heat map on axes (`down` and `across` labelled, with tick numbers) and its
    colour bar: cells are whole pixels, as big as fits `width` (at most 24 px)."""
    rows, columns = levels.shape
    cell_w = max(1, min(24, width // columns))
    cell_h = max(1, min(24, max(cell_w, 240 // rows)))
    body = activations.colour_table(cmap)[np.repeat(np.repeat(levels, cell_h, 0), cell_w, 1)]
    left, top = 44, 18
    h, w = body.shape[:2]
    image, draw = _canvas(left + w + 10, top + h + 36)
    image.paste(_image(body), (left, top))
    for t in activations.index_ticks(rows, 6):
        y = top + int((int(t) + 0.5) * cell_h)
        draw.line((left - 4, y, left - 1, y), fill=INK)
        draw.text((left - 6 - _text_width(str(int(t))), y - 6), str(int(t)), fill=INK, font=font())
    for t in activations.index_ticks(columns, 8):
        x = left + int((int(t) + 0.5) * cell_w)
        draw.line((x, top + h, x, top + h + 3), fill=INK)
        draw.text((x - _text_width(str(int(t))) / 2, top + h + 4), str(int(t)), fill=INK, font=font())
    draw.text((left, top + h + 20), f"{across} ->", fill=MUTED, font=font())
    draw.text((2, 2), f"{down} (down)", fill=MUTED, font=font())
    return stack([colour_bar(low, high, cmap, label=label), np.asarray(image)])


def attention(page, cmap="viridis", row_labels=None, column_labels=None, width=420):
    """Attention scores of one head (`activations.attention_page`): queries down, keys across, square
    cells as big as fit `width` (8 to 32 px), each axis labelled with its tokens (or positions), under
    a colour bar of the scores' scale and a line naming the head."""
    levels, rows, columns = page["levels"], page["rows"], page["columns"]
    cell = max(8, min(32, width // max(rows, columns)))
    body = activations.colour_table(cmap)[np.repeat(np.repeat(levels, cell, 0), cell, 1)]
    rows_text = row_labels or [str(i) for i in range(rows)]
    columns_text = column_labels or [str(i) for i in range(columns)]
    row_ticks = range(rows) if row_labels or rows <= 24 else activations.index_ticks(rows, 8)
    column_ticks = range(columns) if column_labels or columns <= 24 else activations.index_ticks(columns, 8)
    left = max(_text_width(rows_text[i]) for i in row_ticks) + 10
    under = max(_text_width(columns_text[i]) for i in column_ticks) + 8
    image, draw = _canvas(max(left + body.shape[1] + 10, 240), 36 + body.shape[0] + under + 18)
    top = 36
    draw.text((2, 2), f"head {page['head']} of {page['heads']}", fill=INK, font=font(12))
    draw.text((left, 20), "key ->", fill=MUTED, font=font())
    image.paste(_image(body), (left, top))
    for i in row_ticks:  # query labels, right-aligned to the map, centred on their row
        text = rows_text[i]
        draw.text((left - 6 - _text_width(text), top + int((i + 0.5) * cell) - 6), text, fill=INK, font=font())
    for i in column_ticks:  # key labels, written downwards under their column
        label = _rotated_text(columns_text[i])
        x = left + int((i + 0.5) * cell) - label.size[0] // 2
        image.paste(label, (x, top + body.shape[0] + 4))
    draw.text((2, top + body.shape[0] + under + 2), "query (down)", fill=MUTED, font=font())
    bar = colour_bar(page["low"], page["high"], cmap, width=200, label="attention score (one scale for all heads)")
    return stack([bar, np.asarray(image)])


def _rotated_text(text, size=11):
    """`text` drawn on its own small image turned a quarter (read from top to bottom), for column labels."""
    from PIL import Image, ImageDraw
    label = Image.new("RGB", (_text_width(text, size) + 2, size + 4), PAPER)
    ImageDraw.Draw(label).text((1, 0), text, fill=INK, font=font(size))
    return label.rotate(-90, expand=True)


def bars(values, labels=None, width=560, height=200, top=None):
    """A bar chart of `(N,)` values on axes: value ticks on the left, unit numbers (or `labels`) below,
    a zero line; `top` (`activations.top_classes`) lists the best classes beside it."""
    values = np.asarray(values, "float32").reshape(-1)
    n = values.size
    left, bottom, pad = 52, 34, 8
    plot_w, plot_h = width - left - pad, height - bottom - pad
    low, high, ticks = activations.bar_axis(values)

    def y_of(v):
        return pad + (high - v) / (high - low) * plot_h

    image, draw = _canvas(width, height)
    for t in ticks:
        y = round(y_of(t))
        draw.line((left - 4, y, left - 1, y), fill=INK)
        text = activations.tick_text(t)
        draw.text((left - 6 - _text_width(text), y - 6), text, fill=INK, font=font())
    step = plot_w / n
    for i, v in enumerate(values):
        x0, x1 = left + i * step, left + (i + 1) * step - (1 if step >= 3 else 0)
        y0, y1 = sorted((y_of(0.0), y_of(float(v))))
        draw.rectangle((x0, y0, max(x0, x1 - 1), y1), fill=BAR_UP if v >= 0 else BAR_DOWN)
    draw.line((left, pad, left, pad + plot_h), fill=INK)
    draw.line((left, round(y_of(0.0)), left + plot_w, round(y_of(0.0))), fill=MUTED)
    for i, text in unit_ticks(n, labels):
        x = left + (i + 0.5) * step
        draw.line((x, pad + plot_h, x, pad + plot_h + 3), fill=INK)
        draw.text((x - _text_width(text) / 2, pad + plot_h + 4), text, fill=INK, font=font())
    draw.text((left, height - 13), "unit", fill=MUTED, font=font())
    picture = np.asarray(image)
    return beside([picture, top_list(top)]) if top else picture


def unit_ticks(n, labels=None):
    """`[(unit, label)]` for a bar chart's axis: every unit up to 20 (its label if given), else round
    unit numbers."""
    if n <= 20:
        return [(i, str(labels[i]) if labels is not None else str(i)) for i in range(n)]
    return [(t, str(t)) for t in activations.index_ticks(n, 8)]


def top_list(top):
    """The best classes, one line each: `281 tabby: 0.53`."""
    lines = [f"{unit} {name or ''}".rstrip() + f": {score:.3g}" for unit, name, score in top]
    image, draw = _canvas(max(_text_width(line) for line in lines) + 16, 18 * len(lines) + 24)
    draw.text((4, 2), f"top {len(lines)}", fill=MUTED, font=font())
    for i, line in enumerate(lines):
        draw.text((4, 22 + 18 * i), line, fill=INK, font=font(12))
    return np.asarray(image)


def input_image(picture, cmap="viridis", size=160):
    """The model's input (`activations.input_picture`) enlarged by a whole number to about `size` px."""
    levels = picture["levels"]
    zoom = activations.tile_zoom(*levels.shape[:2], size)
    if picture["kind"] == "image":
        return enlarge(levels, zoom)
    return heatmap(levels, picture["low"], picture["high"], cmap, across="column", down="row", width=size,
                   label="input value")


def stack(pictures, gap=GAP):
    """Pictures one under the other, left-aligned, on white."""
    width = max(p.shape[1] for p in pictures)
    out = np.full((sum(p.shape[0] for p in pictures) + gap * (len(pictures) - 1), width, 3), 255, "uint8")
    y = 0
    for p in pictures:
        out[y:y + p.shape[0], :p.shape[1]] = p
        y += p.shape[0] + gap
    return out


def beside(pictures, gap=16):
    """Pictures side by side, top-aligned, on white."""
    height = max(p.shape[0] for p in pictures)
    out = np.full((height, sum(p.shape[1] for p in pictures) + gap * (len(pictures) - 1), 3), 255, "uint8")
    x = 0
    for p in pictures:
        out[:p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    return out


def captioned(picture, caption):
    """A picture with a line of text above it."""
    image, draw = _canvas(max(picture.shape[1], _text_width(caption) + 8), 18)
    draw.text((0, 2), caption, fill=MUTED, font=font())
    return stack([np.asarray(image), picture], gap=2)
