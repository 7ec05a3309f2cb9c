"""BatchNormalization and LayerNormalization against Keras 3, in inference and training."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

X = np.random.default_rng(0).normal(2.0, 3.0, size=(6, 5, 4)).astype("float32")


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"center": False}, {"momentum": 0.9, "epsilon": 1e-5}])
def test_batch_normalization_equals_keras_in_both_modes(kwargs):
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours = kerasbook.layers.BatchNormalization(**kwargs)
    theirs.build(X.shape)
    ours.build(X.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    weights = [w + np.random.default_rng(1).random(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(ours(X, training=True)), np.asarray(theirs(X, training=True)),
                               rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # moving statistics updated alike
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_frozen_batch_normalization_runs_in_inference_mode_and_fit_updates_statistics():
    model = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.BatchNormalization()])
    model.compile("sgd", "mse")
    x = X.reshape(-1, 4)
    model.fit(x, x, epochs=1, batch_size=10, verbose=0)
    moving_mean = model.layers[0].moving_mean.numpy()
    assert not np.allclose(moving_mean, 0.0)  # carried out of the compiled step and written back
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    model.fit(x, x, epochs=1, batch_size=10, verbose=0)
    np.testing.assert_array_equal(model.layers[0].moving_mean.numpy(), moving_mean)


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"scale": False}, {"rms_scaling": True}])
def test_layer_normalization_equals_keras(kwargs):
    theirs = keras.layers.LayerNormalization(**kwargs)
    ours = kerasbook.layers.LayerNormalization(**kwargs)
    expected = theirs(X)
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(expected), rtol=1e-5, atol=1e-5)
