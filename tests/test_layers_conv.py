"""Convolution layers against Keras 3: same weights in, same numbers, shapes, names and counts out."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(0)
CF = dict(data_format="channels_first")

CONV = [
    ("Conv1D", (2, 10, 3), dict(filters=4, kernel_size=3)),
    ("Conv1D", (2, 10, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv1D", (2, 10, 3), dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2)),
    ("Conv1D", (2, 3, 10), dict(filters=4, kernel_size=3, padding="causal", **CF)),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, activation="relu")),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, dilation_rate=2, use_bias=False)),
    ("Conv2D", (2, 8, 9, 6), dict(filters=4, kernel_size=3, groups=2)),
    ("Conv2D", (2, 6, 8, 9), dict(filters=4, kernel_size=(2, 3), strides=(1, 2), padding="same", **CF)),
    ("Conv3D", (1, 5, 6, 7, 2), dict(filters=3, kernel_size=2)),
    ("Conv3D", (1, 2, 5, 6, 7), dict(filters=3, kernel_size=3, padding="same", strides=2, **CF)),
    ("SeparableConv1D", (2, 9, 3), dict(filters=4, kernel_size=3)),
    ("SeparableConv2D", (2, 7, 8, 3), dict(filters=4, kernel_size=3)),
    ("SeparableConv2D", (2, 7, 8, 3), dict(filters=4, kernel_size=3, padding="same", strides=2, depth_multiplier=2)),
    ("SeparableConv2D", (2, 3, 7, 8), dict(filters=4, kernel_size=3, dilation_rate=2, use_bias=False, **CF)),
    ("DepthwiseConv1D", (2, 9, 3), dict(kernel_size=3, depth_multiplier=2, strides=2)),
    ("DepthwiseConv2D", (2, 7, 8, 3), dict(kernel_size=3)),
    ("DepthwiseConv2D", (2, 7, 8, 3), dict(kernel_size=3, depth_multiplier=2, padding="same")),
    ("DepthwiseConv2D", (2, 3, 7, 8), dict(kernel_size=(3, 2), padding="same", strides=2, **CF)),
    ("Conv1DTranspose", (2, 9, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3)),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=2, strides=3)),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3, dilation_rate=2, padding="same")),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=3, strides=2, output_padding=1)),
    ("Conv2DTranspose", (2, 7, 8, 3), dict(filters=4, kernel_size=4, strides=3, padding="same", output_padding=(2, 0))),
    ("Conv2DTranspose", (2, 3, 7, 8), dict(filters=4, kernel_size=3, strides=2, padding="same", **CF)),
    ("Conv3DTranspose", (1, 3, 4, 5, 2), dict(filters=3, kernel_size=2, strides=2)),
]


@pytest.mark.parametrize("name,shape,kwargs", CONV)
def test_conv_equals_keras(name, shape, kwargs):
    x = rng.normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(kerasbook.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    ours.build(shape)
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    assert set(ours.get_config()) == set(theirs.get_config())
    symbolic_shape = (None,) + shape[1:]
    assert ours(kerasbook.Input(shape[1:])).shape == tuple(theirs.compute_output_shape(symbolic_shape))
    assert ours.compute_output_shape(symbolic_shape) == tuple(theirs.compute_output_shape(symbolic_shape))


def test_constraints_and_regularizers_reach_the_weights():
    def clip(w):
        return kerasbook.ops.clip(w, -0.1, 0.1)
    layer = kerasbook.layers.SeparableConv2D(4, 3, depthwise_constraint=clip, pointwise_constraint=clip,
                                             bias_constraint=clip, depthwise_regularizer="l2")
    layer.build((None, 8, 8, 3))
    assert [w.constraint for w in layer.weights] == [clip, clip, clip]
    assert len(layer.losses) == 1


def test_conv_errors_name_the_layer():
    with pytest.raises(ValueError, match=r'"tiny".*too small'):
        kerasbook.layers.Conv2D(8, 5, name="tiny")(kerasbook.Input((3, 3, 1)))
    with pytest.raises(ValueError, match=r'"flat".*causal'):
        kerasbook.layers.Conv2D(8, 3, padding="causal", name="flat")
