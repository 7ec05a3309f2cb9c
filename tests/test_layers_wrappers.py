"""TimeDistributed over a layer and over a whole model, against Keras 3."""

import numpy as np

import kerasbook

import keras  # the oracle


def test_time_distributed_dense_equals_keras():
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3))
    ours = kerasbook.layers.TimeDistributed(kerasbook.layers.Dense(3))
    expected = theirs(x)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(expected), rtol=1e-6, atol=1e-6)
    assert ours.count_params() == theirs.count_params() == 15


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
