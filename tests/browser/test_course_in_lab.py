"""The course as a student opens it with `make lab`: every lesson, trusted, shows its widgets from the
saved state before any cell runs.

`tools/run_course.py` (`make notebooks`) stores each lesson's widget state; `make lab` trusts the
course. Here each lesson of notebooks/ is trusted in the test's own Jupyter home, opened, and every
widget output must be drawn by kerasbook's front-end (no "Error displaying widget", no bare repr),
with no cell run. One screenshot per lesson's widgets lands in test-artifacts/ (lesson-NN-*.png).
"""

import json

import pytest

from conftest import REPO, open_notebook, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))


def widget_outputs(notebook):
    """How many outputs of the notebook show a widget (their view's model is in the saved state)."""
    state = notebook["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    saved = state.get("state", {})
    return sum(1 for cell in notebook["cells"] for output in cell.get("outputs", [])
               if WIDGET_VIEW in output.get("data", {}) and output["data"][WIDGET_VIEW]["model_id"] in saved)


@pytest.mark.parametrize("lesson", [name for name in LESSONS
                                    if widget_outputs(json.loads((REPO / "notebooks" / name).read_text()))])
def test_a_trusted_lesson_draws_every_saved_widget_on_open(lab, page, lesson):
    import sys
    sys.path.insert(0, str(REPO / "tools"))
    import run_course

    assert run_course.trust(lab.root / lesson, data_dir=lab.env["JUPYTER_DATA_DIR"])
    expected = widget_outputs(json.loads((lab.root / lesson).read_text()))
    open_notebook(lab, page, lesson)
    # JupyterLab gives a widget's output no data-mime-type: find them by kerasbook's root element.
    selector = ".jp-OutputArea-output:has(.kerasbook)"
    page.wait_for_function(f"document.querySelectorAll('{selector}').length >= {expected}", timeout=90_000)
    views = page.query_selector_all(selector)
    assert len(views) == expected
    assert not page.query_selector_all(".jp-OutputArea-output:has-text('Error displaying widget')")
    kernel_ran = page.evaluate("() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
                               ".some(p => p.innerText.includes('*'))")
    assert not kernel_ran
    # Not connected to a kernel yet: a quiet line says so (ipywidgets' own mark is a red broken link).
    marks = page.evaluate("() => [...document.querySelectorAll('.kerasbook.jupyter-widgets-disconnected')]"
                          ".map(el => [getComputedStyle(el, '::before').content, getComputedStyle(el, '::before').color])")
    assert len(marks) == expected
    assert all(content == '"not live: run the cell to use this view"' and colour != "rgb(217, 83, 79)"
               for content, colour in marks), marks
    for i, view in enumerate(views):
        view.scroll_into_view_if_needed()
        screenshot(view, f"lesson-{lesson[:2]}-widget-{i}")
