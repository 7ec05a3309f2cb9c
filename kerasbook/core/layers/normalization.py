"""Normalization: `BatchNormalization` (statistics of the batch, averaged for inference),
`LayerNormalization` (statistics of each sample), `GroupNormalization` (of groups of channels in each
sample), `UnitNormalization` (each sample scaled to length 1) and `RMSNormalization` (each sample
divided by its root mean square)."""

import jax
import jax.numpy as jnp

from kerasbook.core import constraints, initializers, regularizers
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.ops import nn


def _in_float32(x):
    """`x` in float32 at least: under mixed precision LayerNormalization and GroupNormalization take
    their statistics in float32 (a sum of squares overflows float16) and return the compute dtype, as
    Keras, whose two layers also set `autocast = False` (float32 inputs are not first cast down)."""
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))


def _axes(axis, ndim):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % ndim for a in axes)


class BatchNormalization(Layer):
    """Normalizes each feature with the batch's mean and variance while training, and with moving
    averages of them in inference. `gamma`, `beta` are trained; `moving_mean`, `moving_variance` are
    updated by `assign` in training (so they leave a compiled train step like any other state).
    A frozen BatchNormalization (`trainable=False`) runs in inference mode, as in Keras."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        arguments.only_default(self, renorm=(renorm, False), renorm_clipping=(renorm_clipping, None),
                               renorm_momentum=(renorm_momentum, 0.99))
        self.axis = arguments.axis(self, axis)
        self.momentum = arguments.fraction(self, "momentum", momentum)
        self.epsilon = arguments.non_negative(self, "epsilon", epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        axis = self.axis % len(input_shape)
        shape = (input_shape[axis],)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer,
                                      constraint=self.gamma_constraint, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer,
                                     constraint=self.beta_constraint, name="beta")
                     if self.center else None)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: input_shape[axis]})

    def call(self, inputs, training=None, mask=None):
        axis = self.axis % inputs.ndim
        reduce = [a for a in range(inputs.ndim) if a != axis]
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        if training and self.trainable:
            if mask is None:
                mean, variance = nn.moments(inputs, reduce)
            else:  # statistics of the real (unmasked) positions only; Keras's 1e-7 keeps 0/0 away
                weights = jnp.broadcast_to(jnp.expand_dims(mask, -1), inputs.shape).astype(inputs.dtype)
                count = jnp.sum(weights, axis=reduce, keepdims=True) + 1e-7
                mean = jnp.sum(inputs * weights, axis=reduce, keepdims=True) / count
                variance = jnp.sum(jnp.square(inputs - mean) * weights, axis=reduce, keepdims=True) / count
                mean, variance = jnp.squeeze(mean, reduce), jnp.squeeze(variance, reduce)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.value * m + mean * (1 - m))
            self.moving_variance.assign(self.moving_variance.value * m + variance * (1 - m))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        return nn.batch_normalization(inputs, mean, variance, axis, beta, gamma, self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint), "synchronized": False,
                "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (the features), then scales by `gamma` and shifts by `beta`."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)  # deprecated in Keras 3, still accepted there
        super().__init__(**kwargs)
        self.autocast = False  # see _in_float32
        self.axis, self.epsilon = arguments.axis(self, axis), arguments.non_negative(self, "epsilon", epsilon)
        self.center, self.scale = center, scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        axes = _axes(self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer,
                                      constraint=self.gamma_constraint, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer,
                                     constraint=self.beta_constraint, name="beta")
                     if self.center and not self.rms_scaling else None)

    def call(self, inputs):
        inputs = _in_float32(inputs)
        axes = _axes(self.axis, inputs.ndim)
        broadcast = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        if self.rms_scaling:  # Keras 3 scales by the variance, without subtracting the mean
            variance = jnp.var(inputs, axis=axes, keepdims=True)
            out = inputs * jnp.reciprocal(jnp.sqrt(variance + self.epsilon))
        else:
            mean, variance = nn.moments(inputs, axes, keepdims=True)
            out = (inputs - mean) * jnp.reciprocal(jnp.sqrt(variance + self.epsilon))
        if self.gamma is not None:
            out = out * jnp.reshape(self.gamma.value, broadcast).astype(out.dtype)
        if self.beta is not None:
            out = out + jnp.reshape(self.beta.value, broadcast).astype(out.dtype)
        return out.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        # Keras keeps an int axis until it builds, then a list of axes
        axis = [self.axis] if self.built and isinstance(self.axis, int) else self.axis
        return {**super().get_config(), "axis": axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class GroupNormalization(Layer):
    """Splits the channels (`axis`) into `groups` and normalizes each group of each sample by its own
    mean and variance: batch-size independent, for small batches. `groups=channels` is instance
    normalization, `groups=1` layer normalization over all features."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.autocast = False  # see _in_float32
        # -1: one group per channel (instance normalization), resolved when the channels are known
        self.groups = arguments.positive_int(self, "groups", groups, allow=(-1,))
        self.axis, self.epsilon = arguments.axis(self, axis), arguments.non_negative(self, "epsilon", epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if self.groups == -1 and channels is not None:
            self.groups = channels  # as Keras: the config then records the number of groups
        if channels is None or channels % self.groups:
            raise ValueError(f"the {channels} channels on axis {self.axis} cannot be split into "
                             f"{self.groups} groups of equal size.")
        self.gamma = (self.add_weight(shape=(channels,), initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                      name="gamma") if self.scale else None)
        self.beta = (self.add_weight(shape=(channels,), initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                     name="beta") if self.center else None)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})

    def call(self, inputs):
        inputs = _in_float32(inputs)
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        # (..., channels, ...) -> (..., groups, channels / groups, ...): reduce all but batch and group.
        grouped_shape = inputs.shape[:axis] + (self.groups, channels // self.groups) + inputs.shape[axis + 1:]
        grouped = inputs.reshape(grouped_shape)
        reduce = [a for a in range(1, grouped.ndim) if a != axis]
        mean, variance = nn.moments(grouped, reduce, keepdims=True)
        normalized = ((grouped - mean) * jnp.reciprocal(jnp.sqrt(variance + self.epsilon))).reshape(inputs.shape)
        broadcast = [channels if a == axis else 1 for a in range(inputs.ndim)]
        if self.gamma is not None:
            normalized = normalized * self.gamma.value.reshape(broadcast).astype(normalized.dtype)
        if self.beta is not None:
            normalized = normalized + self.beta.value.reshape(broadcast).astype(normalized.dtype)
        return normalized.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over `axis`, so it has length 1 (no weights)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = arguments.axis(self, axis)
        self.supports_masking = True

    def call(self, inputs):
        squares = jnp.sum(jnp.square(inputs), axis=self.axis, keepdims=True)
        return inputs * jnp.minimum(jax.lax.rsqrt(squares), 1e12)  # an all-zero sample stays zero

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Divides each sample by its root mean square over `axis`, then scales by `scale` (one weight per
    feature): `x * rsqrt(mean(x**2) + epsilon) * scale`. Unlike LayerNormalization it neither subtracts
    the mean nor adds a shift; transformers (T5, Llama, Gemma) use it for being cheaper and as good.
    Shapes: any, unchanged; `scale` has the shape of the normalized axes."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = arguments.axis(self, axis), epsilon

    def build(self, input_shape):
        # as Keras: the axis becomes a (sorted) list once the layer is built, and its config says so
        self.axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(shape=shape, initializer="ones", name="scale")

    def call(self, inputs):
        return nn.rms_normalization(inputs, scale=self.scale.value, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        for a in self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]:
            if not -len(input_shape) <= a < len(input_shape):
                raise ValueError(f"Axis {a} is out of bounds for input shape {input_shape}. "
                                 f"Received: axis={self.axis}")
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
