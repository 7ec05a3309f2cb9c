"""Training-only noise layers: identity in inference, the right statistics in training."""

import numpy as np
import pytest

import kerasbook
from kerasbook import layers

X = np.ones((8, 6, 6, 16), "float32")


@pytest.mark.parametrize("layer", [layers.SpatialDropout2D(0.5, seed=1), layers.GaussianNoise(0.5, seed=1),
                                   layers.GaussianDropout(0.5, seed=1), layers.Dropout(0.5, seed=1)])
def test_identity_in_inference(layer):
    np.testing.assert_array_equal(np.asarray(layer(X)), X)


def test_spatial_dropout_drops_whole_channels():
    out = np.asarray(layers.SpatialDropout2D(0.5, seed=3)(X, training=True))
    per_channel = out.reshape(8, 36, 16)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # one decision per channel
    assert 0.3 < (per_channel[:, 0] == 0).mean() < 0.7


def test_gaussian_noise_statistics():
    out = np.asarray(layers.GaussianNoise(0.5, seed=2)(X, training=True))
    assert abs(out.mean() - 1.0) < 0.02 and abs(out.std() - 0.5) < 0.02


def test_activity_regularization_adds_its_penalty():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    layer(np.full((2, 3), 2.0, "float32"))
    (loss,) = layer.losses
    # Keras divides an activity penalty by the batch size (2 here): (0.1 * 12 + 0.01 * 24) / 2
    np.testing.assert_allclose(float(loss), (0.1 * 12 + 0.01 * 24) / 2, rtol=1e-6)


def test_alpha_dropout_keeps_mean_and_variance_of_standard_inputs():
    x = np.random.default_rng(0).normal(size=(200, 100)).astype("float32")
    layer = layers.AlphaDropout(0.2, seed=4)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    out = np.asarray(layer(x, training=True))
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1.0) < 0.03
    values, counts = np.unique(out, return_counts=True)
    assert 0.15 < counts.max() / out.size < 0.25  # the dropped values (20%) share one value


@pytest.mark.parametrize("name,shape,kwargs", [("SpatialDropout1D", (4, 5, 6), {}),
                                               ("SpatialDropout3D", (2, 6, 3, 3, 3), {"data_format": "channels_first"}),
                                               ("GaussianDropout", (3, 4), {}), ("AlphaDropout", (3, 4), {})])
def test_noise_layers_configs_and_shapes_match_keras(name, shape, kwargs):
    import keras
    rate = {"GaussianNoise": "stddev"}.get(name, "rate")
    theirs = getattr(keras.layers, name)(**{rate: 0.3}, **kwargs)
    ours = getattr(layers, name)(**{rate: 0.3}, **kwargs)
    assert set(ours.get_config()) == set(theirs.get_config())
    assert ours(kerasbook.Input(shape[1:])).shape == theirs(keras.Input(shape[1:])).shape
    out = np.asarray(ours(np.ones(shape, "float32"), training=True))
    if name.startswith("Spatial"):  # whole channels dropped: one value per (sample, channel)
        channel_axis = 1 if kwargs else -1
        per_channel = np.moveaxis(out, channel_axis, -1).reshape(shape[0], -1, out.shape[channel_axis])
        assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
