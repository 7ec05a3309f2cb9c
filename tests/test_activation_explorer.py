"""ActivationExplorer driven from Python: what it draws (pages of channels on one colour scale, the
input, bar charts with labels, a classifier's top classes, sequences as heat maps), read from the
data its front-end draws and from its fallback picture."""

import numpy as np
import pytest
import traitlets

import kerasbook as keras
from kerasbook import layers
from kerasbook.widgets.features import Features, check_batch


def cnn(name="cnn"):
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu", name="conv"),
                             layers.MaxPooling2D(name="pool"), layers.Flatten(name="flat"),
                             layers.Dense(10, activation="softmax", name="probs")], name=name)


def test_a_sample_without_the_batch_axis_names_the_shape_and_the_fix():
    model = cnn()
    x = np.zeros((3, 28, 28, 1), "float32")
    with pytest.raises(ValueError) as error:
        Features().compute(model, x[0])
    message = str(error.value)
    assert "(None, 28, 28, 1)" in message and "(28, 28, 1)" in message
    assert "x[None]" in message and "[:1]" in message
    with pytest.raises(ValueError, match=r"x has shape \(3, 28, 28, 3\)") as other:
        check_batch(model, np.zeros((3, 28, 28, 3)), who="GraphView")
    assert str(other.value).startswith("GraphView:") and "x[None]" not in str(other.value)
    check_batch(model, x)  # a batch passes
    assert len(Features().compute(model, x)) == 4


# -- helpers ---------------------------------------------------------------------------------------

from kerasbook.viz import activations  # noqa: E402
from kerasbook.widgets import ActivationExplorer  # noqa: E402


def shown(widget):
    """The widget as a notebook shows it: its front-end reports an open view, so it follows changes."""
    widget._on_front_end_message(widget, {"kind": "view", "open": True}, [])
    return widget


def drawn_levels(explorer):
    """The uint8 levels the front-end draws for the current page of maps: `(tiles, h, w)`."""
    h, w = explorer.view["tile"]
    return np.frombuffer(explorer.levels, "uint8").reshape(-1, h, w)


def images(n=3, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")


def two_conv_model(channels=20):
    """A conv layer whose channel 3 is dead (zero kernel and bias: all zeros after relu) and whose
    channel 5 is ten times stronger than the others."""
    model = keras.Sequential([keras.Input((28, 28, 1)),
                              layers.Conv2D(channels, 3, activation="relu", name="conv"),
                              layers.Conv2D(4, 3, name="conv2")], name="cnn2")
    if channels <= 5:
        return model
    kernel, bias = (np.array(w) for w in model.get_layer("conv").get_weights())
    kernel[..., 3], bias[3] = 0, 0
    kernel[..., 5] = np.abs(kernel[..., 5]) * 10
    model.get_layer("conv").set_weights([kernel, bias])
    return model


def functional_with_shared_layer():
    x = keras.Input((5, 4), name="seq")
    shared = layers.Dense(4, name="shared")
    h = shared(shared(x))
    out = layers.Dense(3, name="head")(layers.Flatten(name="flat")(h))
    return keras.Model(x, out, name="fm")


# -- layers and the feature model ------------------------------------------------------------------

def test_every_call_is_listed_a_shared_layer_once_per_call_and_switching_only_draws():
    model = functional_with_shared_layer()
    x = np.random.default_rng(0).random((1, 5, 4)).astype("float32")
    explorer = shown(ActivationExplorer(model, x))
    assert explorer.layers == ["shared [node 0]", "shared [node 1]", "flat [node 0]", "head [node 0]"]
    assert explorer.view["kind"] == "sequence" and "shape (5, 4)" in explorer.view["caption"]
    shared = model.get_layer("shared")
    kernel, bias = shared.kernel.numpy(), shared.bias.numpy()
    once = x[0] @ kernel + bias
    np.testing.assert_allclose(explorer.activation("shared [node 0]"), once, rtol=1e-5, atol=1e-6)
    explorer.layer = "shared [node 1]"  # the second call: the layer applied to its own output
    np.testing.assert_allclose(explorer.activation(), once @ kernel + bias, rtol=1e-5, atol=1e-5)
    assert explorer.view["title"] == "shared [node 1]"
    explorer.layer = "head [node 0]"
    np.testing.assert_allclose(explorer.activation(), np.asarray(model(x))[0], rtol=1e-5, atol=1e-6)
    assert explorer.extractions == 1  # switching only draws
    features = explorer.features
    (compiled,) = features._jit_cache.values()
    model.set_weights([w * 0 for w in model.get_weights()])
    assert explorer.extractions == 2 and np.all(explorer.activation() == 0)
    # New weights run the same compiled program again: no new model, no new trace.
    assert explorer.features is features and list(features._jit_cache.values()) == [compiled]
    explorer.close()


def test_a_new_graph_builds_a_new_feature_model():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    explorer = shown(ActivationExplorer(model, np.ones((1, 4), "float32")))
    first = explorer.features
    model.add(layers.Dense(6, name="c"))
    assert explorer.features is not first and explorer.layers[-1] == "c [node 0]"
    assert explorer.activation("c [node 0]").shape == (6,)
    model.pop()
    model.pop()
    assert explorer.layers == ["a [node 0]"] and explorer.layer == "a [node 0]"
    assert explorer.view["shape"] == [3]
    explorer.close()


# -- feature maps: pages, one scale, tiles ---------------------------------------------------------

def test_pages_of_channels_and_a_new_layer_starts_on_its_first_page():
    explorer = ActivationExplorer(two_conv_model(20), images(1), tiles=8)
    view = explorer.view
    assert (view["kind"], view["channels"], view["pages"], view["count"]) == ("maps", list(range(8)), 3, 20)
    assert drawn_levels(explorer).shape == (8, 26, 26)
    explorer.page = 2
    assert explorer.view["channels"] == [16, 17, 18, 19] and drawn_levels(explorer).shape == (4, 26, 26)
    assert "channels 16-19 of 20 (page 3 of 3)" in explorer.view["caption"]
    explorer.page = 7  # past the end: the last page
    assert explorer.page == 2 and explorer.view["page"] == 2
    explorer.tiles = 16
    assert explorer.view["pages"] == 2 and explorer.view["channels"] == [16, 17, 18, 19]
    explorer.layer = "conv2 [node 0]"
    assert explorer.page == 0 and explorer.view["channels"] == [0, 1, 2, 3]
    explorer.close()


def test_tiles_share_one_colour_scale_so_a_dead_channel_looks_dead():
    explorer = ActivationExplorer(two_conv_model(20), images(1), tiles=8)
    maps = explorer.activation()
    view, levels = explorer.view, drawn_levels(explorer)
    assert (view["low"], view["high"]) == (float(maps.min()), float(maps.max()))  # the whole layer
    expected = np.clip((maps[..., :8] - maps.min()) / (maps.max() - maps.min()) * 255, 0, 255)
    assert np.abs(levels.astype(float) - np.moveaxis(expected, -1, 0)).max() <= 1
    assert levels[3].max() == 0  # the dead channel: the bottom of the scale everywhere
    assert levels[5].max() == 255 and np.median(levels[0]) < np.median(levels[5])
    # The colour bar is labelled from the exact minimum to the exact maximum.
    assert view["ticks"][0] == [activations.tick_text(maps.min()), 0.0]
    assert view["ticks"][-1] == [activations.tick_text(maps.max()), 1.0]
    assert "one colour scale for all channels" in view["caption"]
    explorer.page = 1  # the scale stays the layer's: pages can be compared
    assert (explorer.view["low"], explorer.view["high"]) == (view["low"], view["high"])
    explorer.close()


def test_per_channel_scaling_stretches_each_tile_to_its_own_range():
    explorer = ActivationExplorer(two_conv_model(20), images(1), tiles=8, per_channel=True)
    maps, levels = explorer.activation(), drawn_levels(explorer)
    stretched = 0
    for i, (low, high) in enumerate(explorer.view["ranges"]):
        assert [low, high] == [float(maps[..., i].min()), float(maps[..., i].max())]
        if high > low:
            assert (levels[i].min(), levels[i].max()) == (0, 255)
            stretched += 1
        else:
            assert levels[i].max() == 0  # a flat channel stays flat
    assert stretched >= 3 and levels[3].max() == 0
    assert [text for text, _ in explorer.view["ticks"]] == ["0", "1"]
    explorer.per_channel = False  # the toggle
    assert drawn_levels(explorer).max(axis=(1, 2)).tolist().count(255) == 1  # only the strongest
    assert "one colour scale" in explorer.view["caption"]
    explorer.close()


def test_tiles_are_at_least_64_px_enlarged_by_whole_pixels():
    assert activations.tile_zoom(26, 26, 96) == 4  # 104 px: each map pixel a 4 x 4 square
    assert activations.tile_zoom(28, 28, 64) == 3  # 84 px, never under 64
    assert activations.tile_zoom(7, 7, 64) == 10
    assert activations.tile_zoom(224, 224, 96) == 96 / 224  # big maps are reduced to the tile size
    explorer = ActivationExplorer(two_conv_model(4), images(1), tile_size=32)
    assert explorer.tile_size == 64  # the smallest tile
    explorer.tile_size = 128
    assert explorer.view["zoom"] == 5 and explorer.view["zoom"] * 26 >= 64
    explorer.close()


def test_big_maps_travel_as_averages_at_twice_the_tile_size():
    model = keras.Sequential([keras.Input((224, 224, 3)), layers.Conv2D(4, 1, name="wide")], name="big")
    explorer = ActivationExplorer(model, np.random.default_rng(0).random((1, 224, 224, 3)).astype("float32"))
    maps = explorer.activation()
    assert explorer.view["tile"] == [112, 112] and drawn_levels(explorer).shape == (4, 112, 112)
    averaged = maps.reshape(112, 2, 112, 2, 4).mean(axis=(1, 3))
    low, high = float(maps.min()), float(maps.max())  # the scale is still the full maps'
    expected = np.moveaxis(activations.quantize(averaged, low, high), -1, 0)
    assert np.abs(drawn_levels(explorer).astype(int) - expected).max() <= 1
    assert explorer.view["zoom"] == 96 / 112
    explorer.tile_size = 128  # 256 px or more: every pixel
    assert explorer.view["tile"] == [224, 224] and explorer.view["zoom"] == 128 / 224
    explorer.close()


# -- the input and the sample picker ---------------------------------------------------------------

def test_the_input_is_shown_and_a_sample_picker_chooses_among_several():
    model = two_conv_model(4)
    x = images(3)
    explorer = ActivationExplorer(model, x)
    assert explorer.samples == 3 and explorer.sample == 0
    picture = explorer.input_view
    assert picture["kind"] == "image" and picture["shape"] == [28, 28, 1] and picture["size"] == [28, 28]
    gray = np.frombuffer(explorer.input_levels, "uint8").reshape(28, 28, 3)
    expected = (x[0, ..., 0] - x[0].min()) / (x[0].max() - x[0].min()) * 255
    assert np.abs(gray[..., 1].astype(float) - expected).max() <= 1 and np.all(gray[..., 0] == gray[..., 2])
    before = explorer.levels
    explorer.sample = 2
    np.testing.assert_allclose(explorer.activation(), np.asarray(model.layers[0](x[2:3]))[0], rtol=1e-5, atol=1e-5)
    assert explorer.levels != before and explorer.input_levels != gray.tobytes()
    assert explorer.view["caption"].endswith("sample 2 of 3") and explorer.extractions == 1
    with pytest.raises(traitlets.TraitError, match=r"sample 3 is out of range: x holds 3 samples \(0 to 2\)"):
        explorer.sample = 3
    with pytest.raises(traitlets.TraitError, match='no layer call "conv" in model "cnn2"; its calls: conv '):
        explorer.layer = "conv"  # a call is named with its node: "conv [node 0]"
    explorer.close()
    one = ActivationExplorer(model, x[:1])
    assert one.samples == 1 and "sample" not in one.view["caption"]
    one.close()


def test_an_input_that_is_not_an_image_is_a_heat_map():
    explorer = ActivationExplorer(functional_with_shared_layer(), np.arange(20.0).reshape(1, 5, 4))
    picture = explorer.input_view
    assert picture["kind"] == "heatmap" and picture["size"] == [5, 4]
    assert (picture["low"], picture["high"]) == (0.0, 19.0)
    assert np.frombuffer(explorer.input_levels, "uint8")[[0, -1]].tolist() == [0, 255]
    explorer.close()


# -- sequences, units, classes ---------------------------------------------------------------------

def test_a_sequence_is_a_time_by_unit_heat_map_with_its_colour_bar():
    model = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(50, 12, name="embed"),
                              layers.SimpleRNN(5, return_sequences=True, name="rnn")], name="seq")
    tokens = np.array([[3, 14, 15, 9, 2, 6, 5]])
    explorer = ActivationExplorer(model, tokens)
    view = explorer.view
    assert (view["kind"], view["rows"], view["columns"]) == ("sequence", 7, 12)
    assert (view["down"], view["across"]) == ("time step", "unit")
    embedded = explorer.activation()
    np.testing.assert_array_equal(embedded, model.get_layer("embed").embeddings.numpy()[tokens[0]])
    levels = np.frombuffer(explorer.levels, "uint8").reshape(7, 12)
    assert levels.max() == 255 and levels.min() == 0
    assert view["ticks"][0][0] == activations.tick_text(embedded.min())
    assert view["row_ticks"] == list(range(7)) and view["column_ticks"] == [0, 2, 4, 6, 8, 10]
    explorer.layer = "rnn [node 0]"
    assert explorer.view["columns"] == 5 and "7 time steps x 5 units" in explorer.view["caption"]
    assert explorer.input_view["kind"] == "heatmap"  # token ids: one row of 7
    explorer.close()


def test_units_are_a_bar_chart_with_labelled_axes():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="hidden"), layers.Dense(30, name="wide"),
                              layers.Dense(2, name="out")], name="mlp")
    explorer = ActivationExplorer(model, np.ones((1, 4), "float32"))
    view = explorer.view
    values = explorer.activation()
    assert view["kind"] == "units" and view["values"] == [float(v) for v in values]
    assert view["x_ticks"] == [[0, "0"], [1, "1"], [2, "2"]] and view["x_label"] == "unit"
    assert view["y_label"] == "activation" and view["low"] <= 0 <= view["high"]
    ticks = [value for _, value in view["y_ticks"]]
    assert ticks and all(view["low"] <= t <= view["high"] for t in ticks)
    assert view["top"] is None  # a hidden layer has no classes
    explorer.layer = "wide [node 0]"
    assert explorer.view["x_ticks"] == [[0, "0"], [5, "5"], [10, "10"], [15, "15"], [20, "20"], [25, "25"]]
    explorer.close()


def test_a_classifier_lists_its_top_classes_by_name():
    model = cnn()
    x = images(2)
    digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    explorer = ActivationExplorer(model, x, sample=1, class_names=digits)
    explorer.layer = "probs [node 0]"
    scores = np.asarray(model(x))[1]
    best = np.argsort(-scores)[:5]
    assert [row[:2] for row in explorer.view["top"]] == [[int(i), digits[i]] for i in best]
    np.testing.assert_allclose([row[2] for row in explorer.view["top"]], scores[best], rtol=1e-5)
    assert explorer.view["x_label"] == "class" and explorer.view["x_ticks"][3] == [3, "three"]
    assert "top 5 classes" in explorer.view["caption"]
    explorer.close()


def test_imagenet_scores_are_named_through_decode_predictions(monkeypatch):
    from kerasbook.core.applications import imagenet_utils
    # What decode_predictions loads from Keras's class index file: {"0": [wordnet id, name], ...}
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    monkeypatch.setattr(activations, "_NAMES", {})
    scores = np.zeros(1000, "float32")
    scores[[281, 7, 999]] = [0.5, 0.3, 0.2]
    assert activations.top_classes(scores, 3) == [(281, "class_281", 0.5), (7, "class_7", 0.30000001192092896),
                                                  (999, "class_999", 0.20000000298023224)]
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1000, activation="softmax", name="predictions")])
    explorer = ActivationExplorer(model, np.ones((1, 4), "float32"))
    top = explorer.view["top"]
    assert len(top) == 5 and all(name == f"class_{unit}" for unit, name, _ in top)
    assert explorer.view["x_ticks"][:3] == [[0, "0"], [200, "200"], [400, "400"]]
    explorer.close()


# -- where the widget cannot run -------------------------------------------------------------------

def test_fallbacks_show_the_current_view_at_its_size_and_text_without_floats():
    import base64
    import io
    import re

    from PIL import Image

    explorer = ActivationExplorer(two_conv_model(20), images(2), tiles=8)
    explorer.page = 1
    text = explorer.fallback_text()
    assert text == ('ActivationExplorer of model "cnn2": conv [node 0]: shape (26, 26, 20), channels 8-15 of '
                    '20 (page 2 of 3), one colour scale for all channels; sample 0 of 2')
    page = explorer.fallback_html()
    width = int(re.search(r'width="(\d+)"', page).group(1))
    data = base64.b64decode(re.search(r"base64,([^\"]+)", page).group(1))
    picture = Image.open(io.BytesIO(data))
    assert picture.size[0] == width  # shown at its own size: not stretched
    # Tiles of 4 x 26 = 104 px: the picture holds 104-px squares of one map pixel every 4 px.
    assert width >= 104 * 3
    assert re.sub(r"base64,[^\"]+", "", page) == re.sub(r"base64,[^\"]+", "", explorer.fallback_html())
    explorer.close()


def test_ticks_are_round_numbers_and_colour_bars_are_labelled_at_their_exact_ends():
    from kerasbook.viz import pictures
    assert activations.nice_ticks(0.0, 0.831) == [0.0, 0.25, 0.5, 0.75]
    assert activations.nice_ticks(0.0003, 0.9997) == [0.25, 0.5, 0.75]
    assert activations.nice_ticks(2.0, 2.0) == [2.0]
    assert activations.index_ticks(8) == list(range(8)) and activations.index_ticks(10) == [0, 2, 4, 6, 8]
    assert activations.index_ticks(1000) == [0, 200, 400, 600, 800]
    ends = pictures.bar_ticks(-0.0482, 0.0494)
    assert ends[0] == (-0.0482, 0.0) and ends[-1] == (0.0494, 1.0)
    assert all(0.25 <= position <= 0.75 for _, position in ends[1:-1])  # room for the ends' labels
    assert [activations.tick_text(v) for v in (0.0, 0.8312, 1234.5, -3.0)] == ["0", "0.831", "1.23e+03", "-3"]


# -- attention layers: their scores as a heat map --------------------------------------------------

VOCABULARY = ["", "[UNK]", "the", "cat", "sat", "on", "mat", "a", "dog"]
SENTENCES = np.array([[2, 3, 4, 5, 2, 6], [7, 8, 4, 0, 0, 0]])  # "the cat sat on the mat", "a dog sat"


def attention_model():
    ids = keras.Input(shape=(6,), dtype="int32")
    x = layers.Embedding(len(VOCABULARY), 8, name="embed")(ids)
    y = layers.MultiHeadAttention(num_heads=3, key_dim=4, name="mha")(x, x)
    z = layers.Attention(name="dot")([y, x])
    return keras.Model(ids, layers.Dense(2, name="out")(layers.GlobalAveragePooling1D(name="pool")(z)))


def test_an_attention_layer_shows_its_scores_per_head_on_one_scale():
    model = attention_model()
    explorer = shown(ActivationExplorer(model, SENTENCES, vocabulary=VOCABULARY))
    explorer.layer = "mha [node 0]"
    view = explorer.view
    assert view["kind"] == "attention" and (view["heads"], view["rows"], view["columns"]) == (3, 6, 6)
    embedded = model.get_layer("embed")(SENTENCES)
    _, expected = model.get_layer("mha")(embedded, embedded, return_attention_scores=True)
    np.testing.assert_allclose(explorer.attention_scores(), np.asarray(expected)[0], atol=1e-6)
    low, high = 0.0, float(np.asarray(expected)[0].max())  # one scale for all heads, from 0
    assert view["low"] == low and abs(view["high"] - high) < 1e-6
    for head in range(3):
        explorer.head = head
        levels = np.frombuffer(explorer.levels, "uint8").reshape(6, 6)
        np.testing.assert_array_equal(levels, activations.quantize(np.asarray(expected)[0, head], low, high))
    assert "attention scores of head 2 of 3: 6 queries x 6 keys, tokens on the axes" in explorer.caption()
    assert len(model.get_layer("mha")._inbound_nodes) == 1  # the feature model added no call to the layer


def test_tokens_label_the_axes_and_padding_is_named():
    explorer = shown(ActivationExplorer(attention_model(), SENTENCES, vocabulary=VOCABULARY, sample=1))
    explorer.layer = "mha [node 0]"
    assert explorer.view["row_labels"] == ["a", "dog", "sat", "[pad]", "[pad]", "[pad]"]
    assert explorer.view["column_labels"] == explorer.view["row_labels"]
    plain = shown(ActivationExplorer(attention_model(), SENTENCES))
    plain.layer = "mha [node 0]"
    assert plain.view["row_labels"] is None and "tokens" not in plain.caption()  # positions instead


def test_a_head_past_the_last_is_brought_back_and_the_output_can_be_shown_instead():
    explorer = shown(ActivationExplorer(attention_model(), SENTENCES))
    explorer.layer = "mha [node 0]"
    explorer.head = 7
    assert explorer.head == 2 and explorer.view["head"] == 2
    explorer.show_scores = False
    assert explorer.view["kind"] == "sequence" and explorer.view["attention"] is True
    explorer.show_scores = True
    explorer.layer = "dot [node 0]"  # Attention: one head, (Tq, Tv)
    assert explorer.view["kind"] == "attention" and explorer.view["heads"] == 1
    np.testing.assert_allclose(explorer.attention_scores()[0].sum(axis=-1), np.ones(6), atol=1e-5)
    explorer.layer = "pool [node 0]"
    assert explorer.view["kind"] == "units" and explorer.attention_scores() is None


def test_the_fallback_shows_the_heat_map_under_its_caption():
    explorer = ActivationExplorer(attention_model(), SENTENCES, vocabulary=VOCABULARY)
    explorer.layer = "mha [node 0]"
    html = explorer.fallback_html()
    assert "attention scores of head 0 of 3" in html and "<img" in html
    picture = explorer.picture()
    assert picture.ndim == 3 and picture.shape[0] > 6 * 8 and picture.shape[1] > 6 * 8


def test_graph_views_panel_shows_an_attention_calls_scores_too():
    from kerasbook.widgets import GraphView
    model = attention_model()
    view = GraphView(model, SENTENCES)
    view.select("mha")
    assert "attention scores of head 0 of 3 (6 queries x 6 keys)" in view.panel["activation"]
    # Drawn by the same front-end code as the explorer's heat map, from the same levels.
    explorer = ActivationExplorer(model, SENTENCES, layer="mha [node 0]")
    assert view.panel["raster"]["kind"] == "attention" and view.levels == explorer.levels
    assert {k: view.panel["raster"][k] for k in ("heads", "rows", "columns", "ticks", "low", "high")} == {
        k: explorer.view[k] for k in ("heads", "rows", "columns", "ticks", "low", "high")}
    view.select("pool")
    assert "attention" not in view.panel["activation"] and "raster" not in view.panel


def test_discretization_adapts_to_kerases_boundaries():
    """Keras's quantile summary is plain NumPy (no TensorFlow): its functions are the oracle."""
    from keras.src.layers.preprocessing import discretization as theirs
    data = np.random.default_rng(0).normal(size=(3000,)).astype("float32")
    batches = np.array_split(data, 3)
    summary = np.array([[], []], "float32")
    for batch in batches:
        summary = theirs.merge_summaries(theirs.summarize(batch, 0.01), summary, 0.01)
    layer = layers.Discretization(num_bins=5)
    layer.adapt(iter(batches))
    assert layer.bin_boundaries == theirs.get_bin_boundaries(summary, 5).tolist()
