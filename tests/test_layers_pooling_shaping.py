"""Padding, cropping, up-sampling, repeating and permuting layers against Keras 3."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(0)
CASES = [
    ("ZeroPadding1D", (2, 5, 3), {"padding": 2}), ("ZeroPadding1D", (2, 5, 3), {"padding": (1, 3)}),
    ("ZeroPadding2D", (2, 4, 5, 3), {"padding": 1}), ("ZeroPadding2D", (2, 4, 5, 3), {"padding": ((1, 2), (0, 3))}),
    ("ZeroPadding3D", (1, 3, 3, 3, 2), {"padding": 1}),
    ("Cropping1D", (2, 6, 3), {"cropping": (1, 2)}), ("Cropping2D", (2, 6, 7, 3), {"cropping": ((1, 2), (2, 1))}),
    ("Cropping3D", (1, 5, 5, 5, 2), {"cropping": 1}),
    ("UpSampling1D", (2, 4, 3), {"size": 3}), ("UpSampling2D", (2, 3, 4, 2), {"size": (2, 3)}),
    ("UpSampling2D", (2, 3, 4, 2), {"size": 2, "interpolation": "bilinear"}),
    ("UpSampling3D", (1, 2, 2, 2, 2), {"size": 2}),
    ("RepeatVector", (2, 3), {"n": 4}), ("Permute", (2, 3, 4, 5), {"dims": (3, 1, 2)}),
]


@pytest.mark.parametrize("name,shape,kwargs", CASES)
def test_shaping_layers_equal_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    expected = np.asarray(getattr(keras.layers, name)(**kwargs)(x))
    ours = getattr(kerasbook.layers, name)(**kwargs)
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert ours(kerasbook.Input(shape[1:])).shape == (None,) + expected.shape[1:]
