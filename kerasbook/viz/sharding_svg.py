"""The picture of a `viz.sharding.Layout`: one SVG of where a model's weights lie on the devices.

`layout_svg(layout)` draws, from top to bottom:

- what the mesh is, how the batch is split, how many bytes the fullest device holds, and the
  LayoutMap keys that placed nothing;
- the mesh as a grid of devices, axis names and sizes on its edges; each device a bar of what it
  holds against a copy of every weight, one segment per piece, coloured by layer (the legend);
- one row per variable: a thumbnail of its pieces (each part labelled with the devices holding it,
  as `jax.debug.visualize_array_sharding` does), its shape, layout, piece and bytes per device, and
  what placed it; rows that do not lie as a learner would expect are marked in the warning colour.

Every label is monospace, so its width is known before it is drawn, and the SVG is drawn at its own
size (sharp at any zoom). Colours are the widget theme's CSS variables (`--kb-fg`, ...) with fallbacks
for an SVG seen outside a widget (an `<img>` in an untrusted notebook). Parts that belong to a
variable carry `data-var="<index>"`, device cells `data-device="<id>"`: the widget's front-end uses
them to light up a variable and list a device's pieces.
"""

import html

import numpy as np

from kerasbook.core.models.summary import readable_size
from kerasbook.viz.sharding import (PALETTE, batch_text, mesh_text, misplaced, spec_text, status_text,
                                    totals_text, unmatched, unused_text)


FONT = 12  # px: every label; monospace, so a label's width is known before it is drawn
CHAR = 0.6 * FONT  # the width of one character of a monospace font
CELL_H = 64  # one device of the mesh grid; its width: CELL_W, or NARROW_W in a row of many
CELL_W, NARROW_W = 132, 124
THUMB_W, THUMB_H = 104, 28  # a variable's pieces
ROW_H = 40  # one variable: a line of facts, a line saying what placed it (the thumbnail beside both)

STYLE = """<style>
.kb-sv text{font-family:var(--kb-mono,ui-monospace,monospace);font-size:12px;fill:var(--kb-fg,#1f2933)}
.kb-sv .kb-sv-muted{fill:var(--kb-fg-muted,#616e7c)}
.kb-sv .kb-sv-warn{fill:var(--kb-warn,#c25e00);font-weight:600}
.kb-sv .kb-sv-title{font-weight:600}
.kb-sv .kb-sv-bg{fill:var(--kb-bg,#ffffff)}
.kb-sv .kb-sv-cell{fill:var(--kb-bg-alt,#eef1f4);stroke:var(--kb-border,#c5ccd3)}
.kb-sv .kb-sv-track{fill:var(--kb-bg,#ffffff);stroke:var(--kb-border,#c5ccd3)}
.kb-sv .kb-sv-rule{stroke:var(--kb-border,#c5ccd3)}
.kb-sv .kb-sv-part{stroke:var(--kb-bg,#ffffff);stroke-width:1}
.kb-sv .kb-sv-unmatched{fill:none;stroke:var(--kb-warn,#c25e00);stroke-width:2;stroke-dasharray:4 2}
</style>"""


def _text(x, y, text, cls="", anchor="start", extra=""):
    klass = f' class="{cls}"' if cls else ""
    middle = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{klass}{middle}{extra}>{html.escape(str(text))}</text>'


def _width(text):
    return len(str(text)) * CHAR


def layout_svg(layout):
    """The whole picture as one SVG document (a string): title, mesh grid, legend, variable table."""
    parts, y = [], 20
    parts.append(_text(10, y, mesh_text(layout), "kb-sv-title"))
    y += 18
    parts.append(_text(10, y, batch_text(layout), "kb-sv-muted"))
    y += 18
    parts.append(_text(10, y, totals_text(layout), "kb-sv-muted"))
    if layout.unused_keys:
        y += 18
        parts.append(_text(10, y, "\u26a0 " + unused_text(layout), "kb-sv-warn"))
    grid, grid_w, y = _grid(layout, y + 22)
    parts.append(grid)
    legend, legend_w, y = _legend(layout, y + 8)
    parts.append(legend)
    table, table_w, y = _table(layout, y + 14)
    parts.append(table)
    width = int(max([grid_w, legend_w, table_w] + [_width(text(layout)) + 20 for text in
                                                  (mesh_text, batch_text, totals_text, unused_text)]))
    height = int(y + 10)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="kb-sv" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(mesh_text(layout))}">'
            f'{STYLE}<rect class="kb-sv-bg" width="100%" height="100%"/>{"".join(parts)}</svg>')


def _grid(layout, top):
    """The mesh: one cell per device, the first axis down the side, the others along the top (a
    one-axis mesh of more than 4 devices wraps into rows of 4, each row labelled with its indices)."""
    rows, cols = layout.device_ids.shape
    wrapped = len(layout.axis_names) == 1 and rows > 1
    left = 10 + (24 if len(layout.axis_names) > 1 else 0) + 40
    parts = []
    across = layout.axis_names[1:] or layout.axis_names
    sizes = layout.axis_sizes[1:] or layout.axis_sizes
    cell_w = _cell_width(layout)
    parts.append(_text(left, top, " x ".join(f"{n} ({s})" for n, s in zip(across, sizes)) + " \u2192",
                       "kb-sv-muted"))
    top += 16
    for c in range(0 if wrapped else cols):
        parts.append(_text(left + c * cell_w + cell_w / 2, top, _column_label(layout, c), "kb-sv-muted",
                           "middle"))
    top += 6
    if len(layout.axis_names) > 1:
        x, y = 22, top + rows * CELL_H / 2
        parts.append(_text(x, y, f"{layout.axis_names[0]} ({layout.axis_sizes[0]}) \u2192", "kb-sv-muted",
                           "middle", f' transform="rotate(90 {x} {y})"'))
    if len(layout.axis_names) > 1 or wrapped:
        for r in range(rows):
            label = f"{r * cols}-{r * cols + cols - 1}" if wrapped else r
            parts.append(_text(left - 8, top + r * CELL_H + CELL_H / 2 + 4, label, "kb-sv-muted", "end"))
    everything = sum(v.nbytes for v in layout.variables) or 1  # a full bar: a copy of every weight
    for r in range(rows):
        for c in range(cols):
            device = int(layout.device_ids[r, c])
            x, y = left + c * cell_w, top + r * CELL_H
            parts.append(_device_cell(layout, device, x, y, cell_w, everything))
    return "".join(parts), left + cols * cell_w + 10, top + rows * CELL_H


def _column_label(layout, column):
    """A column's index along the axes drawn across (one number per axis: `2` or `1,0`)."""
    sizes = layout.axis_sizes[1:] or layout.axis_sizes
    return ",".join(str(i) for i in np.unravel_index(column, sizes))


def _cell_width(layout):
    """Narrower cells when a row holds many devices, so that 8 in a row fit a notebook's width."""
    return CELL_W if layout.device_ids.shape[1] <= 6 else NARROW_W


def _device_cell(layout, device, x, y, cell_w, total):
    """A device: its id, a bar of what it holds (one segment per piece, as long as its bytes; the
    whole bar is `total`, a copy of every weight), and its bytes with their share of `total`."""
    w, h = cell_w - 6, CELL_H - 6
    held = layout.bytes_on(device)
    parts = [f'<g class="kb-sv-device" data-device="{device}">',
             f'<rect class="kb-sv-cell" x="{x}" y="{y}" width="{w}" height="{h}" rx="3"/>',
             _text(x + 6, y + 16, f"device {device}", "kb-sv-title"),
             _text(x + 6, y + h - 8, f"{readable_size(held)}, {100 * held / total:.0f}%")]
    bar_x, bar_y, bar_w = x + 6, y + 24, w - 12
    parts.append(f'<rect class="kb-sv-track" x="{bar_x}" y="{bar_y}" width="{bar_w}" height="12"/>')
    for index, piece in layout.held_by(device):
        size = bar_w * piece.nbytes / total
        variable = layout.variables[index]
        parts.append(f'<rect class="kb-sv-seg" data-var="{index}" x="{bar_x:.2f}" y="{bar_y}" '
                     f'width="{size:.2f}" height="12" fill="{layout.colour(variable)}">'
                     f"<title>{html.escape(variable.path + piece.index)}: "
                     f"{readable_size(piece.nbytes)}</title></rect>")
        bar_x += size
    parts.append("</g>")
    return "".join(parts)


LEGEND = "colour = layer:"
BAR_KEY = "Each bar: what the device holds; a full bar is a copy of every weight (the % under it)."


def _legend(layout, top):
    """What a bar means, then colour = layer: a swatch and the layer's name, in rows that fit."""
    parts = [_text(10, top + 12, BAR_KEY, "kb-sv-muted"), _text(10, top + 30, LEGEND, "kb-sv-muted")]
    start = 10 + _width(LEGEND + " ")
    x, y = start, top + 18
    limit = 10 + max(700, layout.device_ids.shape[1] * _cell_width(layout), _width(BAR_KEY))
    for index, name in enumerate(layout.layers()):
        w = 16 + _width(name) + 16
        if x + w > limit:
            x, y = start, y + 18
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y + 12, name))
        x += w
    return "".join(parts), limit, y + 18


# The variable table's columns: header, the text of a cell, and whether it is right-aligned.
COLUMNS = (("variable", lambda v, layout: v.path, False),
           ("shape", lambda v, layout: str(v.shape), False),
           ("layout", lambda v, layout: spec_text(v.spec), False),
           ("piece", lambda v, layout: str(v.piece_shape), False),
           ("bytes/device", lambda v, layout: readable_size(v.bytes_per_device), True))


def _table(layout, top):
    """One row per variable: its colour, a thumbnail of its pieces (each part labelled with the
    devices holding it), the facts on the first line, what placed it on the second."""
    widths = [max([_width(h)] + [_width(cell(v, layout)) for v in layout.variables]) + 16
              for h, cell, _ in COLUMNS]
    thumb_x = 30
    xs = list(np.cumsum([thumb_x + THUMB_W + 14] + widths))
    parts = [_text(thumb_x, top, "on devices", "kb-sv-title")]
    for (header, _, right), x, w in zip(COLUMNS, xs, widths):
        anchor = "end" if right else "start"
        parts.append(_text(x + w - 16 if right else x, top, header, "kb-sv-title", anchor))
    width = xs[-1] + 10
    parts.append(f'<line class="kb-sv-rule" x1="10" x2="{width - 10}" y1="{top + 6}" y2="{top + 6}"/>')
    y = top + 10
    for index, variable in enumerate(layout.variables):
        row, row_w = _variable_row(layout, index, variable, xs, widths, thumb_x, y)
        parts.append(row)
        width = max(width, row_w)
        y += ROW_H
    return "".join(parts), width, y


def _variable_row(layout, index, variable, xs, widths, thumb_x, y):
    status = status_text(variable, layout)
    warn = unmatched(variable, layout) or misplaced(variable, layout) or bool(variable.several)
    parts = [f'<g class="kb-sv-var{" kb-sv-warned" if warn else ""}" data-var="{index}">',
             f'<rect class="kb-sv-hit" x="10" y="{y}" width="{xs[-1] - 10}" height="{ROW_H}" '
             'fill-opacity="0"/>',
             f'<rect x="12" y="{y + 6}" width="12" height="12" fill="{layout.colour(variable)}"/>',
             _thumbnail(layout, variable, thumb_x, y + 4)]
    for (_, cell, right), x, w in zip(COLUMNS, xs, widths):
        text = cell(variable, layout)
        parts.append(_text(x + w - 16 if right else x, y + 16, text, "", "end" if right else "start"))
    mark = "\u26a0 " if warn else ""
    parts.append(_text(xs[0], y + 32, mark + status, "kb-sv-warn" if warn else "kb-sv-muted"))
    parts.append("</g>")
    return "".join(parts), xs[0] + _width(mark + status) + 10


def _thumbnail(layout, variable, x, y):
    """The variable as a rectangle cut into its pieces, as jax.debug.visualize_array_sharding draws
    it: the last dimension across, the one before it down; each part names its devices."""
    parts_by_index = {}
    for piece in variable.pieces:
        parts_by_index.setdefault(piece.index, []).append(piece.device)
    spans = [_spans(index, variable.shape) for index in parts_by_index]
    colour = layout.colour(variable)
    out = []
    for (rows, cols), devices in zip(spans, parts_by_index.values()):
        px, pw = x + cols[0] * THUMB_W, (cols[1] - cols[0]) * THUMB_W
        py, ph = y + rows[0] * THUMB_H, (rows[1] - rows[0]) * THUMB_H
        out.append(f'<rect class="kb-sv-part" x="{px:.1f}" y="{py:.1f}" width="{pw:.1f}" height="{ph:.1f}" '
                   f'fill="{colour}" fill-opacity="0.35"/>')
        label = ",".join(map(str, devices)) if len(devices) < len(layout.devices) else "all"
        if _width(label) * 0.85 < pw - 2 and ph >= 11:
            out.append(_text(px + pw / 2, py + ph / 2 + 4, label, "", "middle", ' style="font-size:10px"'))
    if unmatched(layout=layout, variable=variable):
        out.append(f'<rect class="kb-sv-unmatched" x="{x}" y="{y}" width="{THUMB_W}" height="{THUMB_H}"/>')
    return "".join(out)


def _spans(index_text_, shape):
    """`[:, 8:16]` of shape (16, 32) -> ((0, 1), (0.25, 0.5)): the part's rows and columns as
    fractions of the thumbnail (the last dimension across, the one before it down)."""
    inside = index_text_.strip("[]")
    items = [s.strip() for s in inside.split(",")] if inside else []
    fractions = []
    for item, size in zip(items, shape):
        if item == ":" or size == 0:
            fractions.append((0.0, 1.0))
        else:
            start, stop = (int(n) for n in item.split(":"))
            fractions.append((start / size, stop / size))
    cols = fractions[-1] if fractions else (0.0, 1.0)
    rows = fractions[-2] if len(fractions) > 1 else (0.0, 1.0)
    return rows, cols
