"""Pooling, padding, cropping, up-sampling, repeating and permuting layers against Keras 3."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(0)
CF = dict(data_format="channels_first")

POOL = [(name, shape, kwargs) for name, shape in [("MaxPooling1D", (2, 9, 3)), ("AveragePooling1D", (2, 9, 3)),
                                                  ("MaxPooling2D", (2, 7, 7, 3)), ("AveragePooling2D", (2, 7, 7, 3)),
                                                  ("MaxPooling3D", (1, 5, 5, 5, 2)), ("AveragePooling3D", (1, 5, 5, 5, 2))]
        for kwargs in (dict(pool_size=2), dict(pool_size=3, strides=2, padding="same"))]
POOL += [("MaxPooling2D", (2, 3, 7, 6), dict(pool_size=(2, 3), strides=1, **CF)),
         ("AveragePooling2D", (2, 3, 7, 6), dict(pool_size=3, strides=2, padding="same", **CF)),
         ("AveragePooling1D", (2, 3, 9), dict(pool_size=2, padding="same", **CF))]
POOL += [(f"Global{kind}Pooling{rank}D", shape, kwargs)
         for kind in ("Max", "Average")
         for rank, shape in ((1, (2, 7, 3)), (2, (2, 5, 6, 3)), (3, (1, 3, 4, 5, 2)))
         for kwargs in ({}, {"keepdims": True}, CF)]


@pytest.mark.parametrize("name,shape,kwargs", POOL)
def test_pooling_equals_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(kerasbook.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-6)
    assert ours(kerasbook.Input(shape[1:])).shape == theirs(keras.Input(shape[1:])).shape
    assert ours.count_params() == 0
    assert set(ours.get_config()) == set(theirs.get_config())


@pytest.mark.parametrize("kwargs", [{}, CF])
def test_global_average_pooling_1d_averages_only_unmasked_steps(kwargs):
    x = rng.normal(size=(2, 5, 3) if not kwargs else (2, 3, 5)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    expected = keras.layers.GlobalAveragePooling1D(**kwargs)(x, mask=mask)
    np.testing.assert_allclose(np.asarray(kerasbook.layers.GlobalAveragePooling1D(**kwargs)(x, mask=mask)),
                               np.asarray(expected), rtol=1e-6, atol=1e-6)


def test_keras_2_aliases():
    layers = kerasbook.layers
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D and layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D


SHAPING = [
    ("ZeroPadding1D", (2, 5, 3), {"padding": 2}), ("ZeroPadding1D", (2, 5, 3), {"padding": (1, 3)}),
    ("ZeroPadding2D", (2, 4, 5, 3), {"padding": 1}), ("ZeroPadding2D", (2, 4, 5, 3), {"padding": ((1, 2), (0, 3))}),
    ("ZeroPadding2D", (2, 3, 4, 5), {"padding": (1, 2), **CF}),
    ("ZeroPadding3D", (1, 3, 3, 3, 2), {"padding": 1}), ("ZeroPadding3D", (1, 2, 3, 3, 3), {"padding": (1, 0, 2), **CF}),
    ("Cropping1D", (2, 6, 3), {"cropping": (1, 2)}), ("Cropping2D", (2, 6, 7, 3), {"cropping": ((1, 2), (2, 1))}),
    ("Cropping2D", (2, 3, 6, 7), {"cropping": 2, **CF}),
    ("Cropping3D", (1, 5, 5, 5, 2), {"cropping": 1}), ("Cropping3D", (1, 2, 5, 5, 5), {"cropping": (1, 2, 0), **CF}),
    ("UpSampling1D", (2, 4, 3), {"size": 3}), ("UpSampling2D", (2, 3, 4, 2), {"size": (2, 3)}),
    ("UpSampling2D", (2, 3, 4, 2), {"size": 2, "interpolation": "bilinear"}),
    ("UpSampling2D", (2, 2, 3, 4), {"size": (3, 2), "interpolation": "bilinear", **CF}),
    ("UpSampling3D", (1, 2, 2, 2, 2), {"size": 2}), ("UpSampling3D", (1, 2, 2, 3, 2), {"size": (1, 2, 3), **CF}),
    ("RepeatVector", (2, 3), {"n": 4}), ("Permute", (2, 3, 4, 5), {"dims": (3, 1, 2)}),
]


@pytest.mark.parametrize("name,shape,kwargs", SHAPING)
def test_shaping_layers_equal_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(kerasbook.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert ours(kerasbook.Input(shape[1:])).shape == theirs(keras.Input(shape[1:])).shape
    assert ours.compute_output_shape((None,) + shape[1:]) == tuple(theirs.compute_output_shape((None,) + shape[1:]))
    assert set(ours.get_config()) == set(theirs.get_config())


@pytest.mark.parametrize("name", ["Cropping1D", "Cropping2D", "Cropping3D"])
def test_cropping_defaults_equal_keras(name):
    """Keras's Cropping2D crops nothing by default, its Cropping1D and Cropping3D crop 1 from each side."""
    shape = {"Cropping1D": (2, 6, 3), "Cropping2D": (2, 6, 7, 3), "Cropping3D": (1, 5, 5, 5, 2)}[name]
    x = rng.normal(size=shape).astype("float32")
    theirs, ours = getattr(keras.layers, name)(), getattr(kerasbook.layers, name)()
    np.testing.assert_array_equal(np.asarray(ours(x)), np.asarray(theirs(x)))
    assert ours.get_config()["cropping"] == theirs.get_config()["cropping"]
