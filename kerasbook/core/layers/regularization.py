"""`Dropout`, which acts only while training. The other noise layers are in `noise.py`."""

from kerasbook.core import random
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


class Dropout(Layer):
    """In training, sets a fraction `rate` of the inputs to 0 and scales the rest by `1 / (1 - rate)`.

    In inference (`training=False`, the default, and in `predict`), it passes inputs through unchanged.
    """

    keeps_input_dtype = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = arguments.fraction(self, "rate", rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(inputs, self.rate, noise_shape=self.noise_shape,
                                  seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
