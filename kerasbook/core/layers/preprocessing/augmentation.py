"""Image augmentation: each layer changes every image at random while training, and passes images
through unchanged in inference (`predict`, `evaluate`, `training=False`).

As in Keras 3, calling one of these layers directly on data (`layer(images)`) counts as training:
that is how you look at what it does. Inside a model, `fit` trains and `predict` does not. Random
numbers come from the layer's `SeedGenerator(seed)`: the same seed, the same sequence of changes.
Images are `(batch, height, width, channels)` or one image `(height, width, channels)` (channels_last).
"""

import math
import random as host_random

import jax
import jax.numpy as jnp
from jax.scipy import ndimage

from kerasbook.core import backend, random
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing.sizing import crop, crop_box, resize, sized_shape

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def factor_range(layer, name, factor, low=-math.inf, high=math.inf):
    """Keras's factor: a number f means [-f, f] (clipped at `low`), a pair (lower, upper) itself."""
    message = (f"the `{name}` argument should be a number (or a list of two numbers) in the range "
               f"[{low}, {high}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            arguments.fail(layer, message)
        return tuple(sorted(factor))
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not low <= factor <= high:
        arguments.fail(layer, message)
    return (max(-abs(factor), low), abs(factor))


class _Augmentation(Layer):
    """Casts images to float; in training, `augment` changes them (batched, channels_last)."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.data_format = (backend.image_data_format() if data_format is None
                            else arguments.data_format(self, data_format))

    def call(self, inputs, training=True):
        images = jnp.asarray(inputs).astype(self.compute_dtype)
        if not training:
            return images
        single = images.ndim == 3
        batch = images[None] if single else images
        if self.data_format == "channels_first":
            batch = jnp.moveaxis(self.augment(jnp.moveaxis(batch, 1, -1)), -1, 1)
        else:
            batch = self.augment(batch)
        return batch[0] if single else batch

    def uniform(self, shape, low, high):
        return random.uniform(shape, minval=low, maxval=high, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "seed": self.seed}


class RandomFlip(_Augmentation):
    """Mirrors each image with probability 1/2: left-right, upside down, or (the default) both at once,
    as Keras 3 does (one draw per image, so an image is either left alone or turned by 180 degrees)."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.mode = arguments.one_of(self, "mode", mode, self.MODES)

    def augment(self, images):
        flip = self.uniform((images.shape[0], 1, 1, 1), 0.0, 1.0) <= 0.5
        for axis, wanted in ((2, "horizontal"), (1, "vertical")):
            if wanted in self.mode:
                images = jnp.where(flip, jnp.flip(images, axis=axis), images)
        return images

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomCrop(_Augmentation):
    """Cuts a `height x width` window at a random place (the same for the whole batch), in training.

    An image not larger than the window on both sides is cropped to its aspect ratio and resized.
    In inference the images pass unchanged, as in Keras 3 (whose output shape then differs from
    `compute_output_shape`): resize or centre-crop them yourself for prediction.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        seed = host_random.randint(1, 10 ** 9) if seed is None else seed  # Keras stores a drawn seed
        super().__init__(seed, data_format, name=name, **kwargs)
        self.height = arguments.positive_int(self, "height", height)
        self.width = arguments.positive_int(self, "width", width)

    def augment(self, images):
        height, width = images.shape[1], images.shape[2]
        if height > self.height and width > self.width:
            top = self.uniform((), 0, height - self.height + 1).astype("int32")
            left = self.uniform((), 0, width - self.width + 1).astype("int32")
            size = (images.shape[0], self.height, self.width, images.shape[3])
            return jax.lax.dynamic_slice(images, (0, top, left, 0), size)  # works inside jit too
        images = crop(images, *crop_box(height, width, self.height, self.width), "channels_last")
        return resize(images, self.height, self.width)

    def compute_output_shape(self, input_shape):
        return sized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def warp(images, sources, interpolation, fill_mode, fill_value):
    """Each output pixel takes the input's value at `sources` (batch, 2, height, width): the (row,
    column) it comes from, interpolated; outside the image as `fill_mode` says."""
    mode = {"reflect": "reflect", "wrap": "wrap", "constant": "constant", "nearest": "nearest"}[fill_mode]
    order = 0 if interpolation == "nearest" else 1

    def one_channel(channel, coordinates):
        return ndimage.map_coordinates(channel, list(coordinates), order=order, mode=mode,
                                                 cval=fill_value)

    per_channel = jax.vmap(one_channel, in_axes=(2, None), out_axes=2)
    return jax.vmap(per_channel)(images, sources).astype(images.dtype)


class _Geometric(_Augmentation):
    """An augmentation that moves pixels: rotation, zoom or translation about the image's centre."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.fill_mode = arguments.one_of(self, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = arguments.one_of(self, "interpolation", interpolation, INTERPOLATIONS)
        self.fill_value = fill_value

    def augment(self, images):
        batch, height, width = images.shape[:3]
        rows, cols = jnp.meshgrid(jnp.arange(height, dtype="float32"), jnp.arange(width, dtype="float32"),
                                  indexing="ij")
        centre = jnp.array([(height - 1) / 2, (width - 1) / 2])[None, :, None, None]
        offsets = jnp.stack([rows, cols])[None] - centre  # (1, 2, height, width) from the centre
        sources = self.source_offsets(offsets, batch, height, width) + centre
        return warp(images, sources, self.interpolation, self.fill_mode, self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_Geometric):
    """Rotates each image by a random angle of `factor` turns: `factor=0.1` means up to 36 degrees
    either way, `(-0.1, 0.05)` from 36 degrees clockwise to 18 anticlockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range(self, "factor", factor)

    def source_offsets(self, offsets, batch, height, width):
        angle = self.uniform((batch, 1, 1), *self.factor) * 2 * math.pi
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        y, x = offsets[:, 0], offsets[:, 1]
        return jnp.stack([cos * y + sin * x, -sin * y + cos * x], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_Geometric):
    """Zooms each image by a random amount: `height_factor=0.2` means from 20% in to 20% out
    (positive zooms out); `width_factor=None` zooms both sides alike, keeping the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = factor_range(self, "height_factor", height_factor, low=-1.0)
        self._width_range = None if width_factor is None else factor_range(self, "width_factor", width_factor, low=-1.0)

    def source_offsets(self, offsets, batch, height, width):
        zoom_y = 1 + self.uniform((batch, 1, 1), *self._height_range)
        zoom_x = zoom_y if self._width_range is None else 1 + self.uniform((batch, 1, 1), *self._width_range)
        return jnp.stack([offsets[:, 0] * zoom_y, offsets[:, 1] * zoom_x], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomTranslation(_Geometric):
    """Shifts each image by a random fraction of its size: `height_factor=0.1` up to 10% of the
    height up or down, `width_factor` the same sideways."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._ranges = (factor_range(self, "height_factor", height_factor, -1.0, 1.0),
                        factor_range(self, "width_factor", width_factor, -1.0, 1.0))

    def source_offsets(self, offsets, batch, height, width):
        shift_y = self.uniform((batch, 1, 1), *self._ranges[0]) * height
        shift_x = self.uniform((batch, 1, 1), *self._ranges[1]) * width
        return jnp.stack([offsets[:, 0] - shift_y, offsets[:, 1] - shift_x], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class _ValueAugmentation(_Augmentation):
    """An augmentation of pixel values, clipped to `value_range` (0..255 by default)."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.factor = factor_range(self, "factor", factor, *self.BOUNDS)
        self.value_range = value_range

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomContrast(_ValueAugmentation):
    """Scales each image's distance from its mean (per channel) by a random factor in
    `[1 - lower, 1 + upper]` (`factor=0.3` gives [1, 1.3], as Keras 3 reads it)."""

    BOUNDS = (0.0, 1.0)

    def augment(self, images):
        contrast = self.uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1])
        mean = jnp.mean(images, axis=(1, 2), keepdims=True)
        return jnp.clip((images - mean) * contrast + mean, *self.value_range)


class RandomBrightness(_ValueAugmentation):
    """Adds a random amount to each image: a fraction in `factor` of `value_range`'s width
    (`factor=0.2` on 0..255 images: up to 51 darker or brighter)."""

    BOUNDS = (-1.0, 1.0)

    def augment(self, images):
        low, high = self.value_range
        delta = self.uniform((images.shape[0], 1, 1, 1), *self.factor) * (high - low)
        return jnp.clip(images + delta, low, high)
