"""Neural-network operations (`keras.ops.softmax`, `ops.binary_crossentropy`, `ops.conv`, ...)."""

import jax
import jax.numpy as jnp

from jax.nn import (celu, elu, gelu, glu, hard_sigmoid, hard_swish, log_sigmoid, log_softmax,  # noqa: F401
                    relu, relu6, selu, sigmoid, silu, softmax, softplus)

swish = silu
hard_silu = hard_swish
_EPSILON = 1e-7  # Keras's backend epsilon, used to clip probabilities


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(x, negative_slope)


def softsign(x):
    return jax.nn.soft_sign(x)


def one_hot(x, num_classes, axis=-1, dtype=None):
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or "float32")


def multi_hot(x, num_classes, axis=-1, dtype=None):
    return jnp.max(one_hot(x, num_classes, axis=axis, dtype=dtype), axis=-2)


def binary_crossentropy(target, output, from_logits=False):
    target, output = jnp.asarray(target), jnp.asarray(output)
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = jnp.asarray(target), jnp.asarray(output)
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    return -jnp.sum(target * jnp.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target = jnp.asarray(target).astype("int32")
    output = jnp.asarray(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    return categorical_crossentropy(jax.nn.one_hot(target, output.shape[axis], axis=axis), output,
                                    from_logits=from_logits, axis=axis)


def moments(x, axes, keepdims=False):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    return out if offset is None else out + jnp.reshape(offset, shape)


def normalize(x, axis=-1, order=2, epsilon=None):
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon or 1e-12)


def _dimension_numbers(rank, data_format):
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank - 2]
    if data_format == "channels_first":
        return (f"NC{spatial}", f"{spatial}IO", f"NC{spatial}")
    return (f"N{spatial}C", f"{spatial}IO", f"N{spatial}C")


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution with a Keras-layout kernel `(*spatial, in_channels / groups, out_channels)`."""
    inputs = jnp.asarray(inputs)
    rank = inputs.ndim
    data_format = data_format or "channels_last"
    channels = inputs.shape[1] if data_format == "channels_first" else inputs.shape[-1]
    groups = channels // kernel.shape[-2]
    return jax.lax.conv_general_dilated(
        inputs, jnp.asarray(kernel), _tuple(strides, rank - 2), padding.upper(),
        rhs_dilation=_tuple(dilation_rate, rank - 2),
        dimension_numbers=_dimension_numbers(rank, data_format), feature_group_count=groups)


def _pool(inputs, pool_size, strides, padding, data_format, init, op):
    rank = inputs.ndim
    n = rank - 2
    pool_size = _tuple(pool_size, n)
    strides = _tuple(strides if strides is not None else pool_size, n)
    if (data_format or "channels_last") == "channels_first":
        window, step = (1, 1) + pool_size, (1, 1) + strides
    else:
        window, step = (1,) + pool_size + (1,), (1,) + strides + (1,)
    return jax.lax.reduce_window(inputs, init, op, window, step, padding.upper()), window, step


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    inputs = jnp.asarray(inputs)
    return _pool(inputs, pool_size, strides, padding, data_format, -jnp.inf, jax.lax.max)[0]


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average over each window; with "same" padding the padded positions are not counted (as Keras)."""
    inputs = jnp.asarray(inputs)
    summed, window, step = _pool(inputs, pool_size, strides, padding, data_format, 0.0, jax.lax.add)
    if padding.lower() == "valid":
        return summed / jnp.prod(jnp.array(window))
    counts = jax.lax.reduce_window(jnp.ones_like(inputs), 0.0, jax.lax.add, window, step, "SAME")
    return summed / counts
