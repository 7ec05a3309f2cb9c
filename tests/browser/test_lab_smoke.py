"""The harness itself: JupyterLab opens a notebook, runs it on the venv's kernel, and renders a widget."""

import sys

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser


def test_notebook_runs_on_the_venv_kernel_and_renders_an_ipywidget(lab, page):
    name = lab.write_notebook("smoke.ipynb", [
        "import sys\nprint('kernel prefix:', sys.prefix)",
        "import ipywidgets as w\nw.IntSlider(value=7, description='seven')",
    ])
    open_notebook(lab, page, name)
    run_all_cells(page)
    try:
        slider = page.wait_for_selector(".jp-OutputArea-output .jupyter-widgets.widget-slider", timeout=60_000)
        assert "seven" in slider.inner_text()
        assert page.inner_text(".widget-readout") == "7"
        printed = page.inner_text(".jp-OutputArea-output:has-text('kernel prefix:')")
        assert printed.strip() == f"kernel prefix: {sys.prefix}"  # the venv's Python, not another one
    finally:
        screenshot(page, "lab-smoke")
