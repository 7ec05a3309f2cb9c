"""Layers that only rearrange values: `Flatten`, `Reshape`."""

import math

import jax.numpy as jnp

from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


class Flatten(Layer):
    """`(batch, d1, d2, ...)` becomes `(batch, d1 * d2 * ...)`."""

    keeps_input_dtype = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = arguments.data_format(self, data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if None in rest else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch axis is kept); one entry may be -1."""

    keeps_input_dtype = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target = (target_shape,) if isinstance(target_shape, int) else tuple(target_shape)
        if target.count(-1) > 1 or any(not isinstance(d, int) or d < -1 or d == 0 for d in target):
            arguments.fail(self, "`target_shape` must be sizes above 0, with at most one -1 (the size that "
                                 f"makes the total fit). Received: target_shape={target_shape!r}")
        self.target_shape = target

    def compute_output_shape(self, input_shape):
        sample = input_shape[1:]
        target = list(self.target_shape)
        if target.count(-1) > 1:
            raise ValueError(f"target_shape {self.target_shape} may contain -1 only once.")
        if None in sample:
            return (input_shape[0],) + tuple(None if d == -1 else d for d in target)
        size = math.prod(sample)
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if known == 0 or size % known:
                raise ValueError(self._mismatch(input_shape, size))
            target[target.index(-1)] = size // known
        elif known != size:
            raise ValueError(self._mismatch(input_shape, size))
        return (input_shape[0],) + tuple(target)

    def _mismatch(self, input_shape, size):
        return (f"cannot reshape an input of shape {tuple(input_shape)} ({size} values per sample) to "
                f"target_shape={self.target_shape} ({math.prod(d for d in self.target_shape if d != -1)}"
                f" values per sample): the total size must be unchanged.")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # fail at build time, not when data arrives

    def call(self, inputs):
        return jnp.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
