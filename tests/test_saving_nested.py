"""Nested functional models in `.keras` files, both ways with Keras 3 (issue 15, 5).

Keras 3 writes a nested functional model's entry in `input_layers` / `output_layers` with its call
index plus one (`["inner", 2, 0]` for its second call), its calls' arguments with the plain index
(`["inner", 0, 0]`), and a nested Sequential model's without the offset."""

import json
import pathlib
import zipfile

import numpy as np
import pytest

import kerasbook

import keras  # the oracle


def inner_model(k):
    i = k.Input((4,), name="i")
    return k.Model(i, k.layers.Dense(4, name="d")(i), name="inner")


def called_twice_in_a_row(k):
    """The outer model's output is the nested model's second call."""
    inner = inner_model(k)
    a = k.Input((4,), name="a")
    return k.Model(a, inner(inner(a)), name="outer")


def called_on_two_inputs(k):
    inner = inner_model(k)
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    y1, y2 = inner(a), inner(b)
    return k.Model([a, b], [y2, k.layers.Dense(2, name="p")(y1)], name="outer")


def calls_in_reverse_order(k):
    """The second call's output comes first in the graph."""
    inner = inner_model(k)
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    branch = k.layers.Dense(4, name="e")(b)
    return k.Model([a, b], k.layers.Add(name="s")([inner(branch), inner(a)]), name="outer")


def sequential_output(k):
    inner = k.Sequential([k.Input((4,)), k.layers.Dense(4, name="d")], name="inner")
    a = k.Input((4,), name="a")
    return k.Model(a, inner(inner(a)), name="outer")


BUILDERS = [called_twice_in_a_row, called_on_two_inputs, calls_in_reverse_order, sequential_output]


def _data(model):
    return [np.full((2, 4), n + 1, "float32") for n in range(len(model.inputs))]


def _outputs(model, data):
    result = model(data if len(data) > 1 else data[0])
    return [np.asarray(r) for r in (result if isinstance(result, (list, tuple)) else [result])]


def _output_layers(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["output_layers"]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_a_keras_file_with_a_nested_model_loads_in_kerasbook(builder, tmp_path):
    theirs = builder(keras)
    theirs.save(tmp_path / "theirs.keras")
    ours = kerasbook.models.load_model(tmp_path / "theirs.keras")
    data = _data(theirs)
    for a, b in zip(_outputs(ours, data), _outputs(theirs, data)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_a_kerasbook_file_with_a_nested_model_loads_in_keras_with_keras_indices(builder, tmp_path):
    ours, theirs = builder(kerasbook), builder(keras)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    assert _output_layers(tmp_path / "ours.keras") == _output_layers(tmp_path / "theirs.keras")
    loaded = keras.models.load_model(tmp_path / "ours.keras")
    data = _data(ours)
    for a, b in zip(_outputs(loaded, data), _outputs(ours, data)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_file_saved_before_the_engine_moved_to_core_engine_still_loads():
    """tests/data/saved_before_engine_move.keras was written by kerasbook at 0fefe93, when Layer, Node and
    KerasTensor lived in kerasbook/core/*.py: a nested functional model, ops between layers, a batch
    normalization, and Adam's state after one fit step. Loading it gives the outputs it gave then."""
    data = pathlib.Path(__file__).parent / "data"
    model = kerasbook.saving.load_model(data / "saved_before_engine_move.keras")
    x = np.linspace(-1, 1, 24, dtype="float32").reshape(4, 6)
    expected = np.load(data / "saved_before_engine_move_output.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["x", "inner", "bn", "head"]  # ops are not layers
