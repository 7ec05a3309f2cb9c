"""Layers that add noise while training and pass inputs through in inference: `SpatialDropout1D/2D/3D`,
`GaussianNoise`, `GaussianDropout`, `AlphaDropout`; and `ActivityRegularization`, which adds a penalty
on its inputs to the losses."""

import jax.numpy as jnp

from kerasbook.core import random
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.layers.regularization import Dropout


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one decision per channel per sample, the same at every position
    (neighbouring positions are correlated, so dropping single values would regularize little)."""

    rank = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = arguments.data_format(self, data_format)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = list(inputs.shape)
        spatial = range(2, inputs.ndim) if self.data_format == "channels_first" else range(1, inputs.ndim - 1)
        for axis in spatial:
            shape[axis] = 1
        return random.dropout(inputs, self.rate, noise_shape=shape, seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)  # as Keras's config, which writes the dtype as a plain name
        config["dtype"] = self.dtype  # the variables' dtype
        return {**config, "data_format": self.data_format} if self.rank > 1 else config


class SpatialDropout1D(_SpatialDropout):
    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):  # no data_format, as Keras
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    rank = 3


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev`, in training only."""

    keeps_input_dtype = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.seed = arguments.non_negative(self, "stddev", stddev), seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            return inputs + random.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                                          seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(GaussianNoise):
    """Multiplies by noise of mean 1 and standard deviation sqrt(rate / (1 - rate)), in training only."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(0.0, seed=seed, **kwargs)
        self.rate = arguments.fraction(self, "rate", rate, upper_open=True)  # 1 would divide by zero
        self.stddev = (rate / (1 - rate)) ** 0.5

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return inputs * random.normal(inputs.shape, mean=1.0, stddev=self.stddev, dtype=inputs.dtype,
                                          seed=self.seed_generator)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.pop("stddev")
        return {**config, "rate": self.rate}


class ActivityRegularization(Layer):
    """Passes inputs through and adds `l1 * sum(|x|) + l2 * sum(x**2)` to the losses."""

    keeps_input_dtype = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        from kerasbook.core import regularizers
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}


class AlphaDropout(Layer):
    """Dropout for self-normalizing (SELU) networks: dropped values are set to SELU's negative
    saturation value instead of 0, then an affine map restores the inputs' mean and variance."""

    keeps_input_dtype = True
    _ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946  # -alpha * scale

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = arguments.fraction(self, "rate", rate, upper_open=True)  # 1 would divide by zero
        self.noise_shape, self.seed = noise_shape, seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        kept = random.uniform(shape, dtype=inputs.dtype, seed=self.seed_generator) >= self.rate
        rate, alpha_p = self.rate, self._ALPHA_P
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        return a * jnp.where(kept, inputs, alpha_p) + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
