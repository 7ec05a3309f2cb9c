"""`model.summary()` as an HTML table: the same rows and totals as the text, for notebooks.

The rows come from `kerasbook.core.models.summary`, the module that prints the text table, so the
two never disagree.
"""

import html

from kerasbook.core.models import summary

STYLE = ("<style>.kerasbook-summary{border-collapse:collapse;font-family:monospace;font-size:12px}"
         ".kerasbook-summary th{background:#263238;color:#fff;padding:4px 10px;text-align:left}"
         ".kerasbook-summary td{border-bottom:1px solid #cfd8dc;padding:3px 10px;white-space:pre}"
         ".kerasbook-summary td.num{text-align:right}"
         ".kerasbook-totals{font-family:monospace;font-size:12px;margin:4px 0 0 0}</style>")


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


def summary_html(model, expand_nested=False, show_trainable=False):
    """The summary as `<table>` HTML (with a small stylesheet), headed by the model's name."""
    header, rows, totals = summary_rows(model, expand_nested, show_trainable)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i == 2 else ""}>{html.escape(str(cell))}</td>'
                         for i, cell in enumerate(row)) + "</tr>" for row in rows)
    lines = "<br>".join(html.escape(t) for t in totals)
    return (f'{STYLE}<div class="kerasbook-model"><b>Model: "{html.escape(model.name)}"</b>'
            f'<table class="kerasbook-summary"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            f'</table><p class="kerasbook-totals">{lines}</p></div>')
