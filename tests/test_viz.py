"""Diagrams (graphviz) and activation plots (matplotlib, Agg)."""

import re

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.viz import activations, diagrams


def shared_and_nested_model():
    """x -> shared -> shared -> inner(model) -> cat; shared[0] -> d2 -> cat."""
    x = keras.Input(shape=(8,), name="x")
    shared = layers.Dense(8, name="shared")
    a = shared(x)
    b = shared(a)
    inner_in = keras.Input(shape=(8,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_dense")(inner_in), name="inner")
    out = layers.Concatenate(name="cat")([inner(b), layers.Dense(4, name="d2")(a)])
    return keras.Model(x, out, name="m")


def edges(source):
    return re.findall(r'^\s*"?([^"\s]+)"? -> "?([^"\s]+)"?$', source, flags=re.M)


def test_model_to_dot_one_box_per_layer_with_keras_arguments():
    dot = diagrams.model_to_dot(shared_and_nested_model(), show_shapes=True, show_dtype=True,
                                show_trainable=True, rankdir="LR", dpi=96)
    source = dot.source
    for name in ["x", "shared", "inner", "d2", "cat"]:
        assert source.count(f"<b>{name}</b>") == 1
    assert "Input shape: [(None, 4), (None, 4)]" in source
    assert "Output dtype: float32" in source and "Trainable" in source
    assert "rankdir=LR" in source and "dpi=96" in source
    assert ("shared", "inner") in edges(source) and ("d2", "cat") in edges(source)


def test_model_to_dot_sequential_expand_nested_and_activation():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="i1", activation="relu")], name="inner")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(4, name="first"), inner,
                              layers.Dense(1, name="last")], name="outer")
    flat = diagrams.model_to_dot(model, show_layer_activations=True).source
    assert "InputLayer" not in flat  # as Keras, a Sequential model is drawn without its Input
    assert edges(flat) == [("first", "inner"), ("inner", "last")]
    nested = diagrams.model_to_dot(model, expand_nested=True, show_layer_activations=True).source
    assert "cluster_inner" in nested and "Activation: relu" in nested
    assert edges(nested) == [("first", "inner/i1"), ("inner/i1", "last")]


def test_plot_model_and_model_to_dot_have_keras_arguments_and_defaults():
    import inspect

    import keras as real_keras

    for name in ("plot_model", "model_to_dot"):
        theirs = {k: p.default for k, p in inspect.signature(getattr(real_keras.utils, name)).parameters.items()}
        if name == "plot_model":
            theirs["to_file"] = None  # on purpose: no file given means an inline SVG, not model.png
        for function in (getattr(keras.utils, name), getattr(diagrams, name)):
            ours = {k: p.default for k, p in inspect.signature(function).parameters.items()}
            assert ours == theirs, function


def test_plot_model_defaults_draw_what_keras_draws():
    model = shared_and_nested_model()
    source = keras.utils.plot_model(model).source
    assert "<b>Dense</b>" in source and "<b>shared</b>" not in source  # Keras: no names by default
    assert "splines=ortho" in source and "dpi=200" in source
    named = keras.utils.model_to_dot(model, splines="spline").source  # model_to_dot: names by default
    assert "<b>shared</b>&#160;(Dense)" in named and "splines=spline" in named
    # show_trainable marks only layers with weights, as Keras
    marked = keras.utils.model_to_dot(model, show_trainable=True).source
    assert marked.count(">Trainable<") == 3  # shared, inner and d2; not x or cat
    with pytest.raises(ValueError, match="layer_range"):
        keras.utils.plot_model(model, layer_range=["x", "cat"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.utils.model_to_dot(model, show_colours=True)


def test_model_to_dot_subgraph_is_a_cluster_to_place_in_another_graph():
    import graphviz
    cluster = keras.utils.model_to_dot(shared_and_nested_model(), subgraph=True)
    assert cluster.name == "cluster_m" and "label=m" in cluster.source and "style=dashed" in cluster.source
    outer = graphviz.Digraph()
    outer.subgraph(cluster)
    assert "subgraph cluster_m" in outer.source


def test_unbuilt_sequential_is_refused():
    with pytest.raises(ValueError, match="not been built"):
        diagrams.model_to_dot(keras.Sequential([layers.Dense(2)]))


def test_plot_model_files_and_inline_svg(tmp_path):
    model = shared_and_nested_model()
    inline = keras.utils.plot_model(model, show_shapes=True)
    svg = inline._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "shared" in svg
    png = keras.utils.plot_model(model, to_file=tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert type(png).__name__ == "Image"
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.svg"))
    assert b"<svg" in (tmp_path / "m.svg").read_bytes()
    assert keras.utils.plot_model(model, to_file=str(tmp_path / "m.pdf")) is None
    assert (tmp_path / "m.pdf").read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match="png"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.txt"))


def test_node_graph_one_box_per_call_with_shared_colour_and_history_edges():
    graph = diagrams.node_graph(shared_and_nested_model())
    source = graph.source
    assert "<b>shared</b>&#160;[node 0]" in source and "<b>shared</b>&#160;[node 1]" in source
    assert source.count(diagrams._SHARED) == 4  # both rows (in, out) of both shared boxes
    assert edges(source) == [("x[0]", "shared[0]"), ("shared[0]", "shared[1]"),
                             ("shared[1]", "inner[0]"), ("shared[0]", "d2[0]"),
                             ("inner[0]", "cat[0]"), ("d2[0]", "cat[0]")]
    assert "in: [(None, 4), (None, 4)]" in source and "out: (None, 8)" in source
    assert repr(graph) == "<Diagram m (nodes): 6 boxes>"


def test_node_graph_labels_each_call_with_its_own_shapes():
    shared = layers.Dense(2, name="shared")
    short, long = keras.Input((3, 5), name="short"), keras.Input((7, 5), name="long")
    model = keras.Model([short, long], [shared(short), shared(long)], name="two_calls")
    boxes = {line.split(" [label=")[0].strip().strip('"'): line
             for line in diagrams.node_graph(model).dot.body if "[label=" in line}
    assert "in: (None, 3, 5)" in boxes["shared[0]"] and "out: (None, 3, 2)" in boxes["shared[0]"]
    assert "in: (None, 7, 5)" in boxes["shared[1]"] and "out: (None, 7, 2)" in boxes["shared[1]"]
    assert "[node 1]" in boxes["shared[1]"] and "(None, 3, 5)" not in boxes["shared[1]"]


def test_node_graph_expands_a_nested_model_call_in_a_cluster():
    source = diagrams.node_graph(shared_and_nested_model(), expand_nested=True).source
    assert 'subgraph "cluster_inner[0]"' in source
    found = edges(source)
    assert ("shared[1]", "inner[0]/inner_in[0]") in found
    assert ("inner[0]/inner_in[0]", "inner[0]/inner_dense[0]") in found
    assert ("inner[0]/inner_dense[0]", "cat[0]") in found


def test_node_graph_nested_model_called_twice_gets_two_clusters():
    inner_in = keras.Input((3,), name="ii")
    inner = keras.Model(inner_in, layers.Dense(3, name="idense")(inner_in), name="block")
    x = keras.Input((3,), name="x")
    model = keras.Model(x, inner(inner(x)), name="twice")
    source = diagrams.node_graph(model, expand_nested=True).source
    assert 'cluster_block[0]' in source and 'cluster_block[1]' in source
    assert ("block[0]/idense[0]", "block[1]/ii[0]") in edges(source)


def test_diagrams_are_deterministic():
    first = diagrams.node_graph(shared_and_nested_model(), expand_nested=True)
    # Same structure, new objects (new auto-names would differ, so names are given explicitly).
    second = diagrams.node_graph(shared_and_nested_model(), expand_nested=True)
    assert first.source == second.source
    assert first.svg() == second.svg()


def test_subclassed_model_is_one_box():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), "float32"))
    assert diagrams.model_to_dot(net).source.count("[label=") == 1
    assert "subclassed" in diagrams.node_graph(net).source


# -- activations --------------------------------------------------------------------------------

def test_plot_activation_feature_maps_with_channel_range():
    maps = np.random.default_rng(0).random((1, 6, 6, 10))
    figure = activations.plot_activation(maps, channels=(2, 7))
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == ["ch 2", "ch 3", "ch 4", "ch 5", "ch 6"]
    assert np.allclose(figure.axes[0].images[0].get_array(), maps[0, :, :, 2])
    one = activations.plot_activation(maps[0], channels=9)
    assert [ax.get_title() for ax in one.axes if ax.get_title()] == ["ch 9"]
    with pytest.raises(ValueError, match="no channels"):
        activations.plot_activation(maps, channels=(20, 30))


def test_plot_activation_heatmap_and_units():
    sequence = np.arange(12.0).reshape(1, 4, 3)
    heat = activations.plot_activation(sequence)
    assert heat.axes[0].images[0].get_array().shape == (4, 3)
    assert "time step" in heat.axes[0].get_ylabel()
    bars = activations.plot_activation(np.array([[1.0, -2.0, 3.0]]))
    assert [p.get_height() for p in bars.axes[0].patches] == [1.0, -2.0, 3.0]
    many = activations.plot_activation(np.linspace(0, 1, 200))
    assert len(many.axes[0].lines) == 1 and not many.axes[0].patches
    batch = activations.plot_activation(np.array([[1.0, 2.0], [5.0, 6.0]]), batched=True, sample=1)
    assert [p.get_height() for p in batch.axes[0].patches] == [5.0, 6.0]
    with pytest.raises(ValueError, match="shape"):
        activations.plot_activation(np.zeros((1, 2, 2, 2, 2)))


def test_activation_image_is_png_and_pyplot_untouched():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    before = pyplot.get_fignums()
    data = activations.activation_image(np.random.default_rng(1).random((5, 5, 4)))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert pyplot.get_fignums() == before  # no stray figure shows up in a notebook cell


def test_quick_activation_images_have_big_crisp_tiles_on_one_scale_with_a_colour_bar():
    from PIL import Image
    import io

    from kerasbook.viz import pictures

    def decoded(data):
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    maps = np.random.default_rng(3).random((1, 12, 12, 8)).astype("float32")
    maps[..., 1] *= 0.1  # a weak channel
    picture = decoded(activations.activation_image(maps, quick=True, channels=range(0, 4), batched=True))
    table = activations.colour_table("viridis")
    low, high = float(maps[0, ..., :4].min()), float(maps[0, ..., :4].max())  # one scale for the 4 shown
    for channel in (0, 1):
        # Each map pixel is an 8 x 8 square (12 px enlarged to 96 px) coloured on the shared scale.
        tile = table[pictures.enlarge(activations.quantize(maps[0, ..., channel], low, high), 8)]
        assert tile.shape[:2] == (96, 96) and _find(picture, tile), channel
    weak = activations.quantize(maps[0, ..., 1], low, high)
    assert weak.max() < 40  # the weak channel stays dark: not stretched to its own range
    # The colour bar: the colormap from its first colour to its last, in one row of the picture.
    rows = [r for r in range(picture.shape[0]) if (picture[r] == table[0]).all(-1).any()
            and (picture[r] == table[255]).all(-1).any()]
    assert rows
    bars = decoded(activations.activation_image(np.array([[1.0, -1.0]]), quick=True))
    assert (bars == pictures.BAR_UP).all(-1).any() and (bars == pictures.BAR_DOWN).all(-1).any()
    heat = decoded(activations.activation_image(np.random.default_rng(0).random((1, 6, 10)), quick=True))
    assert heat.shape[1] > 10 * 24  # cells of 24 px with axes and a colour bar


def _find(picture, tile):
    """Whether `tile` appears whole, pixel for pixel, somewhere in `picture`."""
    h, w = tile.shape[:2]
    for y, x in np.argwhere((picture[: -h + 1, : -w + 1] == tile[0, 0]).all(-1)):
        if np.array_equal(picture[y:y + h, x:x + w], tile):
            return True
    return False


def test_plot_activation_tiles_share_a_colour_scale_with_a_colour_bar():
    maps = np.random.default_rng(0).random((6, 6, 4)).astype("float32")
    maps[..., 2] *= 0.01
    figure = activations.plot_activation(maps, batched=False)
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert {(im.norm.vmin, im.norm.vmax) for im in images} == {(float(maps.min()), float(maps.max()))}
    assert all(im.get_interpolation() == "nearest" for im in images)
    assert any(ax.get_ylabel().startswith("activation") for ax in figure.axes)  # the colour bar
    separate = activations.plot_activation(maps, batched=False, per_channel=True)
    scales = {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in separate.axes if ax.images}
    assert len(scales) == 4
