"""Pooling: the maximum or mean over windows (`MaxPooling2D`) or over all positions (`GlobalMaxPooling2D`)."""

import jax.numpy as jnp

from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.layers.convolutional import output_length
from kerasbook.core.ops import nn


class BasePooling(Layer):
    rank = None
    reduce = None  # nn.max_pool or nn.average_pool
    keeps_input_dtype = True

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = arguments.int_tuple(self, "pool_size", pool_size, self.rank)
        self.strides = (self.pool_size if strides is None
                        else arguments.int_tuple(self, "strides", strides, self.rank))
        self.padding = arguments.one_of(self, "padding", padding, ("valid", "same"))
        self.data_format = arguments.data_format(self, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return type(self).reduce(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        out = tuple(output_length(n, p, s, self.padding, 1)
                    for n, p, s in zip(spatial, self.pool_size, self.strides))
        if any(o == 0 for o in out):
            raise ValueError(f"an input of spatial size {tuple(spatial)} is smaller than pool_size="
                             f"{self.pool_size} with padding='{self.padding}', so the output would be empty. "
                             "Use padding='same', a smaller pool_size, or pool earlier layers less.")
        if first:
            return (input_shape[0], input_shape[1]) + out
        return (input_shape[0],) + out + (input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


def _max_init(default_pool_size):
    """Keras's signature for MaxPooling: `pool_size` defaults to 2 (a tuple of 2s above 1D)."""
    def __init__(self, pool_size=default_pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        BasePooling.__init__(self, pool_size, strides, padding, data_format, name=name, **kwargs)
    return __init__


def _average_init(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
    """Keras's signature for AveragePooling: `pool_size` has no default."""
    BasePooling.__init__(self, pool_size, strides, padding, data_format, name=name, **kwargs)


def _pooling(name, rank, reduce, doc):
    init = _max_init(2 if rank == 1 else (2,) * rank) if reduce is nn.max_pool else _average_init
    return type(name, (BasePooling,), {"rank": rank, "reduce": staticmethod(reduce), "__doc__": doc,
                                       "__init__": init})


MaxPooling1D = _pooling("MaxPooling1D", 1, nn.max_pool, "The maximum over windows of a sequence.")
MaxPooling2D = _pooling("MaxPooling2D", 2, nn.max_pool, "The maximum over windows of an image.")
MaxPooling3D = _pooling("MaxPooling3D", 3, nn.max_pool, "The maximum over windows of a volume.")
AveragePooling1D = _pooling("AveragePooling1D", 1, nn.average_pool, "The mean over windows of a sequence.")
AveragePooling2D = _pooling("AveragePooling2D", 2, nn.average_pool, "The mean over windows of an image.")
AveragePooling3D = _pooling("AveragePooling3D", 3, nn.average_pool, "The mean over windows of a volume.")
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D


class BaseGlobalPooling(Layer):
    rank = None
    keeps_input_dtype = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = arguments.data_format(self, data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        return jnp.max(inputs, axis=self._axes(), keepdims=self.keepdims)


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs, mask=None):
        if mask is not None and self.rank == 1:  # average over the real time steps only
            weights = mask.astype(inputs.dtype)
            weights = weights[:, None, :] if self.data_format == "channels_first" else weights[..., None]
            total = jnp.sum(inputs * weights, axis=self._axes(), keepdims=self.keepdims)
            return total / jnp.maximum(jnp.sum(weights, axis=self._axes(), keepdims=self.keepdims), 1e-7)
        return jnp.mean(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalMaxPooling1D(_GlobalMax):
    """The maximum over all time steps: `(batch, steps, channels)` -> `(batch, channels)`."""
    rank = 1


class GlobalMaxPooling2D(_GlobalMax):
    """The maximum over all positions: `(batch, h, w, channels)` -> `(batch, channels)`."""
    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    rank = 3


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean over all (unmasked) time steps: `(batch, steps, channels)` -> `(batch, channels)`."""
    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean over all positions: `(batch, h, w, channels)` -> `(batch, channels)`."""
    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    rank = 3


GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
