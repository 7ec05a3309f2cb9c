"""Widgets driven from Python: change the model, the widget follows; close or delete, nothing leaks."""

import gc
import weakref

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models.summary import summary_text
from kerasbook.widgets import (ActivationExplorer, GraphView, LiveSummary, TrainingMonitor,
                               observer_count)


def small_model(name="net"):
    return keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")],
                            name=name)


def shown(widget):
    """The widget as a notebook shows it: its front-end reports an open view (base.Widget), so the
    widget keeps redrawing on every change instead of waiting until someone looks. (A widget that
    is not a base.Widget cannot count its views, and redraws anyway.)"""
    from kerasbook.widgets.base import Widget
    if isinstance(widget, Widget):
        widget._on_front_end_message(widget, {"kind": "view", "open": True}, [])
    return widget


def conv_like_model():
    """A functional model whose outputs are (T, F) and 1-D, with a shared layer called twice."""
    x = keras.Input((5, 4), name="seq")
    shared = layers.Dense(4, name="shared")
    h = shared(shared(x))
    out = layers.Dense(3, name="head")(layers.Flatten(name="flat")(h))
    return keras.Model(x, out, name="fm")


def test_live_summary_follows_add_pop_freeze_and_weights():
    model = small_model()
    widget = shown(LiveSummary(model))
    assert ">a (Dense)</td>" in widget.value and "Trainable params: 23" in widget.value
    model.add(layers.Dense(5, name="c"))
    assert ">c (Dense)</td>" in widget.value and "Total params: 38" in widget.value
    model.layers[0].trainable = False
    assert "Non-trainable params: 15" in widget.value
    model.layers[-1].trainable = False  # a layer added after the widget was made is watched too
    assert "Non-trainable params: 30" in widget.value
    model.pop()
    assert "c (Dense)" not in widget.value and "Total params: 23" in widget.value
    renders = widget.renders
    model.set_weights([np.zeros(w.shape) for w in model.get_weights()])
    assert widget.renders == renders + 1
    widget.close()


def test_live_summary_follows_building_and_load_weights(tmp_path):
    model = keras.Sequential([layers.Dense(3, name="a"), layers.Dense(2, name="b")], name="lazy")
    widget = LiveSummary(model)
    assert "0 (unbuilt)" in widget.value and "Total params: 0" in widget.value
    model(np.ones((1, 4), "float32"))  # built by a call on data
    assert ">(1, 3)</td>" in widget.value and "Total params: 23" in widget.value  # as Keras
    other = keras.Sequential([layers.Dense(3, name="a"), layers.Dense(2, name="b")], name="later")
    later = shown(LiveSummary(other))
    other.build((None, 4))
    assert "Total params: 23" in later.value
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "m.keras")
    for path in ("w.weights.h5", "m.keras"):
        renders = later.renders
        other.load_weights(tmp_path / path)
        assert later.renders == renders + 1, path
    widget.close()
    later.close()


def test_live_summary_text_plain_is_the_summary_text_and_repr_is_short():
    model = small_model()
    widget = LiveSummary(model)
    bundle, _ = widget._repr_mimebundle_()
    assert bundle["text/plain"] == summary_text(model)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(widget) == '<LiveSummary of model "net">'
    widget.close()


def test_close_removes_every_observer_and_popped_layers_are_released():
    model = small_model()
    assert observer_count(model) == 0
    widgets = [shown(LiveSummary(model)), shown(GraphView(model)),
               shown(ActivationExplorer(model, np.ones((1, 4), "float32")))]
    assert observer_count(model) == 3 * 3  # model, a, b
    popped = model.pop()
    assert popped._observers == []  # a popped layer is no longer watched
    assert observer_count(model) == 3 * 2
    for widget in widgets:
        widget.close()
    assert observer_count(model) == 0


def test_rerunning_a_cell_replaces_the_widget_it_made_before(monkeypatch):
    from kerasbook.widgets import observing
    model = small_model()
    monkeypatch.setattr(observing, "current_cell_id", lambda: "cell-7")
    for _ in range(3):  # the same cell run three times
        summary = LiveSummary(model)
        view = GraphView(model)
    assert observer_count(model) == 2 * 3  # only the last run's two widgets watch the model
    monkeypatch.setattr(observing, "current_cell_id", lambda: "cell-8")
    other = LiveSummary(model)  # another cell: both coexist
    assert observer_count(model) == 3 * 3
    for widget in (summary, view, other):
        widget.close()
    assert observer_count(model) == 0


def test_a_forgotten_watch_unsubscribes():
    from kerasbook.widgets import ModelWatch

    class Listener:
        calls = 0

        def changed(self):
            self.calls += 1

    model = small_model()
    listener = Listener()
    watch = ModelWatch(model, listener.changed)
    model.layers[0].trainable = False
    assert listener.calls >= 1 and observer_count(model) == 3
    del listener  # the watch holds its listener weakly: no error when it is gone
    model.layers[0].trainable = True
    del watch
    gc.collect()
    assert observer_count(model) == 0


def test_widgets_do_not_keep_the_model_alive():
    model = small_model()
    widgets = [LiveSummary(model), GraphView(model), ActivationExplorer(model, np.ones((2, 4), "float32")),
               TrainingMonitor()]
    widgets[3].set_model(model)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
    widgets[0].refresh()
    assert "no longer exists" in widgets[0].value
    assert widgets[3].model is None
    for widget in widgets:
        widget.close()


# GraphView's own tests (select, panel, folding, traced calls, fallbacks): tests/test_graph_view.py

# ActivationExplorer: tests/test_activation_explorer.py (what it draws, pages, scales, inputs).


def test_activation_explorer_refuses_a_subclassed_model():
    class Net(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="node graph"):
        ActivationExplorer(Net(name="sub"), np.ones((1, 2)))


# -- in a notebook: a burst of changes in one cell redraws a few times, not once per change ----------

@pytest.fixture
def cell_runner():
    """A real IPython shell (what runs a notebook's cells in Jupyter); `run(code)` runs one cell."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.user_ns.update(keras=keras, layers=layers, LiveSummary=LiveSummary, GraphView=GraphView)

    def run(code):
        result = shell.run_cell(code)
        result.raise_error()
        return shell.user_ns

    yield run
    InteractiveShell.clear_instance()


def test_a_loop_of_add_calls_in_a_cell_redraws_a_few_times_and_ends_on_the_final_model(cell_runner):
    from kerasbook.viz.summary_html import summary_html
    ns = cell_runner('model = keras.Sequential([keras.Input((16,))], name="grown")\n'
                     "live, view = LiveSummary(model), GraphView(model)")
    live, view, model = ns["live"], ns["view"], ns["model"]
    before = live.renders
    ns = cell_runner("for i in range(100):\n"
                     '    model.add(layers.Dense(16, name=f"d{i}"))\n'
                     "renders_in_the_loop = live.renders")
    assert ns["renders_in_the_loop"] - before < 10  # was 100: one redraw per add()
    assert live.renders - before < 10
    # The cell's end drew the final model, without a manual refresh.
    assert live.value == summary_html(model) and "Total params: 27,200" in live.value
    assert view.titles()[-1] == "d99 [node 0]" and 'id="d99[0]"' in view.svg
    assert observer_count(model) == 2 * 101  # the layers added in the burst are watched too
    cell_runner('model.get_layer("d99").trainable = False')
    assert "Non-trainable params: 272" in live.value
    for widget in (live, view):
        widget.close()
    assert observer_count(model) == 0


def test_a_single_change_in_a_cell_redraws_at_once(cell_runner, monkeypatch):
    import time

    from kerasbook.widgets import redraws
    ns = cell_runner("model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name='a'),"
                     " layers.Dense(2, name='b')], name='net')\nlive = LiveSummary(model)")
    live, model = shown(ns["live"]), ns["model"]
    # live.html is what the front-end has been sent (live.value would bring it up to date first).
    ns = cell_runner("model.layers[0].trainable = False\nshown = live.html")
    assert "Non-trainable params: 15" in ns["shown"]  # drawn during the cell, not only at its end
    time.sleep(redraws.INTERVAL)  # a student reads, then runs the next cell
    ns = cell_runner("model.pop()\nshown = live.html")
    assert "b (Dense)" not in ns["shown"] and "Total params: 15" in ns["shown"]
    # Soon after a redraw a change waits for the cell's end; it is drawn when the cell ends.
    monkeypatch.setattr(redraws, "INTERVAL", 60.0)  # "soon", even on a busy machine
    ns = cell_runner("model.add(layers.Dense(5, name='c'))\nshown = live.html")
    assert "c (Dense)" not in ns["shown"] and ">c (Dense)</td>" in live.value
    # Outside a cell (a button's callback, say) no cell end would come: a change draws at once.
    model.pop()
    assert "c (Dense)" not in live.value
    # A widget closed while it waits for the cell's end is not drawn again.
    renders = live.renders
    cell_runner("model.layers[0].trainable = True\nmodel.layers[0].trainable = False\nlive.close()")
    assert live.renders == renders and observer_count(model) == 0


def test_a_widget_made_outside_a_cell_redraws_at_once_while_a_shell_exists(cell_runner):
    """An IPython shell that exists but runs no cell (one made by another test, or a script that
    embeds IPython) will send no cell end, so no change may wait for one."""
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    live = LiveSummary(model)
    model.layers[0].trainable = False
    model.pop()  # a moment after the last redraw: inside a cell this would wait for the cell's end
    assert "b (Dense)" not in live.value and "Non-trainable params: 15" in live.value
    live.close()
