"""Convolution and pooling layers against Keras 3: same weights in, same numbers and shapes out."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(0)

CONV = [
    ("Conv1D", (2, 10, 3), dict(filters=4, kernel_size=3)),
    ("Conv1D", (2, 10, 3), dict(filters=4, kernel_size=3, strides=2, padding="same", dilation_rate=1)),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, activation="relu")),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, dilation_rate=2, use_bias=False)),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, groups=2)),
    ("Conv2D", (2, 6, 8, 9), dict(filters=4, kernel_size=(2, 3), data_format="channels_first")),
    ("Conv3D", (1, 5, 6, 7, 2), dict(filters=3, kernel_size=2)),
    ("SeparableConv2D", (2, 7, 8, 3), dict(filters=4, kernel_size=3)),
    ("SeparableConv2D", (2, 7, 8, 3), dict(filters=4, kernel_size=3, padding="same", strides=2, depth_multiplier=2)),
    ("SeparableConv1D", (2, 9, 3), dict(filters=4, kernel_size=3)),
    ("DepthwiseConv2D", (2, 7, 8, 3), dict(kernel_size=3)),
    ("DepthwiseConv2D", (2, 7, 8, 3), dict(kernel_size=3, depth_multiplier=2, padding="same")),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3)),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=2, strides=3)),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3, dilation_rate=2, padding="same")),
    ("Conv1DTranspose", (2, 9, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
]


@pytest.mark.parametrize("name,shape,kwargs", CONV)
def test_conv_equals_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(kerasbook.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    ours.build(shape)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    symbolic = ours(kerasbook.Input(shape[1:]))
    assert symbolic.shape == tuple(theirs.compute_output_shape((None,) + shape[1:]))


POOL = [(name, shape, kwargs) for name, shape in [("MaxPooling1D", (2, 9, 3)), ("AveragePooling1D", (2, 9, 3)),
                                                  ("MaxPooling2D", (2, 7, 7, 3)), ("AveragePooling2D", (2, 7, 7, 3)),
                                                  ("MaxPooling3D", (1, 5, 5, 5, 2))]
        for kwargs in (dict(pool_size=2), dict(pool_size=3, strides=2, padding="same"))]
POOL += [(name, (2, 5, 6, 3) if "2D" in name else (2, 7, 3), kwargs)
         for name in ["GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
                      "GlobalAveragePooling2D"]
         for kwargs in ({}, {"keepdims": True})]


@pytest.mark.parametrize("name,shape,kwargs", POOL)
def test_pooling_equals_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    expected = np.asarray(getattr(keras.layers, name)(**kwargs)(x))
    ours = getattr(kerasbook.layers, name)(**kwargs)
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-6)
    assert ours(kerasbook.Input(shape[1:])).shape == (None,) + expected.shape[1:]


def test_conv_on_too_small_an_input_names_the_layer():
    with pytest.raises(ValueError, match=r'"tiny".*too small'):
        kerasbook.layers.Conv2D(8, 5, name="tiny")(kerasbook.Input((3, 3, 1)))
