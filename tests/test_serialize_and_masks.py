"""keras.layers.serialize / deserialize, Model.to_json / models.model_from_json, and the eager
`_keras_mask` of Embedding(mask_zero=True) and Masking, against Keras 3 (issue 15, 4)."""

import json
import sys

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from test_ops_graph import issue_model  # noqa: E402


def dense(k):
    return k.layers.Dense(3, activation="relu", name="d", kernel_regularizer="l2")


def test_layers_serialize_writes_what_keras_writes():
    ours, theirs = kerasbook.layers.serialize(dense(kerasbook)), keras.layers.serialize(dense(keras))
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_layers_deserialize_reads_keras_and_its_own():
    for record in (keras.layers.serialize(dense(keras)), kerasbook.layers.serialize(dense(kerasbook))):
        layer = kerasbook.layers.deserialize(record)
        assert isinstance(layer, kerasbook.layers.Dense)
        assert (layer.name, layer.units, type(layer.kernel_regularizer).__name__) == ("d", 3, "L2")
    back = keras.layers.deserialize(kerasbook.layers.serialize(dense(kerasbook)))
    assert isinstance(back, keras.layers.Dense) and back.units == 3


def test_layers_deserialize_names_an_unknown_class():
    with pytest.raises(TypeError, match="Could not locate class 'NoSuchLayer'"):
        kerasbook.layers.deserialize({"class_name": "NoSuchLayer", "config": {}})


def test_to_json_and_model_from_json_round_trip_both_ways():
    kerasbook.backend.clear_session()
    keras.backend.clear_session()
    ours, theirs = issue_model(kerasbook), issue_model(keras)
    assert json.loads(ours.to_json())["class_name"] == json.loads(theirs.to_json())["class_name"] == "Functional"
    assert ours.to_json(indent=2).startswith("{\n  ")  # kwargs go to json.dumps, as in Keras

    data = np.linspace(-1, 1, 16, dtype="float32").reshape(2, 8)
    rebuilt = kerasbook.models.model_from_json(ours.to_json())
    rebuilt.set_weights(ours.get_weights())
    np.testing.assert_allclose(rebuilt(data), ours(data), rtol=1e-6)
    assert [op.name for op in rebuilt._operations] == [op.name for op in ours._operations]

    from_keras = kerasbook.models.model_from_json(theirs.to_json())
    from_keras.set_weights(theirs.get_weights())
    np.testing.assert_allclose(from_keras(data), theirs(data), rtol=1e-5, atol=1e-6)
    into_keras = keras.models.model_from_json(ours.to_json())
    into_keras.set_weights(ours.get_weights())
    np.testing.assert_allclose(into_keras(data), ours(data), rtol=1e-5, atol=1e-6)


def test_sequential_to_json_round_trip():
    model = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(2, name="only")])
    rebuilt = kerasbook.models.model_from_json(model.to_json())
    assert isinstance(rebuilt, kerasbook.Sequential) and [l.name for l in rebuilt.layers] == ["only"]


@pytest.mark.parametrize("make,data", [
    (lambda k: k.layers.Embedding(10, 3, mask_zero=True), np.array([[1, 0, 2], [0, 0, 4]])),
    (lambda k: k.layers.Masking(), np.array([[[1.0], [0.0], [2.0]]], "float32")),
], ids=["embedding", "masking"])
def test_concrete_outputs_carry_keras_mask_as_in_keras(make, data):
    ours, theirs = make(kerasbook)(data), make(keras)(data)
    np.testing.assert_array_equal(ours._keras_mask, np.asarray(theirs._keras_mask))


def test_a_layer_reads_the_mask_an_eager_output_carries():
    ids = np.array([[3, 1, 0, 0]])
    embedded = kerasbook.layers.Embedding(5, 2, mask_zero=True)(ids)
    pooled = kerasbook.layers.GlobalAveragePooling1D()(embedded)  # averages the unmasked steps only
    np.testing.assert_allclose(pooled, np.asarray(embedded)[:, :2].mean(axis=1), rtol=1e-6)
