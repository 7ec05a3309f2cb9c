"""`Rescaling` (`x * scale + offset`: pixels 0..255 to 0..1) and `Normalization` (`(x - mean) /
sqrt(variance)`, the statistics given or learned from data by `adapt`). Shapes are kept."""

import numpy as np
import jax.numpy as jnp

from kerasbook.core import backend
from kerasbook.core.engine.layer import Layer


class Rescaling(Layer):
    """`inputs * scale + offset`, in float: `Rescaling(1 / 255)` maps pixels to [0, 1],
    `Rescaling(1 / 127.5, offset=-1)` to [-1, 1]. `scale` may be one value per channel."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs):
        scale = jnp.asarray(self.scale, self.compute_dtype)
        if scale.ndim and backend.image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        return jnp.asarray(inputs).astype(self.compute_dtype) * scale + jnp.asarray(self.offset, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """`(inputs - mean) / max(sqrt(variance), epsilon)`: features of zero mean and unit variance.

    `axis` lists the axes that keep their own statistics (-1: one mean per feature, the last axis;
    None: a single mean). Either give `mean` and `variance`, or call `adapt(data)` once before
    training: it computes them from `data` (an array or an iterable of batches) and stores them as
    the non-trainable weights `mean`, `variance` and `count`, saved with the model. `invert=True`
    maps normalized values back: `mean + inputs * sqrt(variance)`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"`mean` and `variance` must have the same shape. Received: mean shape "
                             f"{np.shape(mean)} and variance shape {np.shape(variance)}")

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep_axis):
            raise ValueError(f"All `axis` values to be kept must have a known shape. Received "
                             f"axis={self.axis}, inputs.shape={input_shape}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1 for a in range(ndim))
        stats_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)
        else:
            self._given = [self._broadcast(np.asarray(v, "float32"), ndim)
                           for v in (self.input_mean, self.input_variance)]

    def _broadcast(self, values, ndim):
        """Given statistics (a number, or values for the last kept axes) -> the broadcast shape."""
        expanded = [1] * ndim
        for i in range(1, values.ndim + 1):
            expanded[self._keep_axis[-i]] = values.shape[-i]
        return np.broadcast_to(values.reshape(expanded), self._broadcast_shape)

    def adapt(self, data):
        """Computes the mean and variance of `data` (an array, or batches: merged as Keras merges them)."""
        batches = [np.asarray(data)] if hasattr(data, "shape") else [np.asarray(b[0] if isinstance(b, tuple) else b)
                                                                      for b in data]
        if not batches:
            raise ValueError("adapt() received an empty iterable (no batches).")
        if not self.built:
            self.build(batches[0].shape)
            self.built = True
        mean, variance, count = 0.0, 0.0, 0
        for batch in batches:
            batch_count = int(np.prod([batch.shape[a] for a in self._reduce_axis]))
            batch_mean, batch_var = batch.mean(axis=self._reduce_axis), batch.var(axis=self._reduce_axis)
            count += batch_count
            new_weight = batch_count / count
            new_mean = mean * (1 - new_weight) + batch_mean * new_weight
            variance = ((variance + (mean - new_mean) ** 2) * (1 - new_weight)
                        + (batch_var + (batch_mean - new_mean) ** 2) * new_weight)
            mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, "float32"))
        self.adapt_variance.assign(np.asarray(variance, "float32"))

    def _statistics(self):
        if self.input_mean is not None:
            return self._given
        return (jnp.reshape(self.adapt_mean.value, self._broadcast_shape),
                jnp.reshape(self.adapt_variance.value, self._broadcast_shape))

    def call(self, inputs):
        mean, variance = self._statistics()
        inputs = jnp.asarray(inputs, self.compute_dtype)
        spread = jnp.maximum(jnp.sqrt(variance), backend.epsilon())
        outputs = mean + inputs * spread if self.invert else (inputs - mean) / spread
        return outputs.astype(self.compute_dtype)  # the float32 statistics do not promote a bfloat16 layer

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}
