"""GraphView in a real JupyterLab on a model with keras.ops between its layers (issue 15): the op
boxes say what they compute, and clicking one shows that call. Screenshot:
test-artifacts/graph-view-ops.png."""

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext kerasbook",
    "x = keras.Input((8,), name='features')\n"
    "y = ops.relu(x) * 2 + 1\n"
    "y = y[:, :4]\n"
    "z = ops.concatenate([y, ops.mean(x, axis=-1, keepdims=True)], axis=-1)\n"
    "with_ops = keras.Model(x, layers.Dense(3, name='head')(z), name='with_ops')\n"
    "keras.widgets.GraphView(with_ops, np.linspace(-1, 1, 8, dtype='float32')[None])",
]


def test_graph_view_shows_and_selects_op_calls(lab, page):
    name = lab.write_notebook("graph_view_ops.ipynb", CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    view = page.locator(".jp-OutputArea-output .kb-graph-view").first
    view.wait_for(timeout=120_000)
    multiply = view.locator('svg g[id="multiply[0]"]')
    multiply.wait_for(timeout=60_000)
    assert "ops.multiply(relu, 2)" in multiply.text_content()
    assert "features[:, :4]" not in view.locator("svg").first.text_content()  # the key reads off its maker
    assert "add[:, :4]" in view.locator('svg g[id="get_item[0]"]').text_content()

    multiply.click()
    panel = view.locator(".kb-panel")
    page.wait_for_function("p => p.innerText.includes('multiply [node 0]')", arg=panel.element_handle(),
                           timeout=30_000)
    text = panel.inner_text()
    assert "(None, 8)" in text
    bars = panel.locator("svg.kb-activation-bars")  # the multiply's 8 units, as vector bars
    bars.wait_for(timeout=30_000)
    assert bars.locator("rect").count() == 8 and "unit" in bars.text_content()
    assert bars.evaluate("svg => svg.getBoundingClientRect().width") > 200
    screenshot(view, "graph-view-ops")
