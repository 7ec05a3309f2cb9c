"""GraphView driven from Python: select a call, read its panel, fold, trace a subclassed model."""

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.engine import call_trace
from kerasbook.widgets import GraphView, observer_count


def siamese():
    """A shared layer whose two calls see different shapes, so the panel must show THAT call's."""
    short, long = keras.Input((3, 5), name="short"), keras.Input((7, 5), name="long")
    shared = layers.Dense(2, name="shared")
    flat = layers.Concatenate(axis=1, name="join")([shared(short), shared(long)])
    return keras.Model([short, long], layers.Dense(1, name="score")(flat), name="siamese")


def nested():
    encoder = keras.Sequential([keras.Input((6,), name="pixels"), layers.Dense(4, name="code")],
                               name="encoder")
    x = keras.Input((6,), name="x")
    return keras.Model(x, layers.Dense(2, name="head")(encoder(x)), name="outer")


def test_default_selection_is_the_first_call_with_weights_and_select_shows_that_call():
    model = siamese()
    view = GraphView(model)
    assert view.selected == "shared [node 0]"  # not the last node, not an input
    assert view.titles() == ["short [node 0]", "long [node 0]", "shared [node 0]", "shared [node 1]",
                             "join [node 0]", "score [node 0]"]
    panel = view.select("shared", node_index=1).details()
    assert view.selected == "shared [node 1]"
    assert (panel["name"], panel["class"], panel["node"], panel["kind"]) == ("shared", "Dense", 1, "shared")
    assert panel["inputs"] == ["(None, 7, 5)"] and panel["outputs"] == ["(None, 7, 2)"]
    view.select("shared [node 0]")
    assert view.details()["inputs"] == ["(None, 3, 5)"] and view.details()["outputs"] == ["(None, 3, 2)"]
    assert view.details()["params"] == 12
    view.close()


def test_panel_weights_have_histograms_and_the_config_reads_like_code():
    model = siamese()
    view = GraphView(model)
    panel = view.details()
    kernel = model.get_layer("shared").kernel.numpy()
    weight = panel["weights"][0]
    assert (weight["path"], weight["shape"]) == ("shared/kernel", "(5, 2)")
    assert sum(weight["counts"]) == kernel.size and len(weight["counts"]) == 24
    assert weight["low"] == float(f"{kernel.min():.4g}") and weight["high"] == float(f"{kernel.max():.4g}")
    config = dict(panel["config"])
    assert config["units"] == "2" and config["activation"] == "linear" and config["dtype"] == "float32"
    assert config["kernel_initializer"].startswith("GlorotUniform(seed=None")
    assert config["bias_initializer"] == "Zeros()"
    view.close()


def test_the_panel_shows_the_activation_of_the_selected_call_for_a_sample():
    model = siamese()
    rng = np.random.default_rng(0)
    x = [rng.random((2, 3, 5), dtype="float32"), rng.random((2, 7, 5), dtype="float32")]
    view = GraphView(model, x)
    view.select("shared", 1)
    expected = model.get_layer("shared").get_output_at(1)
    out = keras.Model(model.inputs, expected)(x)[0]
    assert view.activation_png()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"shape (7, 2); min {np.min(out):.4g}, max {np.max(out):.4g}" in view.details()["activation"]
    first = view.activation_png()
    view.select("shared", 0)
    assert view.activation_png() != first and "shape (3, 2)" in view.details()["activation"]
    assert view._features.runs == 1  # all calls computed once
    without = GraphView(model)
    assert without.activation_png() == b"" and "GraphView(model, x)" in without.details()["activation"]
    view.close(), without.close()


def test_selected_set_from_the_front_end_fills_the_panel():
    view = GraphView(siamese())
    view.selected = "score [node 0]"  # what a click does: the front-end sets the trait
    assert view.details()["outputs"] == ["(None, 10, 1)"] and view.details()["class"] == "Dense"
    view.close()


def test_bad_names_and_node_indices_say_what_exists():
    view = GraphView(siamese())
    with pytest.raises(ValueError, match=r"no layer named 'nope'; the layers are \['short', 'long', "
                                         r"'shared', 'join', 'score'\]"):
        view.select("nope")
    with pytest.raises(ValueError, match=r"'shared' was called 2 time\(s\), so node_index is 0 to 1, not 5"):
        view.select("shared", 5)
    view.close()


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # a clean refusal
def test_a_sample_of_the_wrong_shape_names_the_expected_shape_and_the_batch_axis():
    x = keras.Input((4,), name="x")
    model = keras.Model(x, layers.Dense(2)(x), name="small")
    with pytest.raises(ValueError, match=r"GraphView: model \"small\" expects a batch .* of shape \(None, 4\) "
                                         r".*x has shape \(4,\).*without the batch axis: pass x\[None\]"):
        GraphView(model, np.ones(4, "float32"))
    with pytest.raises(ValueError, match=r"\(None, 4\).*x has shape \(2, 5\)"):
        GraphView(model, np.ones((2, 5), "float32"))
    assert observer_count(model) == 0  # a refused view watches nothing


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # a clean refusal
def test_a_model_without_a_graph_says_so_and_how_to_build_it():
    model = keras.Sequential([layers.Dense(3, name="d")], name="later")
    view = GraphView(model)
    assert "has no graph yet" in view.note and "keras.Input(shape=...)" in view.note
    assert view.svg == "" and "has no graph yet" in view.fallback_text()
    model.build((None, 5))  # the view follows: now there is a graph
    assert view.titles() == ["input_layer [node 0]", "d [node 0]"] or view.titles()[-1] == "d [node 0]"
    assert view.selected == "d [node 0]" and view.note == ""
    view.close()

    class Net(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match=r"subclassed.*GraphView\(model, x\)"):
        GraphView(Net(name="net"))


def test_nested_models_fold_and_unfold_and_select_unfolds():
    model = nested()
    view = GraphView(model)
    assert "encoder [node 0] / code [node 0]" in view.titles()
    assert view.boxes["encoder[0]"]["expanded"] is True
    view.toggle_fold("encoder [node 0]")
    assert view.folded == ["encoder [node 0]"] and "encoder [node 0] / code [node 0]" not in view.titles()
    assert view.boxes["encoder[0]"]["expanded"] is False and 'id="encoder[0]" class="node kb&#45;nested"' in view.svg
    view.select("code")  # inside the folded model: unfolds it
    assert view.folded == [] and view.selected == "encoder [node 0] / code [node 0]"
    assert view.details()["inputs"] == ["(None, 6)"] and view.details()["outputs"] == ["(None, 4)"]
    view.on_front_end_message({"kind": "fold", "title": "encoder [node 0]"}, [])  # the panel's button
    assert view.folded == ["encoder [node 0]"]
    view.close()


def repeated(count=4):
    x = inputs = keras.Input((6,), name="x")
    for i in range(count):
        h = layers.Activation("relu", name=f"r{i}")(layers.Dense(6, name=f"d{i}a")(x))
        x = layers.add([layers.Dense(6, name=f"d{i}b")(h), x], name=f"add{i}")
    return keras.Model(inputs, layers.Dense(2, name="head")(x), name="tower")


def test_runs_of_identical_blocks_start_folded_and_unfold_on_select():
    view = GraphView(repeated())
    assert view.folded == ["d0a … add3 (x4)"]
    assert view.titles() == ["x [node 0]", "d0a … add3 (x4)", "head [node 0]"]
    panel = view.select("d0a … add3 (x4)").details()
    assert panel["kind"] == "repeat" and panel["count"] == 4 and panel["calls"] == 16
    assert panel["params"] == 4 * 2 * (6 * 6 + 6)
    view.select("d2b")
    assert view.folded == [] and view.selected == "d2b [node 0]" and len(view.titles()) == 18
    view.close()


def test_a_subclassed_model_is_traced_in_call_order_with_shapes_and_links():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.embed = layers.Dense(4, name="embed")
            self.head = layers.Dense(2, name="head")

        def call(self, x):
            h = self.embed(x)
            return self.head(h * 2) + self.head(h)  # head: twice; h * 2 is made outside any layer

    net = Net()
    view = GraphView(net, np.ones((3, 5), "float32"))
    assert view.titles() == ["input 0", "embed [call 0]", "head [call 0]", "head [call 1]"]
    assert view.boxes["head[1]"]["kind"] == "shared" and view.boxes["embed[0]"]["outputs"] == ["(3, 4)"]
    source = view._diagram.source
    assert '"input[0]" -> "embed[0]"' in source and '"embed[0]" -> "head[1]"\n' in source
    assert '"embed[0]" -> "head[0]" [style=dashed]' in source  # fed by h * 2: only the order is known
    panel = view.select("head", 1).details()
    assert panel["node"] == 1 and panel["inputs"] == ["(3, 4)"] and panel["weights"][0]["shape"] == "(4, 2)"
    assert view.activation_png()[:4] == b"\x89PNG"
    view.close()


def test_call_trace_records_nothing_outside_recording_and_nests():
    dense = layers.Dense(2)
    with call_trace.recording() as calls:
        dense(np.ones((1, 3), "float32"))
    assert [(c.layer, c.depth, c.outputs[0].shape) for c in calls] == [(dense, 0, (1, 2))]
    dense(np.ones((1, 3), "float32"))
    assert len(calls) == 1


def test_edge_shapes_lay_the_graph_out_again_with_shapes_on_arrows():
    view = GraphView(siamese())
    layouts = view.layouts
    view.edge_shapes = True  # the front-end's checkbox
    assert view.layouts == layouts + 1 and "(None, 3, 2)</text>" in view.svg.split('class="edge"', 1)[1]
    view.close()


def test_the_view_follows_the_model_and_keeps_the_selection():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a")], name="grow")
    view = GraphView(model)
    view.select("a")
    model.add(layers.Dense(5, name="late"))
    assert view.titles()[-1] == "late [node 0]" and view.selected == "a [node 0]"
    model.pop()
    assert "late [node 0]" not in view.titles()
    view.close()
    assert observer_count(model) == 0


def test_fallbacks_hold_the_graph_as_an_image_and_the_selected_call():
    model = siamese()
    view = GraphView(model, [np.ones((1, 3, 5), "float32"), np.ones((1, 7, 5), "float32")])
    view.select("shared", 1)
    assert view.fallback_text() == 'GraphView of model "siamese": 4 calls, selected shared [node 1]'
    page = view.fallback_html()
    assert '<img src="data:image/svg+xml;base64,' in page and "<svg" not in page
    assert "<b>shared [node 1]</b>" in page and "<td>(None, 7, 5)</td>" in page
    assert '<img src="data:image/png;base64,' in page  # the activation
    import base64
    import re
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^\"]+)", page).group(1)).decode()
    selected = re.search(r'<g id="shared\[1\]".*?</g>', svg, re.S).group(0)
    other = re.search(r'<g id="shared\[0\]".*?</g>', svg, re.S).group(0)
    assert 'stroke="#1976d2"' in selected and 'stroke="#1976d2"' not in other  # the selection, outlined
    assert page == view.fallback_html()  # deterministic
    bundle, _ = view._repr_mimebundle_()
    assert bundle["text/plain"] == view.fallback_text() and "application/vnd.jupyter.widget-view+json" in bundle
    view.close()


def test_docstring_has_an_example():
    assert "Example::" in GraphView.__doc__ and "view.select(" in GraphView.__doc__


def test_a_nested_models_config_lists_its_layers_by_name():
    view = GraphView(nested())
    view.toggle_fold("encoder [node 0]")
    config = dict(view.select("encoder").details()["config"])
    assert config["layers"] == "pixels (InputLayer), code (Dense)"
    view.close()


def test_a_big_weight_is_binned_from_an_even_sample_but_its_statistics_use_every_value():
    from kerasbook.widgets import graph_panel
    dense = layers.Dense(1000, name="wide")
    dense.build((None, 2500))  # 2.5 million weights
    summary = graph_panel.weight_summary(dense.kernel)
    kernel = dense.kernel.numpy()
    assert summary["every"] == 3 and sum(summary["counts"]) == len(kernel.reshape(-1)[::3])
    assert summary["low"] == float(f"{kernel.min():.4g}") and summary["std"] == float(f"{kernel.std():.4g}")
    assert graph_panel.weight_summary(dense.bias)["every"] == 1


def test_the_panel_draws_its_charts_as_wide_as_it_shows_them():
    """A picture wider than the 300 px panel is scaled down by the browser, and its labels with it
    (a 560 px bar chart's numbers came out 6 px high)."""
    import io

    from PIL import Image

    from kerasbook.widgets import graph_view
    x = keras.Input((6,), name="features")
    hidden = layers.Dense(8, activation="relu", name="hidden")(layers.Reshape((2, 3))(x))  # a sequence
    model = keras.Model(x, layers.Dense(3, name="head")(layers.Flatten()(hidden)), name="mlp")
    view = GraphView(model, np.random.default_rng(2).random((1, 6), dtype="float32"))
    for name in ("head", "hidden"):  # bars, then a heat map
        view.select(name, 0)
        width, _ = Image.open(io.BytesIO(view.activation_png())).size
        assert 200 <= width <= graph_view.PANEL_WIDTH, (name, width)
    view.close()


def test_a_vector_activation_goes_to_the_front_end_as_numbers_for_svg_bars():
    """Units are drawn by the front-end as vector bars in the theme's colours; the panel carries the
    values, a value axis with 0 inside and round ticks, and the unit numbers."""
    x = keras.Input((4,), name="features")
    model = keras.Model(x, layers.Dense(6, name="head")(x), name="mlp")
    sample = np.random.default_rng(3).normal(size=(1, 4)).astype("float32")
    view = GraphView(model, sample)
    view.select("head", 0)
    bars = view.details()["bars"]
    np.testing.assert_allclose(bars["values"], np.asarray(model(sample))[0], rtol=1e-3, atol=1e-6)
    assert bars["low"] <= min(0, *bars["values"]) and bars["high"] >= max(0, *bars["values"])
    assert [unit for unit, _ in bars["units"]] == list(range(6))
    assert all(bars["low"] <= value <= bars["high"] for value, _ in bars["ticks"]) and len(bars["ticks"]) >= 2
    assert view.activation == b"" and view.activation_png()[:4] == b"\x89PNG"  # PNG: the fallback's only
    view.close()


def test_a_feature_map_shows_its_first_nine_channels_in_the_panel():
    x = keras.Input((8, 8, 1), name="img")
    model = keras.Model(x, layers.Conv2D(12, 3, name="conv")(x), name="cnn")
    view = GraphView(model, np.random.default_rng(1).random((1, 8, 8, 1), dtype="float32"))
    assert view.selected == "conv [node 0]"
    assert "shape (6, 6, 12), channels 0-8 of 12;" in view.details()["activation"]
    assert view.activation_png()[:4] == b"\x89PNG"
    view.close()


def test_feature_maps_and_a_sequence_go_to_the_front_end_as_levels_on_one_colour_scale():
    """rasters.js draws them (as ActivationExplorer does) in the panel, sharp and in the theme's
    colours: the kernel sends one byte a pixel on the layer's colour scale, and what to draw."""
    from kerasbook.viz import activations
    x = keras.Input((8, 8, 1), name="img")
    conv = layers.Conv2D(12, 3, name="conv")(x)
    steps = layers.Dense(5, name="steps")(layers.Reshape((36, 12))(conv))  # a (36, 5) sequence
    model = keras.Model(x, steps, name="cnn")
    sample = np.random.default_rng(1).random((1, 8, 8, 1), dtype="float32")
    view = GraphView(model, sample)
    view.select("conv", 0)
    maps = np.asarray(keras.Model(x, conv)(sample))[0]
    raster = view.details()["raster"]
    assert raster["kind"] == "maps" and raster["channels"] == list(range(9)) and raster["tile"] == [6, 6]
    assert (raster["low"], raster["high"]) == activations.value_range(maps)  # all 12 channels' scale
    levels = np.frombuffer(view.levels, "uint8").reshape(9, 6, 6)
    expected = activations.quantize(maps[..., :9], *activations.value_range(maps))
    np.testing.assert_array_equal(levels, np.moveaxis(expected, -1, 0))
    assert raster["ticks"][0][1] == 0.0 and raster["ticks"][-1][1] == 1.0
    view.select("steps", 0)
    raster = view.details()["raster"]
    assert (raster["kind"], raster["rows"], raster["columns"]) == ("sequence", 36, 5)
    assert len(view.levels) == 36 * 5 and view.activation == b""  # no PNG travels with a raster
    view.select("img", 0)  # an input: nothing to draw
    assert "raster" not in view.details() and view.levels == b""
    view.close()


def test_a_shape_the_front_end_does_not_draw_travels_as_a_png():
    x = keras.Input((3,), name="features")
    model = keras.Model(x, layers.Dense(1100, name="wide")(x), name="wide_mlp")  # over MAX_BARS units
    view = GraphView(model, np.ones((1, 3), "float32"))
    view.select("wide", 0)
    assert "bars" not in view.details() and "raster" not in view.details() and view.levels == b""
    assert view.activation[:4] == b"\x89PNG" and view.activation == view.activation_png()
    view.close()


def test_graph_magic_follows_the_name_to_the_model_built_last():
    """`%graph cnn`, then the cell that builds cnn runs again: the inspector shows the new model."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_line_magic("load_ext", "kerasbook")
        build = ("cnn = keras.Sequential([keras.Input((8,)), layers.Dense({units}, name='d{units}')],"
                 " name='cnn{units}')")
        shell.run_cell(build.format(units=3)).raise_error()
        shell.run_cell("view = keras.widgets.GraphView(cnn).follow('cnn')").raise_error()
        view, first = shell.user_ns["view"], shell.user_ns["cnn"]
        assert view.followed_name == "cnn" and any("d3" in t for t in view.titles())
        shell.run_cell(build.format(units=5)).raise_error()  # the student re-runs the cell
        assert view.model is shell.user_ns["cnn"] and view.model is not first
        assert any("d5" in t for t in view.titles()) and not any("d3" in t for t in view.titles())
        assert observer_count(first) == 0  # the old model is let go
        shell.run_cell("%graph cnn").raise_error()  # the magic makes a following view too
        view.close()
        shell.run_line_magic("unload_ext", "kerasbook")
    finally:
        InteractiveShell.clear_instance()
