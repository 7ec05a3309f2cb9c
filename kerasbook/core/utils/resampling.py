"""Resizing one image in NumPy, with the numbers of `jax.image.resize` (what Keras's
`ops.image.resize` and kerasbook's `Resizing` compute on JAX).

Loading a folder of photos resizes each to one size. On JAX every new input shape compiles a new
program (about a second each, and every photo may have its own shape); NumPy has nothing to compile,
and is safe in forked worker processes. The method is JAX's: each output pixel `i` of an axis of
`n` pixels samples the input of `m` pixels at `(i + 0.5) * m / n - 0.5`, weighting the input pixels
around it by a kernel (a triangle for bilinear, Keys's cubic, Lanczos); the weights of each output
pixel are normalized, and the two axes are done one after the other (a matrix product each).
"""

import numpy as np


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi ** 2 * x ** 2, 1), 1.0)
        return np.where(x > radius, 0.0, out)
    return kernel


KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def weights(input_size, output_size, kernel, antialias=False):
    """The (input_size, output_size) matrix taking one axis of the image to its new size."""
    inv_scale = np.float32(input_size / output_size)
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0  # a wider kernel smooths when shrinking
    sample = (np.arange(output_size, dtype="float32") + 0.5) * inv_scale - 0.5
    distance = np.abs(sample[None, :] - np.arange(input_size, dtype="float32")[:, None]) / kernel_scale
    w = kernel(distance).astype("float32")
    total = w.sum(axis=0, keepdims=True)
    w = np.where(np.abs(total) > 1000 * np.finfo(np.float32).eps, w / np.where(total != 0, total, 1), 0)
    inside = (sample >= -0.5) & (sample <= input_size - 0.5)
    return np.where(inside[None, :], w, 0).astype("float32")


def nearest_indices(input_size, output_size):
    """The input pixel each output pixel copies (JAX's rule, computed in float32)."""
    offsets = (np.arange(output_size, dtype="float32") + 0.5) * np.float32(input_size) / np.float32(output_size)
    return np.floor(offsets.astype("float32")).astype("int32")


def resize(image, height, width, interpolation="bilinear", antialias=False, data_format="channels_last"):
    """`image` (height, width, channels), or (channels, height, width) with channels_first, resized
    to `height x width`; float32. "area" is bilinear with antialiasing, as in kerasbook's Resizing."""
    image = np.asarray(image, dtype="float32")
    h_axis, w_axis = (1, 2) if data_format == "channels_first" else (0, 1)
    if interpolation == "area":
        interpolation, antialias = "bilinear", True
    for axis, size in ((h_axis, height), (w_axis, width)):
        if image.shape[axis] == size:
            continue  # an axis already at its size is left as it is, as JAX leaves it
        if interpolation == "nearest":
            image = np.take(image, nearest_indices(image.shape[axis], size), axis=axis)
        else:
            matrix = weights(image.shape[axis], size, KERNELS[interpolation], antialias)
            image = np.moveaxis(np.tensordot(np.moveaxis(image, axis, -1), matrix, axes=1), -1, axis)
    return np.ascontiguousarray(image, dtype="float32")
