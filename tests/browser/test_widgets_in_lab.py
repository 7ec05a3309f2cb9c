"""Open a notebook in JupyterLab, run it in the browser, and look for what kerasbook shows."""

import re
import urllib.parse

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext kerasbook",
    "inputs = keras.Input(shape=(8, 8, 1))\n"
    "x = layers.Conv2D(4, 3, activation='relu', name='conv')(inputs)\n"
    "x = layers.Reshape((144,))(x)\n"
    "shared = layers.Dense(16, activation='relu', name='shared')\n"
    "a, b = shared(x), shared(layers.Dense(144)(x))\n"
    "model = keras.Model(inputs, layers.Dense(3)(layers.concatenate([a, b])))",
    "from kerasbook.widgets import LiveSummary\nLiveSummary(model)",
    "keras.viz.node_graph(model)",
    "from kerasbook.widgets import ActivationExplorer\n"
    "ActivationExplorer(model, np.random.default_rng(0).random((1, 8, 8, 1)).astype('float32'))",
    "shared.trainable = False  # the summary above redraws itself",
    "from kerasbook.widgets import observer_count\n"
    "runs = globals().get('runs', 0) + 1\n"
    "print(f'run {runs}: {observer_count(model)} observers')",
]
SUMMARY_CELL, EXPLORER_CELL, COUNT_CELL = 2, 4, 6


def run_cell(page, index):
    """Run one cell, as clicking it and pressing Ctrl+Enter does."""
    page.evaluate("async (i) => { const notebook = window.jupyterapp.shell.currentWidget.content;"
                  " notebook.activeCellIndex = i;"
                  " await window.jupyterapp.commands.execute('notebook:run-cell'); }", index)


def observers_after_run(page, run):
    text = page.wait_for_selector(f".jp-OutputArea-output:has-text('run {run}:')", timeout=60_000)
    return int(re.search(r"(\d+) observers", text.inner_text()).group(1))


def test_summary_node_graph_and_activation_render(lab, page):
    name = lab.write_notebook("widgets.ipynb", CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    try:
        summary = page.wait_for_selector(".jp-OutputArea-output table", timeout=120_000)
        assert "shared (Dense)" in summary.inner_text()
        # The widget followed the later cell that froze `shared`, without being run again.
        page.wait_for_selector(".jp-OutputArea-output:has-text('Non-trainable params: 2,320')",
                               timeout=60_000)
        summary.scroll_into_view_if_needed()
        screenshot(page, "summary-table-in-jupyterlab")
        # JupyterLab shows image/svg+xml output as an <img> with the SVG in its data URL.
        graph = page.wait_for_selector(".jp-RenderedSVG img", timeout=60_000)
        svg = urllib.parse.unquote(graph.get_attribute("src"))
        assert "shared" in svg and "[node 1]" in svg  # the shared layer's second call has its own box
        # The drawing is taller than the notebook panel, which scrolls inside the page: a taller
        # window shows it whole.
        page.set_viewport_size({"width": 1400, "height": 2400})
        graph.scroll_into_view_if_needed()
        screenshot(graph, "node-graph-in-jupyterlab")
        page.set_viewport_size({"width": 1400, "height": 1000})
        # The explorer draws its tiles on canvases (tests/browser/test_activation_explorer_in_lab.py).
        # A locator, not an element handle: the explorer redraws its tiles when `shared` is frozen.
        tile = page.locator(".jp-OutputArea-output .kb-explorer .kb-tile canvas").first
        tile.wait_for(timeout=120_000)
        assert tile.evaluate("c => c.width") >= 64
        tile.scroll_into_view_if_needed()

        # Re-running the widgets' cells replaces the old widgets: the model has as many observers.
        # (During Run All the widgets' "view opened" messages wait behind the queued cells, so a
        # change made then finds them unseen and they stop observing until those messages come:
        # run 1's count may be lower. Counted again once the views are open.)
        # On a busy machine a view may open later still: counted until two counts agree.
        first, run = observers_after_run(page, 1), 1
        while True:
            run += 1
            run_cell(page, COUNT_CELL)
            count = observers_after_run(page, run)
            if count == first or run == 6:
                break
            first = count
        for index in (SUMMARY_CELL, EXPLORER_CELL, COUNT_CELL):
            run_cell(page, index)
        assert first > 0 and observers_after_run(page, run + 1) == first
        assert page.locator(".jp-OutputArea-output table.kerasbook-summary").count() == 1
    finally:
        screenshot(page, "widgets-in-jupyterlab")
