"""Opening a saved notebook shows its widgets before any cell runs, trusted or not.

A notebook run by `tools/run_course.py` (`make notebooks`) carries its widgets' saved state and is
trusted on the machine that ran it: JupyterLab then draws every widget from that state as the
notebook opens. A fresh clone's (or Binder's, before postBuild trusts it) notebook is untrusted:
JupyterLab draws no widget state and sanitizes HTML, so each widget's text/html fallback must carry
its content (the table, the graph and activations as pictures), never a bare `<LiveSummary ...>`.

The page fixture also fails a test whose page shows an error output; the first test checks that it
sees them.
"""

import json
import pathlib
import re
import shutil
import sys

import pytest

from conftest import REPO, open_notebook, page_errors, run_all_cells, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

sys.path.insert(0, str(REPO / "tools"))
import run_course  # noqa: E402

CELLS = [
    "%load_ext kerasbook",
    'model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, name="conv"),\n'
    '                          layers.Flatten(name="flat"), layers.Dense(3, name="out")], name="tiny")\n'
    "%live model",
    "keras.widgets.GraphView(model)",
    "x = np.random.default_rng(0).random((1, 8, 8, 1)).astype('float32')\n"
    "keras.widgets.ActivationExplorer(model, x)",
]
# What a widget shows where neither its state nor its fallback rendered: its repr or a bare model id.
BARE_REPR = re.compile(r"^\s*<?(LiveSummary|GraphView|ActivationExplorer|TrainingMonitor)\b.*>?\s*$"
                       r"|^\s*(VBox|HBox|HTML|Output)\(.*\)\s*$", re.M)


@pytest.fixture(scope="module")
def saved_notebooks(lab):
    """The notebook run by the course tool: a trusted copy and an untrusted copy (other bytes)."""
    trusted = lab.write_notebook("opened_trusted.ipynb", CELLS)
    run_course.run_notebook(lab.root / trusted)
    untrusted = "opened_untrusted.ipynb"
    notebook = json.loads((lab.root / trusted).read_text())
    notebook["metadata"]["kerasbook_copy"] = "untrusted"  # different bytes: a signature of its own
    (lab.root / untrusted).write_text(json.dumps(notebook, indent=1))
    assert run_course.trust(lab.root / trusted, data_dir=lab.env["JUPYTER_DATA_DIR"])
    assert run_course.widget_count(notebook) >= 3
    return trusted, untrusted


def outputs_text(page):
    return page.eval_on_selector_all(".jp-OutputArea-output", "outputs => outputs.map(o => o.innerText)")


def never_ran(page):
    """No cell of the open notebook has run in this session (prompts show the saved counts)."""
    return page.evaluate("() => { const k = window.jupyterapp.shell.currentWidget.sessionContext"
                         ".session.kernel; return k.status === 'idle'; }")


def test_a_trusted_notebook_shows_its_saved_widgets_before_any_cell_runs(lab, page, saved_notebooks):
    trusted, _ = saved_notebooks
    open_notebook(lab, page, trusted)
    # Drawn from the saved state by the widgets' own front-ends, with no cell run.
    table = page.wait_for_selector(".kerasbook-live-summary table.kerasbook-summary", timeout=60_000)
    assert "conv (Conv2D)" in table.inner_text() and "out (Dense)" in table.inner_text()
    page.wait_for_selector(".kb-graph-view svg", timeout=30_000)
    page.wait_for_selector(".kb-explorer canvas", timeout=30_000)
    assert never_ran(page)
    assert not [text for text in outputs_text(page) if BARE_REPR.search(text)]
    screenshot(page, "open-trusted")


def test_an_untrusted_notebook_shows_the_widgets_fallbacks(lab, page, saved_notebooks):
    _, untrusted = saved_notebooks
    open_notebook(lab, page, untrusted)
    page.wait_for_selector(".jp-OutputArea-output table.kerasbook-summary", timeout=60_000)
    assert page.query_selector(".kerasbook-live-summary") is None  # no widget view: untrusted
    summary = page.inner_text(".jp-OutputArea-output:has(table.kerasbook-summary)")
    assert "conv (Conv2D)" in summary and "Total params" in summary
    pictures = page.eval_on_selector_all(".jp-OutputArea-output img",
                                         "imgs => imgs.map(i => [i.src.slice(0, 22), i.naturalWidth])")
    assert any(src.startswith("data:image/png") and width > 0 for src, width in pictures), pictures
    bare = [text for text in outputs_text(page) if BARE_REPR.search(text)]
    assert not bare, f"outputs that show only a repr: {bare}"
    screenshot(page, "open-untrusted")


@pytest.mark.allow_errors
@pytest.mark.viewport(1920, 1080)
def test_the_page_fixture_sees_errors_and_stderr(lab, page):
    assert page.evaluate("[window.innerWidth, window.innerHeight]") == [1920, 1080]
    name = lab.write_notebook("shows_errors.ipynb", [
        "import sys\nprint('a warning on stderr', file=sys.stderr)",
        "def redraw():\n    raise RuntimeError('a redraw failed at the end of the cell')\n"
        "get_ipython().events.register('post_execute', redraw)",
        "x = 1",
    ])
    open_notebook(lab, page, name)
    run_all_cells(page)
    page.wait_for_selector("text=a redraw failed at the end of the cell", timeout=60_000)
    errors = "\n".join(page_errors(page))
    assert "a warning on stderr" in errors and "a redraw failed at the end of the cell" in errors


def test_errors_a_lesson_shows_on_purpose_do_not_count(lab, page):
    """Cells tagged raises-exception (nbval's tag for an error the lesson shows) may show errors."""
    name = lab.write_notebook("shows_an_error_on_purpose.ipynb", ["x = 1", "keras_is_not_defined_here"])
    notebook = json.loads((lab.root / name).read_text())
    notebook["cells"][1]["metadata"]["tags"] = ["raises-exception"]
    (lab.root / name).write_text(json.dumps(notebook))
    open_notebook(lab, page, name)
    run_all_cells(page)
    page.wait_for_selector("text=NameError", timeout=60_000)
    assert page_errors(page) == []  # and the page fixture passes this test
