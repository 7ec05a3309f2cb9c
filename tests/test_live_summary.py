"""LiveSummary in a real IPython shell: `%live cnn` follows the name, a fixed one says when the name
moved on, and the rows that changed are marked for the front-end to flash."""

import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models.summary import summary_text
from kerasbook.widgets import LiveSummary, observer_count

BUILD = ("cnn = keras.Sequential([keras.Input((8,)), layers.Dense({units}, name='d{units}')],"
         " name='cnn{units}')")


@pytest.fixture
def notebook(capsys):
    """A real IPython shell with kerasbook loaded; `run(code)` runs one cell and gives the names."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "kerasbook")

    def run(code):
        result = shell.run_cell(code)
        result.raise_error()
        return shell.user_ns

    yield run
    shell.run_line_magic("unload_ext", "kerasbook")
    InteractiveShell.clear_instance()


def shown(widget):
    """As a notebook shows it: the front-end's view message has come (see base.Widget)."""
    widget._on_front_end_message(widget, {"kind": "view", "open": True}, [])
    return widget


def test_live_magic_follows_the_name_to_the_model_built_last(notebook):
    ns = notebook(BUILD.format(units=3))
    ns = notebook("live = %live cnn")
    live, first = shown(ns["live"]), ns["cnn"]
    assert live.followed_name == "cnn" and "d3 (Dense)" in live.html
    ns = notebook(BUILD.format(units=5))  # the student re-runs the cell that builds cnn
    second = ns["cnn"]
    assert live.model is second and "d5 (Dense)" in live.html and "d3 (Dense)" not in live.html
    assert observer_count(first) == 0 and observer_count(second) == 2  # the old model is let go
    assert len(live._trait_notifiers["views"]["change"]) == 1  # only the current watch listens
    assert live.note == ""
    notebook("cnn.add(layers.Dense(2, name='head'))")
    assert "head (Dense)" in live.html  # still live on the new model
    assert live.fallback_text() == summary_text(second)  # text/plain: the summary, exactly
    notebook("del cnn")
    assert "cnn holds no model now" in live.note and 'showing the model it held last ("cnn5")' in live.note
    live.close()


def test_live_magic_errors_name_the_problem(notebook):
    with pytest.raises(NameError, match="no model named 'nothing'"):
        notebook("%live nothing")
    notebook("x = 3")
    with pytest.raises(TypeError, match="'x' holds a int, not a model"):
        notebook("%live x")


def test_a_summary_of_a_fixed_model_says_when_its_name_holds_another_model(notebook):
    ns = notebook(BUILD.format(units=3) + "\nfrom kerasbook.widgets import LiveSummary\nsummary = LiveSummary(cnn)")
    summary, old = shown(ns["summary"]), ns["cnn"]
    assert summary.followed_name is None and summary.note == ""
    notebook(BUILD.format(units=5))
    assert summary.model is old  # it keeps its model, as asked ...
    assert summary.note == ('This summary shows the model "cnn3" it was made for, but cnn now holds '
                            'another model ("cnn5"). Make the summary again, or use %live cnn to '
                            "follow the name.")  # ... and says so
    data, _ = summary._repr_mimebundle_()
    assert data["text/plain"] == summary_text(old)  # nbval's text stays the summary
    assert "now holds another model" in data["text/html"] and "d3 (Dense)" in data["text/html"]
    notebook("cnn = summary.model")  # the name holds it again: the note goes
    assert summary.note == ""
    summary.close()


def test_rows_that_changed_are_marked_for_the_front_end():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    live = shown(LiveSummary(model, show_trainable=True))
    assert live.changed == []  # the first drawing: nothing to compare with
    model.add(layers.Dense(5, name="c"))
    assert live.changed == [2]
    model.get_layer("a").trainable = False  # its Trainable cell changes
    assert live.changed == [0]
    model.get_layer("b").trainable = False
    assert live.changed == [1]
    live.refresh()  # drawn again, nothing changed: nothing flashes
    assert live.changed == []
    live.close()


def test_a_followed_summary_nobody_sees_switches_without_drawing(notebook):
    notebook(BUILD.format(units=3))
    live = notebook("live = %live cnn")["live"]  # never displayed
    renders = live.renders
    ns = notebook(BUILD.format(units=5))
    assert observer_count(ns["cnn"]) == 0 and live.renders == renders  # dormant on the new model
    assert "d5 (Dense)" in live.value and live.renders == renders + 1  # read: drawn now
    live.close()


def test_the_table_keeps_names_left_and_counts_right_without_its_stylesheet():
    """Untrusted JupyterLab drops <style> (and right-aligns table cells) but keeps inline styles:
    the browser test test_notebook_open.py shows the untrusted table."""
    from kerasbook.extension import layer_html
    from kerasbook.viz.summary_html import STYLE, summary_html
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a")], name="m")
    for table in (summary_html(model), layer_html(model.layers[0])):
        assert table.startswith(STYLE)
        assert '<td style="text-align:left;white-space:pre">a (Dense)</td>' in table
        assert '<td class=num style="text-align:right">15</td>' in table
