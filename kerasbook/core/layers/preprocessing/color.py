"""Colour augmentation: layers that change pixel values, not positions. `RandomInvert`,
`RandomGrayscale`, `Solarization`, `RandomPosterization`, `RandomSaturation`, `RandomHue`,
`RandomColorDegeneration`, `RandomSharpness` and `RandomColorJitter` (brightness, contrast, saturation
and hue in turn) act only in training, each image by its own random
amount, and follow their seed; `AutoContrast` is not random and acts in training and inference
alike. All of them take and give `(batch, height, width, channels)` images or one `(height, width,
channels)` image, the shape unchanged; `value_range` says what black and white are (0..255 by default).
"""

import jax.numpy as jnp
import numpy as np

from kerasbook.core import backend
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing.augmentation import (RandomBrightness, RandomContrast, _Augmentation,
                                                              factor_range)
from kerasbook.core.ops import image as image_ops
from kerasbook.core.ops import nn


def sorted_value_range(layer, value):
    """Two numbers, lowest first, as Keras keeps them."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        arguments.fail(layer, f"the `value_range` argument should be a list of two numbers. "
                              f"Received: value_range={value!r}")
    return sorted(value)


def rescale(images, source, target):
    """Pixel values moved linearly from the range `source` to the range `target`."""
    if tuple(source) == tuple(target):
        return images
    unit = (images - source[0]) / (source[1] - source[0])
    return unit * (target[1] - target[0]) + target[0]


def per_image(images):
    """The shape a per-image draw takes to broadcast over an image batch."""
    return (images.shape[0], 1, 1, 1)


class RandomInvert(_Augmentation):
    """Turns an image into its negative (`value_range`'s top minus each pixel). Each image is inverted
    with a probability drawn from `factor` (a number f means [0, f]; the default 1.0 gives 1/2)."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self, "factor", factor, 0, 1)
        self.value_range = value_range

    def augment(self, images):
        probability = self.uniform((images.shape[0],), *self.factor)
        chosen = self.uniform((images.shape[0],), 0.0, 1.0) < probability
        return jnp.where(chosen[:, None, None, None], self.value_range[1] - images, images)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomGrayscale(_Augmentation):
    """Replaces an image by its grey version (the same brightness in every channel), with probability
    `factor`. The channels stay as they were (three grey channels for an RGB image)."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            arguments.fail(self, f"`factor` should be between 0 and 1. Received: factor={factor!r}")
        self.factor = factor

    def augment(self, images):
        chosen = self.uniform(per_image(images), 0.0, 1.0) < self.factor
        return jnp.where(chosen, image_ops.rgb_to_grayscale(images, "channels_last"), images)

    def get_config(self):
        config = {**super().get_config(), "factor": self.factor}
        config.pop("seed")  # Keras 3.15 does not write it
        return config


class Solarization(_Augmentation):
    """Adds a random brightness to each image, then inverts the pixels above a random threshold: bright
    areas turn dark, as on an over-exposed film. On the 0..255 scale the addition is drawn from
    `[addition_factor[0], addition_factor[1] * 255]` and the threshold likewise from `threshold_factor`
    (a number f means [0, f]), as Keras 3.15 draws them; with the default threshold 0 every pixel is
    inverted."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.addition_factor = self._factor("addition_factor", addition_factor)
        self.threshold_factor = self._factor("threshold_factor", threshold_factor)
        self.value_range = sorted_value_range(self, value_range)

    def _factor(self, name, factor):
        low, high = factor_range(self, name, factor, 0, 1)
        if isinstance(factor, (tuple, list)) and not 0 <= low <= high <= 1:
            arguments.fail(self, f"the `{name}` argument should be a number (or a list of two numbers) in "
                                 f"the range [0, 1]. Received: {name}={factor!r}")
        return low, high

    def augment(self, images):
        additions = self.uniform(per_image(images), self.addition_factor[0], self.addition_factor[1] * 255)
        thresholds = self.uniform(per_image(images), self.threshold_factor[0], self.threshold_factor[1] * 255)
        pixels = jnp.clip(rescale(images, self.value_range, (0, 255)) + additions, 0, 255)
        pixels = jnp.where(pixels < thresholds, pixels, 255 - pixels)
        return rescale(pixels, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor, "threshold_factor": self.threshold_factor}


class RandomPosterization(_Augmentation):
    """Keeps only the top `bits` bits of each 8-bit pixel value, so an image has fewer shades (a
    poster's flat colours). `bits` is drawn for each image from `[factor[0], factor[1])` (a number f
    means [1, f); both from 1 to 8); 8 bits leave the image unchanged."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self, "factor", factor, 1, 8)
        self.value_range = sorted_value_range(self, value_range)

    def augment(self, images):
        low, high = self.factor
        if low != high:
            bits = self.uniform((images.shape[0],), low, high).astype("int32")  # Keras's randint
        else:
            bits = jnp.full((images.shape[0],), low, "int32")
        shift = (8 - bits).astype("uint8")[:, None, None, None]
        pixels = rescale(images, self.value_range, (0, 255)).astype("uint8")
        pixels = jnp.left_shift(jnp.right_shift(pixels, shift), shift).astype(images.dtype)
        return rescale(pixels, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class AutoContrast(_Augmentation):
    """Stretches each channel of each image so its darkest pixel becomes black and its brightest
    white (on `value_range`). A channel of one flat value is left as it was. Not random: it acts in
    inference too."""

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(None, kwargs.pop("data_format", None), **kwargs)
        self.value_range = sorted_value_range(self, value_range)

    def call(self, inputs, training=True):
        return super().call(inputs, training=True)

    def augment(self, images):
        pixels = rescale(images, self.value_range, (0, 255))
        low = jnp.min(pixels, axis=(1, 2), keepdims=True)
        high = jnp.max(pixels, axis=(1, 2), keepdims=True)
        scale = 255.0 / (high - low)  # infinite for a flat channel: the result is NaN there
        stretched = rescale(jnp.clip(pixels * scale - low * scale, 0.0, 255.0), (0, 255), self.value_range)
        return jnp.where(jnp.isnan(stretched), images, stretched)

    def get_config(self):
        config = {**super().get_config(), "value_range": self.value_range}
        config.pop("seed")  # not random: Keras writes no seed
        return config


class _RandomAmount(_Augmentation):
    """A colour change by a random amount per image, drawn from `factor` (a number f means [-f, f]
    clipped at the lower bound, as Keras reads it); `value_range` is what black and white are."""
    BOUNDS = (-1, 1)
    SORTS_VALUE_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self, "factor", factor, *self.BOUNDS)
        self.value_range = sorted_value_range(self, value_range) if self.SORTS_VALUE_RANGE else value_range

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


def _with_hsv_channel(images, index, change):
    """`images` (RGB) through HSV with channel `index` (0 hue, 1 saturation) changed, back in RGB."""
    hsv = image_ops.rgb_to_hsv(images, "channels_last")
    hsv = hsv.at[..., index].set(change(hsv[..., index]))
    return image_ops.hsv_to_rgb(hsv, "channels_last")


class RandomSaturation(_RandomAmount):
    """Scales each image's colour saturation by `f / (1 - f)` for `f` drawn from `factor` (in [0, 1]:
    0 grey, 0.5 unchanged, 1 fully saturated), as Keras 3.15 does. Expects RGB images. As in Keras
    3.15, the saturation is clipped to `value_range` rather than to [0, 1], so strong factors can give
    values outside `value_range`."""

    def augment(self, images):
        f = self.uniform((images.shape[0],), *self.factor)
        scale = (f / (1 - f + backend.epsilon()))[:, None, None]
        return _with_hsv_channel(images, 1, lambda s: jnp.clip(s * scale, *self.value_range))


class RandomHue(_RandomAmount):
    """Turns each image's hues round the colour wheel by up to half a turn times `factor` (in [0, 1]),
    in a random direction. Expects RGB images."""
    BOUNDS = (0, 1)
    SORTS_VALUE_RANGE = False  # Keras 3.15 keeps it as given

    def augment(self, images):
        direction = jnp.where(self.uniform((images.shape[0],), 0.0, 1.0) > 0.5, -1.0, 1.0)
        turn = (direction * self.uniform((images.shape[0],), *self.factor) * 0.5)[:, None, None]

        def turned(hue):  # hue in [0, 1], wrapped round
            hue = hue + turn
            return jnp.where(hue < 0.0, hue + 1.0, jnp.where(hue > 1.0, hue - 1.0, hue))
        unit = rescale(images, self.value_range, (0, 1))
        return rescale(jnp.clip(_with_hsv_channel(unit, 0, turned), 0, 1), (0, 1), self.value_range)


class RandomColorDegeneration(_RandomAmount):
    """Blends each image towards its grey version by a random share drawn from `factor` (0 unchanged,
    1 grey)."""

    def augment(self, images):
        share = self.uniform(per_image(images), *self.factor)
        grey = image_ops.rgb_to_grayscale(images, "channels_last")
        return jnp.clip(images + share * (grey - images), *self.value_range)


class RandomSharpness(_RandomAmount):
    """Sharpens or blurs each image: `f` drawn from `factor` (in [0, 1]) blends the image with a 3x3
    smoothed copy, `image + (1 - 2f) * (smoothed - image)`: f = 0 smooth, 0.5 unchanged, 1 sharper."""
    BOUNDS = (0, 1)
    SMOOTHING = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], "float32") / np.float32(13.0)  # NumPy: no JAX work at import

    def augment(self, images):
        f = self.uniform((images.shape[0],), *self.factor)[:, None, None, None]
        kernel = jnp.tile(self.SMOOTHING[:, :, None, None], (1, 1, images.shape[-1], 1)).astype(images.dtype)
        smoothed = nn.depthwise_conv(images, kernel, padding="same", data_format="channels_last")
        return jnp.clip(images + (1.0 - 2 * f) * (smoothed - images), *self.value_range)


class RandomColorJitter(_Augmentation):
    """Brightness, contrast, saturation and hue changed in turn, each by its own random amount per
    image (as `RandomBrightness`, `RandomContrast`, `RandomSaturation`, `RandomHue` with these
    factors); a factor left at None skips that change. All draws come from this layer's seed."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = ((RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor))
        self._steps = [cls(factor, value_range=value_range, seed=seed) for cls, factor in steps
                       if factor is not None]
        for step in self._steps:
            step.seed_generator = self.seed_generator  # one sequence of draws, as in Keras

    def augment(self, images):
        for step in self._steps:
            images = step.augment(images)
        return images

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor, "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}
