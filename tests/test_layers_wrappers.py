"""TimeDistributed over a layer and over a whole model, against Keras 3."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(0)


@pytest.mark.parametrize("make,shape", [
    (lambda lib: lib.layers.Dense(3, activation="tanh"), (2, 5, 4)),
    (lambda lib: lib.layers.Conv2D(3, 2, padding="same"), (2, 3, 6, 5, 2)),
    (lambda lib: lib.layers.LSTM(3), (2, 3, 6, 4)),
    (lambda lib: lib.layers.BatchNormalization(), (2, 5, 4)),
    (lambda lib: lib.layers.Flatten(), (2, 3, 4, 5)),
])
def test_time_distributed_equals_keras(make, shape):
    x = rng.normal(size=shape).astype("float32")
    theirs, ours = keras.layers.TimeDistributed(make(keras)), kerasbook.layers.TimeDistributed(make(kerasbook))
    expected = theirs(x)
    ours.build(x.shape)
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(expected), rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    assert ours(kerasbook.Input((None,) + shape[2:])).shape == theirs(keras.Input((None,) + shape[2:])).shape
    assert ours.compute_output_shape((None,) + shape[1:]) == tuple(theirs.compute_output_shape((None,) + shape[1:]))


def test_time_distributed_passes_the_mask_on():
    def build(lib):
        inputs = lib.Input((None,), dtype="int32")
        x = lib.layers.Embedding(10, 4, mask_zero=True)(inputs)
        x = lib.layers.TimeDistributed(lib.layers.Dense(3))(x)
        return lib.Model(inputs, lib.layers.LSTM(2)(x))
    theirs, ours = build(keras), build(kerasbook)
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    np.testing.assert_allclose(np.asarray(ours(tokens)), np.asarray(theirs(tokens)), rtol=1e-5, atol=1e-5)


def test_time_distributed_model_as_in_the_functional_guide():
    inputs = kerasbook.Input(shape=(784,))
    x = kerasbook.layers.Dense(64, activation="relu")(inputs)
    model = kerasbook.Model(inputs, kerasbook.layers.Dense(10, activation="softmax")(x))
    sequences = kerasbook.Input(shape=(20, 784))
    processed = kerasbook.layers.TimeDistributed(model)(sequences)
    assert processed.shape == (None, 20, 10)
    outer = kerasbook.Model(sequences, processed)
    out = np.asarray(outer(np.ones((2, 20, 784), "float32")))
    np.testing.assert_allclose(out[:, 3], np.asarray(model(np.ones((2, 784), "float32"))), rtol=1e-5)
    assert outer.count_params() == model.count_params()


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(ValueError, match="timesteps"):
        kerasbook.layers.TimeDistributed(kerasbook.layers.Dense(2))(kerasbook.Input((4,)))
