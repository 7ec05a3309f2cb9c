"""Activation functions as layers: `ReLU`, `LeakyReLU`, `PReLU`, `ELU`, `Softmax`.

`Dense(64, activation="relu")` applies a non-linearity inside a layer; these layers apply one on
their own, with options a name cannot carry (`ReLU(max_value=6)`, `LeakyReLU(negative_slope=0.1)`),
with a learned slope (`PReLU`), or with a mask (`Softmax`, used by attention). Each keeps its input's
shape: `(batch, ...)` -> `(batch, ...)`.
"""

import numbers
import warnings

import jax.numpy as jnp
from jax.scipy.special import logsumexp

from kerasbook.core import activations, constraints, initializers, regularizers
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


def _not_negative(layer, name, value, allow_none=False):
    """Keras's check for a slope, threshold or ceiling: a number >= 0 (None only where allowed)."""
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        arguments.fail(layer, f"`{name}` cannot be None or a negative value. Received: {name}={value!r}")
    return value


class _ElementWise(Layer):
    """A layer that maps every value on its own: same shape out, masks pass through."""

    keeps_input_dtype = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_ElementWise):
    """`max(x, 0)`, with Keras's options: values below `threshold` become `negative_slope * (x -
    threshold)` (0 by default), and outputs are capped at `max_value` (`ReLU(6.0)` is ReLU6)."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _not_negative(self, "max_value", max_value, allow_none=True)
        self.negative_slope = _not_negative(self, "negative_slope", negative_slope)
        self.threshold = _not_negative(self, "threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_ElementWise):
    """`x` where `x >= 0`, else `negative_slope * x`: negative inputs keep a small gradient.

    Keras 2 called the slope `alpha`; it is still accepted, with Keras 3's warning.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.")
        super().__init__(**kwargs)
        self.negative_slope = _not_negative(self, "negative_slope", negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_ElementWise):
    """`x` where `x > 0`, else `alpha * (exp(x) - 1)`: smooth, saturating at `-alpha`."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(_ElementWise):
    """A leaky ReLU whose negative slope is learned: `x` where `x >= 0`, else `alpha * x`.

    alpha: one slope per value of a sample, shape `input_shape[1:]`, except along `shared_axes`
    (size 1 there): `shared_axes=[1, 2]` on `(batch, height, width, channels)` learns one slope per
    channel, `(1, 1, channels)`.
    """

    keeps_input_dtype = False

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]

    def build(self, input_shape):
        alpha_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            alpha_shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=tuple(alpha_shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
                                     name="alpha")
        fixed = {axis: input_shape[axis] for axis in range(1, len(input_shape))
                 if axis not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=fixed)

    def call(self, inputs):
        return jnp.maximum(inputs, 0) - self.alpha.value * jnp.maximum(-inputs, 0)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


def _large_negative(dtype):
    """What a masked logit becomes before the softmax: its exponential is 0 (-3e4 fits in float16)."""
    return -3e4 if jnp.dtype(dtype) == jnp.float16 else -1e9


class Softmax(_ElementWise):
    """`exp(x) / sum(exp(x))` along `axis` (an axis or a list of axes): each slice sums to 1.

    `mask` (broadcastable to the inputs; True or > 0.5 keeps) leaves positions out: they get 0, and
    the others share all of the probability. This is how attention ignores padding.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = jnp.asarray(mask)
            if mask.ndim > inputs.ndim or any(m not in (1, i) for m, i in zip(mask.shape[::-1], inputs.shape[::-1])):
                raise ValueError(f"The `mask` must be broadcastable to `inputs`: each of its axes 1 or the "
                                 f"input's size. Received: inputs.shape={inputs.shape}, mask.shape={mask.shape}")
            if mask.dtype != jnp.bool_:
                mask = mask > 0.5
            inputs = jnp.where(mask, inputs, _large_negative(inputs.dtype))
        axis = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        outputs = jnp.exp(inputs - logsumexp(inputs, axis=axis, keepdims=True))
        if mask is not None:  # a slice masked whole would otherwise be uniform
            outputs = jnp.where(mask, outputs, 0.0)
        return outputs

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

