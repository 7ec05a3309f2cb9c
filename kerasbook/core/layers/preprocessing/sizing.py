"""Layers that give images a fixed size: `Resizing` (interpolated, optionally cropped or padded to the
target's aspect ratio first) and `CenterCrop` (the middle `height x width`). Images are
`(batch, height, width, channels)` (channels_last) or a single image without the batch axis."""

import jax
import jax.numpy as jnp

from kerasbook.core import backend
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def image_axes(ndim, data_format):
    """The (height, width) axes of a single image (ndim 3) or a batch (ndim 4)."""
    return (ndim - 2, ndim - 1) if data_format == "channels_first" else (ndim - 3, ndim - 2)


def crop_box(height, width, target_height, target_width):
    """The largest centred box of the target's aspect ratio: (top, left, box height, box width)."""
    box_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    box_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int((height - box_height) / 2), int((width - box_width) / 2), box_height, box_width


def crop(images, top, left, height, width, data_format):
    """The `height x width` part of each image whose top left corner is (top, left)."""
    index = [slice(None)] * images.ndim
    h_axis, w_axis = image_axes(images.ndim, data_format)
    index[h_axis], index[w_axis] = slice(top, top + height), slice(left, left + width)
    return images[tuple(index)]


def resize(images, height, width, interpolation="bilinear", data_format="channels_last", antialias=False):
    """Each image interpolated to `height x width` (jax.image.resize, as Keras on JAX)."""
    shape = list(images.shape)
    h_axis, w_axis = image_axes(images.ndim, data_format)
    shape[h_axis], shape[w_axis] = height, width
    method = "linear" if interpolation == "area" else interpolation
    return jax.image.resize(images, shape, method=method, antialias=antialias or interpolation == "area")


def pad_to_aspect(images, target_height, target_width, fill_value, data_format):
    """Bands of `fill_value` above and below (or left and right) so the image has the target's aspect."""
    h_axis, w_axis = image_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top, left = int((pad_height - height) / 2), int((pad_width - width) / 2)
    widths = [(0, 0)] * images.ndim
    if top > 0:
        widths[h_axis] = (top, top)
    elif left > 0:
        widths[w_axis] = (left, left)
    return jnp.pad(images, widths, constant_values=fill_value)


def sized_shape(input_shape, height, width, data_format):
    """`input_shape` with its image axes set to `height x width` (a batch or one image)."""
    shape = list(input_shape)
    h_axis, w_axis = image_axes(len(shape), data_format)
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


class _Sized(Layer):
    """A layer whose images come out `height x width`."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = arguments.positive_int(self, "height", height)
        self.width = arguments.positive_int(self, "width", width)
        self.data_format = (backend.image_data_format() if data_format is None
                            else arguments.data_format(self, data_format))

    def compute_output_shape(self, input_shape):
        return sized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "height": self.height,
                "width": self.width}


class Resizing(_Sized):
    """Resizes images to `height x width` with `interpolation`. With `crop_to_aspect_ratio`, the
    largest centred box of the target's aspect ratio is cut out first (nothing is stretched); with
    `pad_to_aspect_ratio`, bands of `fill_value` are added instead."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)
        self.interpolation = arguments.one_of(self, "interpolation", interpolation, INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            arguments.fail(self, "only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, pad_to_aspect_ratio
        self.fill_mode = arguments.one_of(self, "fill_mode", fill_mode, ("constant",))
        self.fill_value, self.antialias = fill_value, antialias

    def call(self, inputs):
        images = jnp.asarray(inputs).astype(self.compute_dtype)
        if self.crop_to_aspect_ratio:
            h_axis, w_axis = image_axes(images.ndim, self.data_format)
            box = crop_box(images.shape[h_axis], images.shape[w_axis], self.height, self.width)
            images = crop(images, *box, self.data_format)
        elif self.pad_to_aspect_ratio:
            images = pad_to_aspect(images, self.height, self.width, self.fill_value, self.data_format)
        return resize(images, self.height, self.width, self.interpolation, self.data_format, self.antialias)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(_Sized):
    """The centred `height x width` of each image; an image smaller than that is first cropped to the
    target's aspect ratio and enlarged (bilinear), as Keras does."""

    def call(self, inputs):
        images = jnp.asarray(inputs).astype(self.compute_dtype)
        h_axis, w_axis = image_axes(images.ndim, self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        if height >= self.height and width >= self.width:
            return crop(images, (height - self.height) // 2, (width - self.width) // 2, self.height,
                        self.width, self.data_format)
        images = crop(images, *crop_box(height, width, self.height, self.width), self.data_format)
        return resize(images, self.height, self.width, "bilinear", self.data_format)
