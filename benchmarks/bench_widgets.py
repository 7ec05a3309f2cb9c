"""Widget speed: how long a student waits after changing a model or picking a layer.

    .venv/bin/python benchmarks/bench_widgets.py

Targets: `LiveSummary` re-render for a 100-layer model <= 20 ms (measured as a change that
notifies it: freezing a layer); building a 100-layer Sequential model with `add()` in a loop while a
`LiveSummary` watches it, in one notebook cell (a real IPython shell runs the cell), redraws it a few
times, not once per layer (the same loop in a plain script redraws at every change: nothing would
draw it later); `ActivationExplorer` layer switch on VGG19 at 224x224, after the
first call, <= 100 ms (median over all layers; the worst is printed too); 100 widgets made and
never closed, displayed nowhere: a model change <= 20 ms. (A widget "shown in a notebook" here gets
the view message its front-end sends when it renders.) The first call runs the
feature model once for every layer; a switch then takes that layer's activation (already a NumPy
array) and prepares what the front-end draws: the page of maps quantized to uint8 on the layer's
colour scale, with its description (the front-end's canvas drawing is timed by the browser test).
"""

import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import kerasbook as keras  # noqa: E402
from kerasbook import layers  # noqa: E402
from kerasbook.widgets import ActivationExplorer, LiveSummary  # noqa: E402

def vgg19():
    return keras.applications.VGG19(weights=None, input_shape=(224, 224, 3)), "kerasbook.applications.VGG19"


def bench_live_summary():
    model = keras.Sequential([keras.Input((16,))] + [layers.Dense(16, name=f"d{i}") for i in range(100)],
                             name="deep")
    widget = LiveSummary(model)
    widget._on_front_end_message(widget, {"kind": "view", "open": True}, [])  # shown in a notebook
    layer = model.layers[50]
    times = []
    for i in range(30):
        renders = widget.renders
        start = time.perf_counter()
        widget.refresh()
        times.append(time.perf_counter() - start)
        assert widget.renders == renders + 1
    freeze = []
    for i in range(10):
        start = time.perf_counter()
        layer.trainable = bool(i % 2)  # notifies the widget, which redraws
        freeze.append(time.perf_counter() - start)
    widget.close()
    return statistics.median(times), statistics.median(freeze)


LOOP_CELL = """
import time
start = time.perf_counter()
for i in range(100):
    model.add(layers.Dense(16, name=f"d{i}"))
seconds = time.perf_counter() - start
"""


def bench_add_loop():
    """The 100-layer add() loop, in a plain script and in one IPython cell: (seconds, redraws) each."""
    from IPython.core.interactiveshell import InteractiveShell

    results = {}
    for where in ("script", "cell"):
        shell = InteractiveShell.instance() if where == "cell" else None
        names = {"model": keras.Sequential([keras.Input((16,))], name="grown"), "layers": layers}
        widget = LiveSummary(names["model"])
        widget._on_front_end_message(widget, {"kind": "view", "open": True}, [])  # shown in a notebook
        renders = widget.renders
        if shell is None:
            exec(LOOP_CELL, names)
            seconds = names["seconds"]
        else:
            shell.user_ns.update(names)
            start = time.perf_counter()
            shell.run_cell(LOOP_CELL)  # the cell ends when its last redraw is done
            seconds = time.perf_counter() - start
            InteractiveShell.clear_instance()
        assert "d99 (Dense)" in widget.value and "Total params: 27,200" in widget.value
        results[where] = seconds, widget.renders - renders
        widget.close()
    return results


def bench_activation_explorer():
    model, source = vgg19()
    x = np.random.default_rng(0).random((1, 224, 224, 3)).astype("float32")
    start = time.perf_counter()
    explorer = ActivationExplorer(model, x)
    first = time.perf_counter() - start
    titles = list(explorer.layers)
    for title in titles:  # warm up: every layer drawn once
        explorer.layer = title
    times = []
    for title in titles[1:] + titles[:1]:
        before = explorer.levels, explorer.view
        start = time.perf_counter()
        explorer.layer = title  # that call's activation: a page of uint8 levels on one scale
        times.append(time.perf_counter() - start)
        # Really prepared: the view names the new layer and carries its own pixels.
        assert explorer.view["title"] == title and (explorer.levels, explorer.view) != before
    paging = []
    explorer.layer = "block4_conv1 [node 0]"  # 28 x 28 x 512: 32 pages of 16 channels
    for page in (1, 2, 3, 0):
        before = explorer.levels
        start = time.perf_counter()
        explorer.page = page
        paging.append(time.perf_counter() - start)
        assert explorer.view["channels"][0] == 16 * page and explorer.levels != before
    assert explorer.extractions == 1
    start = time.perf_counter()
    fallback = explorer.fallback_html()  # the picture shown where the widget cannot run
    picture = time.perf_counter() - start
    assert "data:image/png" in fallback
    explorer.close()
    return source, first, statistics.median(times), max(times), statistics.median(paging), picture


def bench_forgotten_widgets(kinds, count=100):
    """`count` widgets made and never closed (the `kinds` in turn), shown nowhere: the time of one
    `layer.trainable = False`, the first change after (the widgets that can tell nobody sees them
    leave the model then), and of the next change. Before dormant watches: 1.4-1.7 s each."""
    model = keras.Sequential([keras.Input((16,))] + [layers.Dense(16, name=f"d{i}") for i in range(20)],
                             name="watched")
    widgets = [kinds[i % len(kinds)](model) for i in range(count)]
    times = []
    for trainable in (False, True):
        start = time.perf_counter()
        model.layers[10].trainable = trainable
        times.append(time.perf_counter() - start)
    for widget in widgets:
        widget.close()
    return times


def bench_graph_view():
    """GraphView of Xception (134 calls): the first render (layout, boxes, the default call's panel)
    after the model exists; then, with a sample, a click on each box drawn (the panel: shapes,
    weights' histograms, config, and that call's activation: levels of its feature maps for the
    front-end to draw, bars' numbers, or a PNG), after the activations of all calls were computed once."""
    from kerasbook.widgets import GraphView
    model = keras.applications.Xception(weights=None)
    start = time.perf_counter()
    view = GraphView(model)
    first = time.perf_counter() - start
    assert view.svg and view.panel["title"] == view.selected == "block1_conv1 [node 0]"
    view.close()
    x = np.random.default_rng(0).random((1, 299, 299, 3)).astype("float32")
    start = time.perf_counter()
    view = GraphView(model, x)
    with_sample = time.perf_counter() - start
    titles = [b["title"] for b in view.boxes.values() if b["kind"] not in ("input", "repeat")]
    times = []
    for title in titles[1:] + titles[:1]:
        start = time.perf_counter()
        view.selected = title  # what a click does
        times.append(time.perf_counter() - start)
        drawn = view.panel.get("raster") or view.panel.get("bars") or view.activation[:4] == b"\x89PNG"
        assert view.panel["title"] == title and drawn
    start = time.perf_counter()
    view.toggle_fold(view.folded[0])  # unfold the middle flow: graphviz lays 134 calls out
    unfold = time.perf_counter() - start
    assert view._features.runs == 1
    view.close()
    return len(model._nodes), first, with_sample, len(times), statistics.median(times), max(times), unfold


if __name__ == "__main__":
    render, freeze = bench_live_summary()
    print(f"LiveSummary, 100 Dense layers: re-render {render * 1e3:.1f} ms, freeze a layer"
          f" {freeze * 1e3:.1f} ms (target <= 20 ms)")
    from kerasbook.widgets import GraphView
    for kinds in ((LiveSummary,), (GraphView, LiveSummary)):
        first, second = bench_forgotten_widgets(kinds)
        names = " and ".join(kind.__name__ for kind in kinds)
        print(f"100 forgotten widgets ({names}), 21-layer model, one layer.trainable change: first"
              f" {first * 1e3:.1f} ms, next {second * 1e3:.1f} ms (target <= 20 ms)")
    for where, (seconds, redraws) in bench_add_loop().items():
        print(f"LiveSummary watching 100 add() calls in a {where}: {seconds:.3f} s, {redraws} redraws")
    source, first, median, worst, paging, picture = bench_activation_explorer()
    print(f"ActivationExplorer on {source}, 224x224: first call (compile + run + draw) {first:.2f} s; "
          f"layer switch median {median * 1e3:.1f} ms, worst {worst * 1e3:.1f} ms; page of channels "
          f"{paging * 1e3:.1f} ms (target <= 100 ms); fallback picture {picture * 1e3:.0f} ms")
    calls, first, sampled, clicks, median, worst, unfold = bench_graph_view()
    print(f"GraphView of Xception ({calls} calls): first render {first * 1e3:.0f} ms (target <= 300 ms); "
          f"with a sample (compiles the feature model) {sampled:.2f} s; a click, {clicks} boxes: median "
          f"{median * 1e3:.1f} ms, worst {worst * 1e3:.1f} ms (target <= 100 ms, with the activation); "
          f"unfolding the middle flow {unfold * 1e3:.0f} ms")
