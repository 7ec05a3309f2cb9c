"""`model.summary()` as an HTML table: the same rows and totals as the text, for notebooks.

The rows come from `kerasbook.core.models.summary`, the module that prints the text table, so the
two never disagree. One table style serves every place a summary shows as HTML (a model's rich
display, `LiveSummary`): names left-aligned, parameter counts right-aligned, colours from
JupyterLab's theme variables so the dark theme stays readable. JupyterLab right-aligns every table
cell of an HTML output (`.jp-RenderedHTMLCommon td`), so the rules name the table element as well
(`table.kerasbook-summary td`) to win over it.

Untrusted notebooks (a fresh clone, GitHub) drop `<style>` but keep simple inline `style`
attributes, so the alignment and the monospace font are also written on the elements themselves.
"""

import html

from kerasbook.core.models import summary

STYLE = (
    "<style>"
    "table.kerasbook-summary{border-collapse:collapse;margin:4px 0;"
    "font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,12px);"
    "color:var(--jp-content-font-color1,inherit)}"
    "table.kerasbook-summary th{text-align:left;padding:4px 10px;font-weight:600;"
    "background:var(--jp-layout-color2,#eef1f4);color:var(--jp-ui-font-color1,#1f2933);"
    "border-bottom:2px solid var(--jp-border-color1,#9aa5b1)}"
    "table.kerasbook-summary td{text-align:left;padding:3px 10px;white-space:pre;vertical-align:top;"
    "border-bottom:1px solid var(--jp-border-color2,#dde3e8)}"
    "table.kerasbook-summary td.num,table.kerasbook-summary th.num{text-align:right}"
    "table.kerasbook-summary tr.kb-changed td{animation:kb-changed 2s ease-out}"
    "@keyframes kb-changed{from{background:var(--jp-warn-color3,#ffe9b3)}to{background:transparent}}"
    ".kerasbook-totals{font-family:var(--jp-code-font-family,monospace);"
    "font-size:var(--jp-code-font-size,12px);margin:4px 0 0 0}"
    "</style>")

PARAMS = 2  # the column of parameter counts, right-aligned as in the text table


def summary_rows(model, expand_nested=False, show_trainable=False):
    """`(header, rows, totals)`: the cells of the summary table and its total lines."""
    chain = summary._is_chain(model)
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    if show_trainable:
        header.append("Trainable")
    graph_nodes = {id(n) for n in getattr(model, "_nodes", [])}
    rows = []
    for layer in model.layers:
        summary._collect_rows(layer, 0, rows, chain, graph_nodes, expand_nested, show_trainable)
    return header, rows, [line.strip() for line in summary._totals(model)]


def cell_html(text, column, tag="td"):
    """One cell, aligned as the text table aligns its column."""
    if column == PARAMS:
        return f'<{tag} class=num style="text-align:right">{html.escape(str(text))}</{tag}>'
    return f'<{tag} style="text-align:left;white-space:pre">{html.escape(str(text))}</{tag}>'


TABLE = '<table class="kerasbook-summary" style="font-family:monospace;border-collapse:collapse">'


def table_html(header, rows, changed=()):
    """`<table>` of a header and rows of cells; rows whose index is in `changed` carry `kb-changed`
    (a CSS animation flashes them)."""
    head = "".join(cell_html(h, i, "th") for i, h in enumerate(header))
    body = "".join(
        ('<tr class="kb-changed">' if r in changed else "<tr>")
        + "".join(cell_html(cell, i) for i, cell in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows))
    return f"{TABLE}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def summary_html(model, expand_nested=False, show_trainable=False, changed=()):
    """The summary as `<table>` HTML (with the stylesheet), headed by the model's name."""
    header, rows, totals = summary_rows(model, expand_nested, show_trainable)
    return summary_parts_html(model.name, header, rows, totals, changed)


def summary_parts_html(name, header, rows, totals, changed=()):
    """The summary from its parts (see `summary_rows`), for a caller that also keeps the rows."""
    lines = "<br>".join(html.escape(t) for t in totals)
    return (f'{STYLE}<div class="kerasbook-model"><b>Model: "{html.escape(name)}"</b>'
            f'{table_html(header, rows, changed)}<p class="kerasbook-totals" style="font-family:monospace">{lines}</p></div>')
