"""Open a notebook in JupyterLab, run it in the browser, and look for what kerasbook shows."""

import urllib.parse

import pytest

from conftest import screenshot

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
]


def run_all(page):
    """JupyterLab's own command, as the Run menu's "Run All Cells" calls it."""
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands.isEnabled('notebook:run-all-cells')",
                           timeout=60_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def test_summary_node_graph_and_activation_render(lab, page):
    name = lab.write_notebook("widgets.ipynb", CELLS)
    page.goto(lab.url(f"lab/tree/{name}"))
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    run_all(page)
    try:
        summary = page.wait_for_selector(".jp-OutputArea-output table", timeout=120_000)
        assert "shared (Dense)" in summary.inner_text()
        summary.scroll_into_view_if_needed()
        screenshot(page, "summary-table-in-jupyterlab")
        # JupyterLab shows image/svg+xml output as an <img> with the SVG in its data URL.
        graph = page.wait_for_selector(".jp-RenderedSVG img", timeout=60_000)
        svg = urllib.parse.unquote(graph.get_attribute("src"))
        assert "shared" in svg and "[node 1]" in svg  # the shared layer's second call has its own box
        image = page.wait_for_selector(".jp-OutputArea-output .widget-image", timeout=120_000)
        assert image.bounding_box()["width"] > 20
        image.scroll_into_view_if_needed()
    finally:
        screenshot(page, "widgets-in-jupyterlab")
