"""Normalization layers against Keras 3, in inference and training (statistics and moving averages)."""

import jax
import numpy as np
import pytest

import kerasbook

import keras  # the oracle

X = np.random.default_rng(0).normal(2.0, 3.0, size=(6, 5, 4)).astype("float32")
IMAGES = np.random.default_rng(1).normal(1.0, 2.0, size=(3, 4, 5, 6)).astype("float32")
MASK = np.random.default_rng(2).random((6, 5)) > 0.3
TOL = dict(rtol=1e-5, atol=1e-5)
pytestmark = pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")


def _pair(name, x, **kwargs):
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(kerasbook.layers, name)(**kwargs)
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [(w.name, w.shape, w.trainable) for w in ours.weights] == \
        [(w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    weights = [w + np.random.default_rng(3).random(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert ours.count_params() == theirs.count_params()
    assert set(ours.get_config()) == set(theirs.get_config())
    assert ours(kerasbook.Input(x.shape[1:])).shape == theirs(keras.Input(x.shape[1:])).shape
    return theirs, ours


@pytest.mark.parametrize("x,kwargs", [(X, {}), (X, {"axis": 1, "scale": False}), (X, {"center": False}),
                                      (X, {"momentum": 0.9, "epsilon": 1e-5}), (IMAGES, {"axis": 1}),
                                      (IMAGES, {"center": False, "scale": False})])
def test_batch_normalization_equals_keras_in_both_modes(x, kwargs):
    theirs, ours = _pair("BatchNormalization", x, **kwargs)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), **TOL)
    np.testing.assert_allclose(np.asarray(ours(x, training=True)), np.asarray(theirs(x, training=True)), **TOL)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # moving statistics updated alike
        np.testing.assert_allclose(a, b, **TOL)


def test_batch_normalization_statistics_skip_masked_positions_like_keras():
    theirs, ours = _pair("BatchNormalization", X)
    expected = theirs(X, training=True, mask=MASK)
    np.testing.assert_allclose(np.asarray(ours(X, training=True, mask=MASK)), np.asarray(expected), **TOL)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, **TOL)


def test_batch_normalization_updates_land_in_the_stateless_scope_under_jit():
    layer = kerasbook.layers.BatchNormalization(momentum=0.5)
    layer.build(X.shape)
    before = layer.moving_mean.numpy()

    @jax.jit
    def step(trainable, non_trainable, x):
        return layer.stateless_call(trainable, non_trainable, x, training=True)

    _, new_values = step([v.value for v in layer.trainable_variables],
                            [v.value for v in layer.non_trainable_variables], X)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before)  # the real variable is untouched
    np.testing.assert_allclose(np.asarray(new_values[0]), 0.5 * X.reshape(-1, 4).mean(0), rtol=1e-5)


def test_frozen_batch_normalization_runs_in_inference_mode_and_fit_updates_statistics():
    theirs, ours = _pair("BatchNormalization", X)
    theirs.trainable = ours.trainable = False
    np.testing.assert_allclose(np.asarray(ours(X, training=True)), np.asarray(theirs(X, training=True)), **TOL)
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


@pytest.mark.parametrize("name,x,kwargs", [
    ("LayerNormalization", X, {}), ("LayerNormalization", X, {"axis": [1, 2]}),
    ("LayerNormalization", X, {"scale": False, "epsilon": 1e-6}), ("LayerNormalization", X, {"rms_scaling": True}),
    ("GroupNormalization", IMAGES, {"groups": 3}), ("GroupNormalization", IMAGES, {"groups": 2, "axis": 1}),
    ("GroupNormalization", X, {"groups": 1, "center": False}),
    ("UnitNormalization", X, {}), ("UnitNormalization", IMAGES, {"axis": [1, 2]}),
])
def test_per_sample_normalizations_equal_keras(name, x, kwargs):
    theirs, ours = _pair(name, x, **kwargs)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), **TOL)


def test_normalizations_pass_masks_on():
    inputs = kerasbook.Input((None,), dtype="int32")
    x = kerasbook.layers.Embedding(10, 4, mask_zero=True)(inputs)
    for layer in (kerasbook.layers.BatchNormalization(), kerasbook.layers.LayerNormalization()):
        assert layer(x)._keras_mask is not None
