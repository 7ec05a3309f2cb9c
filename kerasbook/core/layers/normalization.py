"""Normalization: `BatchNormalization` (statistics of the batch, averaged for inference) and
`LayerNormalization` (statistics of each sample)."""

import jax.numpy as jnp

from kerasbook.core import initializers, regularizers
from kerasbook.core.input_spec import InputSpec
from kerasbook.core.layer import Layer
from kerasbook.core.ops import nn


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
                 beta_constraint=None, gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise ValueError(f'BatchNormalization "{self.name}": kerasbook does not implement renorm=True.')
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        axis = self.axis % len(input_shape)
        shape = (input_shape[axis],)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, name="beta")
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
            else:  # statistics of the real (unmasked) positions only
                weights = jnp.expand_dims(mask.astype(inputs.dtype), -1)
                count = jnp.maximum(jnp.sum(weights, axis=reduce), 1.0)
                mean = jnp.sum(inputs * weights, axis=reduce) / count
                variance = jnp.sum(jnp.square(inputs - mean) * weights, axis=reduce) / count
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
                "beta_constraint": None, "gamma_constraint": None, "synchronized": False}


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (the features), then scales by `gamma` and shifts by `beta`."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        axes = _axes(self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, name="beta")
                     if self.center and not self.rms_scaling else None)

    def call(self, inputs):
        axes = _axes(self.axis, inputs.ndim)
        broadcast = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        if self.rms_scaling:  # Keras 3 scales by the variance, without subtracting the mean
            variance = jnp.var(inputs, axis=axes, keepdims=True)
            out = inputs * jnp.reciprocal(jnp.sqrt(variance + self.epsilon))
        else:
            mean, variance = nn.moments(inputs, axes, keepdims=True)
            out = (inputs - mean) * jnp.reciprocal(jnp.sqrt(variance + self.epsilon))
        if self.gamma is not None:
            out = out * jnp.reshape(self.gamma.value, broadcast)
        if self.beta is not None:
            out = out + jnp.reshape(self.beta.value, broadcast)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None}
