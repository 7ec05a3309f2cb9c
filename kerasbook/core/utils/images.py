"""Images between files, PIL images and arrays, as Keras's image tutorials use them:

    img = keras.utils.load_img("cat.jpg", target_size=(180, 180))   # a PIL image
    x = keras.utils.img_to_array(img)                               # float32, (180, 180, 3)
    model.predict(x[None])                                          # a batch of one

An array image is `(height, width, channels)` with "channels_last" (the default,
`keras.config.image_data_format()`), `(channels, height, width)` with "channels_first". PIL counts
`(width, height)`; `target_size` is `(height, width)`, like the arrays. PIL comes with matplotlib.
"""

import io
import pathlib
import warnings

import numpy as np
from PIL import Image

# Keras's names for PIL's resampling filters.
INTERPOLATIONS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
                  "bicubic": Image.Resampling.BICUBIC, "hamming": Image.Resampling.HAMMING,
                  "box": Image.Resampling.BOX, "lanczos": Image.Resampling.LANCZOS}
# PIL's mode for an image of that many channels.
_MODES = {4: "RGBA", 3: "RGB", 1: "L"}


def _data_format(data_format):
    from kerasbook.core import backend
    if data_format is None:
        return backend.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return data_format


def _floatx(dtype):
    from kerasbook.core import backend
    return dtype or backend.floatx()


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a 3D array (`floatx`, values 0-255 as stored); a grayscale image gets a channel
    axis of size 1."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=_floatx(dtype))
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array as a PIL image of 1 (L), 3 (RGB) or 4 (RGBA) channels. `scale=True` stretches the
    values to 0-255 first (the smallest becomes 0, the largest 255), so a model's float output shows."""
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=_floatx(dtype))
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        if np.max(x) != 0:
            x /= np.max(x)
        x *= 255
    channels = x.shape[2]
    if channels not in _MODES:
        raise ValueError(f"Unsupported channel number: {channels}")
    if channels == 1:
        x = x[:, :, 0]
        if np.max(x) > 255:  # unscaled values beyond a byte: a 32-bit grayscale image
            return Image.fromarray(x.astype("int32"), "I")
    return Image.fromarray(x.astype("uint8"), _MODES[channels])


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an array as an image file; the format comes from the file's extension unless given
    (give it for a file object). Other keyword arguments go to PIL's `Image.save` (e.g. quality=)."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """An image file (a path or an `io.BytesIO`) as a PIL image in `color_mode` ("rgb", "rgba" or
    "grayscale"), resized to `target_size=(height, width)` if given. `keep_aspect_ratio=True` first
    crops the largest centred box of the target's proportions, so nothing is stretched."""
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:  # read whole, so that no file stays open behind the image
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")

    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):  # keep 16- and 32-bit grayscale as they are
            img = img.convert("L")
    elif color_mode in ("rgb", "rgba"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')

    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods are "
                         f"{', '.join(INTERPOLATIONS)}")
    box = _centred_crop(img.size, size) if keep_aspect_ratio else None
    return img.resize(size, INTERPOLATIONS[interpolation], box=box)


def _centred_crop(size, target):
    """The largest centred box of `size` (width, height) with the proportions of `target`."""
    (width, height), (target_width, target_height) = size, target
    crop_width = min(width, height * target_width // target_height)
    crop_height = min(height, width * target_height // target_width)
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return [left, top, left + crop_width, top + crop_height]


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """An image `(height, width, channels)`, or a batch of them, resized to `size = (height, width)`
    without stretching: first the largest centred crop of the target's aspect ratio, then a resize
    (`keras.ops.image.resize`). A NumPy array in gives a NumPy array out, a JAX array a JAX array."""
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs.keys())}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    from kerasbook.core.ops import image as image_ops  # JAX, loaded when an image is resized
    from kerasbook.core.utils.dataset_from_directory import crop_box
    image = np.asarray(x) if isinstance(x, np.ndarray) else x
    if len(image.shape) not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape {image.shape}.")
    h_axis = image.ndim - (3 if data_format == "channels_last" else 2)
    top, left, height, width = crop_box(image.shape[h_axis], image.shape[h_axis + 1], *size)
    window = [slice(None)] * image.ndim
    window[h_axis], window[h_axis + 1] = slice(top, top + height), slice(left, left + width)
    resized = image_ops.resize(image[tuple(window)], size, interpolation=interpolation, data_format=data_format)
    return np.asarray(resized) if isinstance(x, np.ndarray) else resized
