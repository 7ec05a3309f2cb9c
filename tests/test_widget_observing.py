"""Widgets displayed nowhere stop observing: a change costs nothing until someone looks again.

A kerasbook widget (base.Widget) knows how many front-end views show it (`views`, counted from the
front-end's view messages). Here the messages a front-end sends are delivered to the widget's
message handler; the browser test sends them from a real JupyterLab.
"""

import time

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models.summary import summary_text
from kerasbook.widgets import LiveSummary, observer_count


def view_message(widget, open_):
    """What the widget's front-end sends when a view of it opens (render) or closes (cleanup)."""
    widget._on_front_end_message(widget, {"kind": "view", "open": open_}, [])


def deep_model(depth=10, name="deep"):
    return keras.Sequential([keras.Input((8,))] + [layers.Dense(8, name=f"d{i}") for i in range(depth)],
                            name=name)


def test_an_unseen_widget_stops_observing_at_the_first_change_and_catches_up_when_read():
    model = deep_model()
    live = LiveSummary(model)
    assert live.views == 0 and observer_count(model) == 11
    renders = live.renders
    model.layers[3].trainable = False
    assert live._watch.dormant and observer_count(model) == 0  # no callback left on any layer
    assert live.renders == renders  # nothing drawn for nobody
    model.layers[4].trainable = False  # calls nothing at all
    assert live.renders == renders
    # Reading it (the display bundle, .value, .text()) brings it up to date and watches again.
    data, _ = live._repr_mimebundle_()
    assert data["text/plain"] == summary_text(model) and "Non-trainable params: 144" in data["text/html"]
    assert not live._watch.dormant and observer_count(model) == 11
    live.close()
    assert observer_count(model) == 0


def test_a_view_that_opens_wakes_the_widget_and_a_seen_widget_redraws_at_once():
    model = deep_model()
    live = LiveSummary(model)
    model.pop()
    assert live._watch.dormant
    renders = live.renders
    view_message(live, True)  # the student scrolls to the output / opens the notebook
    assert live.views == 1 and live.renders == renders + 1 and observer_count(model) == 10
    assert "d9 (Dense)" not in live.html  # the front-end was sent the model as it is now
    model.layers[0].trainable = False  # seen: redrawn at once, still watching
    assert live.renders == renders + 2 and "Non-trainable params: 72" in live.html
    assert observer_count(model) == 10
    view_message(live, False)  # the view closes (the output is cleared, the tab closed)
    model.layers[0].trainable = True
    assert live._watch.dormant and observer_count(model) == 0 and live.renders == renders + 2
    live.close()


def test_layers_added_while_nobody_watched_are_watched_after_waking():
    model = deep_model(3)
    live = LiveSummary(model)
    model.add(layers.Dense(4, name="late"))
    assert observer_count(model) == 0
    view_message(live, True)
    assert observer_count(model) == 5  # model, d0..d2 and the layer added while dormant
    model.get_layer("late").trainable = False
    assert "Non-trainable params: 36" in live.html
    live.close()


def test_closing_a_dormant_widget_cleans_up_and_it_stays_closed():
    model = deep_model(3)
    live = LiveSummary(model)
    model.pop()
    live.close()
    view_message(live, True)  # a late message from a front-end: nothing comes back
    assert observer_count(model) == 0


def test_a_hundred_forgotten_widgets_cost_nothing_after_the_first_change():
    """Issue 11's measure (benchmarks/bench_widgets.py prints it): 1.4-1.7 s before, <= 20 ms now."""
    model = deep_model(20)
    forgotten = [LiveSummary(model) for _ in range(100)]
    assert observer_count(model) == 100 * 21
    start = time.perf_counter()
    model.layers[5].trainable = False  # the first change: every widget leaves the model
    first = time.perf_counter() - start
    assert observer_count(model) == 0
    start = time.perf_counter()
    model.layers[5].trainable = True
    later = time.perf_counter() - start
    assert first < 0.5 and later < 0.005, (first, later)
    assert all(w.renders == 1 for w in forgotten)
    for widget in forgotten:
        widget.close()


def test_a_watch_whose_owner_cannot_count_views_redraws_on_every_change():
    """A plain ipywidget (or any object) cannot know who sees it: its watch keeps observing."""
    import ipywidgets

    from kerasbook.widgets import ModelWatch

    class PlainSummary(ipywidgets.HTML):
        def __init__(self, model):
            super().__init__()
            self.watch = ModelWatch(model, self.refresh)

        def refresh(self):
            self.value = summary_text(self.watch.model)

    model = deep_model(3)
    widget = PlainSummary(model)
    model.pop()
    assert observer_count(model) == 3 and not widget.watch.dormant and "d2" not in widget.value
    widget.watch.close()
    widget.close()
