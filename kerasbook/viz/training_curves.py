"""Training curves as a PNG: what a TrainingMonitor shows where its live front-end cannot run.

One panel per quantity (the loss, then each metric): the training value of each epoch (solid, with
dots), the validation value (dashed), the points during epochs faint behind them, a dotted line
where each fit began, and whole-number epoch ticks. Drawn at 1.5 times the size it is shown
at, so that it stays sharp on high-density screens and is never enlarged.
"""

import io

import numpy as np

PANEL_INCHES = (3.4, 2.4)
COLUMNS = 3
DPI, SHOWN_DPI = 150, 100  # drawn at 150 dots per inch, shown at 100 px per inch: 1.5x


def curves_png(quantities, epoch_series, batch_series, fit_starts=(), log_scale=False):
    """PNG bytes and the width (CSS pixels) to show them at. Series map a log name to `[x, value]`
    pairs, x in epochs (as `TrainingView` holds them)."""
    quantities = list(quantities) or ["loss"]
    columns = min(len(quantities), COLUMNS)
    rows = -(-len(quantities) // columns)
    from matplotlib.figure import Figure  # not pyplot's: nothing leaks into a notebook's plots
    figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    for ax, name in zip(axes, quantities):
        _panel(ax, name, epoch_series, batch_series, fit_starts, log_scale)
    for ax in axes[len(quantities):]:
        ax.set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue(), int(PANEL_INCHES[0] * columns * SHOWN_DPI)


def _panel(ax, name, epoch_series, batch_series, fit_starts, log_scale):
    from matplotlib.ticker import MaxNLocator
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("epoch", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    x_end = max([1.0] + [p[0] for s in list(epoch_series.values()) + list(batch_series.values()) for p in s])
    ax.set_xlim(0, x_end)
    for start in list(fit_starts)[1:]:
        ax.axvline(start, color="0.6", linestyle=":", linewidth=1)
    _plot(ax, batch_series.get(name), "-", color="C0", alpha=0.3, linewidth=1)
    _plot(ax, epoch_series.get(name), "-o", color="C0", markersize=3, label="training")
    _plot(ax, epoch_series.get("val_" + name), "--s", color="C1", markersize=3, label="validation")
    if log_scale and _all_positive(ax):
        ax.set_yscale("log")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def _plot(ax, points, style, **options):
    points = [p for p in points or [] if p[1] is not None]
    if points:
        x, y = zip(*points)
        ax.plot(x, y, style, **options)


def _all_positive(ax):
    return all(line.get_ydata().size and min(line.get_ydata()) > 0 for line in ax.get_lines()
               if line.get_linestyle() != ":")
