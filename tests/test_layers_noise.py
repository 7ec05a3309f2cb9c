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
    np.testing.assert_allclose(float(loss), 0.1 * 12 + 0.01 * 24, rtol=1e-6)
