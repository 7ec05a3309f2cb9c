"""Image operations (`keras.ops.image.resize`, `ops.image.extract_patches`, `ops.image.rgb_to_hsv`, ...).

Images are `(height, width, channels)`, or `(batch, height, width, channels)` for a batch; with
`data_format="channels_first"` the channels come before height and width. `data_format=None` means
`keras.config.image_data_format()`. Each op is a few lines around `jax.image`, `jax.scipy.ndimage` or
`jax.numpy`, with Keras's arguments and defaults, so that the numbers are those of Keras on JAX.
"""

import jax
import jax.numpy as jnp

from kerasbook.core import backend, random
from kerasbook.core.ops import nn

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
TRANSFORM_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}  # -> the order of map_coordinates' spline
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # how much red, green and blue count in brightness


# -- helpers: where the image axes are --------------------------------------------------------------

def _data_format(data_format):
    return data_format or backend.image_data_format()


def _check_rank(images, name="images"):
    if images.ndim not in (3, 4):
        raise ValueError(f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of "
                         f"images). Received input with shape: {name}.shape={images.shape}")


def _channels_axis(data_format):
    return -1 if _data_format(data_format) == "channels_last" else -3


def _height_width_axes(ndim, data_format):
    """The (height, width) axes of one image (ndim 3) or of a batch (ndim 4)."""
    return (ndim - 2, ndim - 1) if _data_format(data_format) == "channels_first" else (ndim - 3, ndim - 2)


def _as_channels_last_batch(images, data_format):
    """`(batch, height, width, channels)` and how to undo it: a single image gains a batch axis of 1."""
    single = images.ndim == 3
    images = images[None] if single else images
    first = _data_format(data_format) == "channels_first"
    images = jnp.moveaxis(images, 1, -1) if first else images

    def undo(result):
        result = jnp.moveaxis(result, -1, 1) if first else result
        return result[0] if single else result
    return images, undo


# -- colours ---------------------------------------------------------------------------------------

def rgb_to_grayscale(images, data_format=None):
    """One brightness channel from three colour channels (ITU-R 601 weights), in the input's dtype."""
    images = jnp.asarray(images)
    _check_rank(images)
    axis = _channels_axis(data_format)
    if images.shape[axis] == 1:
        return images
    if images.shape[axis] != 3:
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={images.shape}")
    computed = images.astype(jnp.result_type(images.dtype, float))
    gray = jnp.tensordot(computed, jnp.asarray(GRAY_WEIGHTS, computed.dtype), axes=(axis, 0))
    return jnp.expand_dims(gray, axis).astype(images.dtype)


def _float_images(images):
    images = jnp.asarray(images)
    _check_rank(images)
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype={images.dtype}")
    return images


def rgb_to_hsv(images, data_format=None):
    """Hue, saturation and value in [0, 1] from red, green and blue in [0, 1] (float images)."""
    images = _float_images(images)
    axis = _channels_axis(data_format)
    images = jnp.where(jnp.abs(images) < jnp.finfo(images.dtype).eps, 0.0, images)
    red, green, blue = (jnp.take(images, i, axis=axis) for i in range(3))
    value = jnp.maximum(jnp.maximum(red, green), blue)
    spread = value - jnp.minimum(jnp.minimum(red, green), blue)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    # The hue is an angle (a fraction of a turn): which colour is largest picks the sixth it starts from.
    hue = jnp.where(value == green, scale * (blue - red) + 2.0 / 6.0, scale * (red - green) + 4.0 / 6.0)
    hue = jnp.where(value == red, scale * (green - blue), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format=None):
    """Red, green and blue from hue, saturation and value (the inverse of `rgb_to_hsv`)."""
    images = _float_images(images)
    axis = _channels_axis(data_format)
    hue, saturation, value = (jnp.take(images, i, axis=axis) for i in range(3))
    sixths = jnp.mod(hue, 1.0) * 6.0
    red = jnp.clip(jnp.abs(sixths - 3.0) - 1.0, 0.0, 1.0)
    green = jnp.clip(2.0 - jnp.abs(sixths - 2.0), 0.0, 1.0)
    blue = jnp.clip(2.0 - jnp.abs(sixths - 4.0), 0.0, 1.0)
    planes = [value * (1.0 - saturation + saturation * colour) for colour in (red, green, blue)]
    return jnp.stack(planes, axis=axis)


# -- sizes -----------------------------------------------------------------------------------------

def _aspect_box(height, width, target_height, target_width):
    """The size of the target's aspect ratio that fits `height x width` exactly on one side."""
    return int(float(width * target_height) / target_width), int(float(height * target_width) / target_height)


def _crop_to_aspect(images, target_height, target_width, data_format):
    h_axis, w_axis = _height_width_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    box_height, box_width = _aspect_box(height, width, target_height, target_width)
    box_height, box_width = max(min(height, box_height), 1), max(min(width, box_width), 1)
    top, left = int((height - box_height) / 2), int((width - box_width) / 2)
    index = [slice(None)] * images.ndim
    index[h_axis], index[w_axis] = slice(top, top + box_height), slice(left, left + box_width)
    return images[tuple(index)]


def _pad_to_aspect(images, target_height, target_width, fill_value, data_format):
    h_axis, w_axis = _height_width_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    box_height, box_width = _aspect_box(height, width, target_height, target_width)
    top, left = int((max(height, box_height) - height) / 2), int((max(width, box_width) - width) / 2)
    widths = [(0, 0)] * images.ndim
    if top > 0:  # bands above and below
        widths[h_axis] = (top, top)
    elif left > 0:  # bands left and right
        widths[w_axis] = (left, left)
    return jnp.pad(images, widths, constant_values=fill_value)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Each image interpolated to `size = (height, width)`; first cropped (or padded with
    `fill_value`) to the target's aspect ratio if asked, so that nothing is stretched."""
    images = jnp.asarray(images)
    _check_rank(images)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`. Only 'constant' is supported. "
                         f"Received: fill_mode={fill_mode}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    target_height, target_width = size
    if crop_to_aspect_ratio:
        images = _crop_to_aspect(images, target_height, target_width, data_format)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect(images, target_height, target_width, fill_value, data_format)
    shape = list(images.shape)
    h_axis, w_axis = _height_width_axes(images.ndim, data_format)
    shape[h_axis], shape[w_axis] = target_height, target_width
    return jax.image.resize(images, shape, method=interpolation, antialias=antialias)


def _exactly_two(first, second, target, names):
    if [first, second, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: "
                         + ", ".join(f"{n}={v}" for n, v in zip(names, (first, second, target))))
    for name, value in zip(names, (first, second, target)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Zeros around each image; give two of (top, bottom, target height) and two of (left, right,
    target width)."""
    images = jnp.asarray(images)
    _check_rank(images)
    _exactly_two(top_padding, bottom_padding, target_height, ("top_padding", "bottom_padding", "target_height"))
    _exactly_two(left_padding, right_padding, target_width, ("left_padding", "right_padding", "target_width"))
    h_axis, w_axis = _height_width_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top = target_height - bottom_padding - height if top_padding is None else top_padding
    bottom = target_height - top - height if bottom_padding is None else bottom_padding
    left = target_width - right_padding - width if left_padding is None else left_padding
    right = target_width - left - width if right_padding is None else right_padding
    for name, value in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                        ("right_padding", right)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    widths = [(0, 0)] * images.ndim
    widths[h_axis], widths[w_axis] = (top, bottom), (left, right)
    return jnp.pad(images, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """A `target_height x target_width` part of each image; give two of (top, bottom, target height)
    and two of (left, right, target width)."""
    images = jnp.asarray(images)
    _check_rank(images)
    _exactly_two(top_cropping, bottom_cropping, target_height, ("top_cropping", "bottom_cropping", "target_height"))
    _exactly_two(left_cropping, right_cropping, target_width, ("left_cropping", "right_cropping", "target_width"))
    h_axis, w_axis = _height_width_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top = height - target_height - bottom_cropping if top_cropping is None else top_cropping
    target_height = height - bottom_cropping - top if target_height is None else target_height
    left = width - target_width - right_cropping if left_cropping is None else left_cropping
    target_width = width - right_cropping - left if target_width is None else target_width
    for name, value in (("top_cropping", top), ("target_height", target_height), ("left_cropping", left),
                        ("target_width", target_width)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    if top + target_height > height or left + target_width > width:  # (Keras would move the box silently)
        raise ValueError(f"crop_images: a {target_height}x{target_width} crop at row {top}, column {left} goes "
                         f"past the {height}x{width} image.")
    index = [slice(None)] * images.ndim
    index[h_axis], index[w_axis] = slice(top, top + target_height), slice(left, left + target_width)
    return images[tuple(index)]


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """`jax.image.scale_and_translate`, with Keras's order of arguments."""
    return jax.image.scale_and_translate(jnp.asarray(images), output_shape, spatial_dims, jnp.asarray(scale),
                                         jnp.asarray(translation), method, antialias)


# -- patches ---------------------------------------------------------------------------------------

def _patches(images, size, strides, dilation_rate, padding, data_format, spatial):
    """Every patch of `size` laid out along the channels: a convolution whose kernel is the identity,
    so each output channel copies one (position in the patch, input channel) pair."""
    images = jnp.asarray(images)
    size = (size,) * spatial if isinstance(size, int) else tuple(size)
    channels = images.shape[_channels_axis(data_format) if spatial == 2 else
                            (-1 if _data_format(data_format) == "channels_last" else -4)]
    depth = channels
    for extent in size:
        depth *= extent
    kernel = jnp.reshape(jnp.eye(depth, dtype=images.dtype), size + (channels, depth))
    single = images.ndim == spatial + 1
    patches = nn.conv(images[None] if single else images, kernel, strides=strides or size, padding=padding,
                   data_format=_data_format(data_format), dilation_rate=dilation_rate)
    return patches[0] if single else patches


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Image patches `(..., rows, columns, size[0] * size[1] * channels)`, as in a Vision Transformer;
    a `size` of three numbers extracts 3-D patches (see `extract_patches_3d`)."""
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches(images, size, strides, dilation_rate, padding, data_format, spatial=2)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of volumes `(batch, depth, height, width, channels)` laid out along the channels."""
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, spatial=3)


# -- geometry --------------------------------------------------------------------------------------

def _check_interpolation_and_fill(interpolation, fill_mode):
    if interpolation not in TRANSFORM_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{set(TRANSFORM_INTERPOLATIONS)}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of {set(FILL_MODES)}. "
                         f"Received: fill_mode={fill_mode}")


def _sample(image, rows, cols, order, fill_mode, fill_value):
    """One image `(height, width, channels)` read at the (fractional) pixel positions `rows`, `cols`."""
    def channel(plane):
        return jax.scipy.ndimage.map_coordinates(plane, [rows, cols], order=order, mode=fill_mode,
                                                 cval=fill_value)
    return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Each output pixel (x, y) reads the input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
    `k = c0 x + c1 y + 1`, for `transform = [a0, a1, a2, b0, b1, b2, c0, c1]` (one per image or one
    for all); positions outside the image follow `fill_mode`. (Keras on JAX reads c0, c1 as 0.)"""
    _check_interpolation_and_fill(interpolation, fill_mode)
    images, transform = jnp.asarray(images), jnp.asarray(transform)
    _check_rank(images)
    if transform.ndim not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of "
                         f"transforms). Received input with shape: transform.shape={transform.shape}")
    batch, undo = _as_channels_last_batch(images, data_format)
    transform = jnp.broadcast_to(transform, (batch.shape[0], 8)) if transform.ndim == 1 else transform
    rows, cols = jnp.meshgrid(jnp.arange(batch.shape[1]), jnp.arange(batch.shape[2]), indexing="ij")

    def one(image, t):
        x = t[0] * cols + t[1] * rows + t[2]
        y = t[3] * cols + t[4] * rows + t[5]
        return _sample(image, y, x, TRANSFORM_INTERPOLATIONS[interpolation], fill_mode, fill_value)
    return undo(jax.vmap(one)(batch, transform))


def _homography(start_points, end_points):
    """The 8 numbers of the projective map taking `end_points` to `start_points` (4 corners each)."""
    sx, sy, ex, ey = start_points[..., 0], start_points[..., 1], end_points[..., 0], end_points[..., 1]
    zeros, ones = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = jnp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    system = jnp.concatenate([x_rows, y_rows], axis=1)
    return jnp.linalg.solve(system, jnp.concatenate([sx, sy], axis=-1)[..., None])[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Moves the four corners `start_points` `(4, 2)` of each image to `end_points` (x, y order)."""
    _check_interpolation_and_fill(interpolation, "constant")
    images = jnp.asarray(images)
    _check_rank(images)
    start_points, end_points = jnp.asarray(start_points, "float32"), jnp.asarray(end_points, "float32")
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.shape[-2:] != (4, 2) or points.ndim not in (2, 3):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a "
                             f"batch. Received shape: {points.shape}")
    if start_points.shape != end_points.shape:
        raise ValueError("start_points and end_points must have the same shape. Received start_points.shape="
                         f"{start_points.shape}, end_points.shape={end_points.shape}")
    batch, undo = _as_channels_last_batch(images, data_format)
    maps = _homography(start_points.reshape(-1, 4, 2), end_points.reshape(-1, 4, 2))
    rows, cols = jnp.meshgrid(jnp.arange(batch.shape[1]), jnp.arange(batch.shape[2]), indexing="ij")

    def one(image, t):
        k = t[6] * cols + t[7] * rows + 1.0
        x, y = (t[0] * cols + t[1] * rows + t[2]) / k, (t[3] * cols + t[4] * rows + t[5]) / k
        return _sample(image, y, x, TRANSFORM_INTERPOLATIONS[interpolation], "constant", fill_value)
    return undo(jax.vmap(one)(batch, jnp.broadcast_to(maps, (batch.shape[0], 8))))


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` read at fractional `coordinates` (one array of positions per axis of `inputs`), by
    nearest neighbour (`order=0`) or linear interpolation (`order=1`)."""
    inputs, coordinates = jnp.asarray(inputs), jnp.asarray(coordinates)
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError(f"First dim of `coordinates` must be the same as the rank of `inputs`. Received "
                         f"inputs with shape: {inputs.shape} and coordinate leading dim of {coordinates.shape[0]}")
    if coordinates.ndim < 2:
        raise ValueError(f"Invalid coordinates rank: expected at least rank 2. Received input with shape: "
                         f"{coordinates.shape}")
    if order not in (0, 1):
        raise ValueError(f"Invalid value for argument `order`. Expected one of [0, 1]. Received: order={order}")
    _check_interpolation_and_fill("nearest", fill_mode)
    return jax.scipy.ndimage.map_coordinates(inputs, list(coordinates), order, fill_mode, fill_value)


# -- filters ---------------------------------------------------------------------------------------

def _gaussian(size, sigma, dtype):
    """A 1-D Gaussian of `size` taps centred on the middle, summing to 1."""
    x = jnp.arange(size, dtype=dtype) - (size - 1) / 2
    weights = jnp.exp(-0.5 * jnp.square(x / sigma))
    return weights / jnp.sum(weights)


def _per_channel_conv(batch, kernel, padding="SAME"):
    """Each channel of `(batch, height, width, channels)` convolved with the 2-D `kernel` on its own."""
    channels = batch.shape[-1]
    kernel = jnp.tile(kernel[:, :, None, None], (1, 1, 1, channels)).astype(batch.dtype)
    return jax.lax.conv_general_dilated(batch, kernel, (1, 1), padding, feature_group_count=channels,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel blurred by a Gaussian of `kernel_size` taps and standard deviation `sigma`
    (width first, height second, as in Keras); the output has the input's size."""
    images = jnp.asarray(images)
    _check_rank(images)
    batch, undo = _as_channels_last_batch(images, data_format)
    sigma = jnp.asarray(sigma, batch.dtype)
    kernel = jnp.outer(_gaussian(kernel_size[1], sigma[1], batch.dtype),
                       _gaussian(kernel_size[0], sigma[0], batch.dtype))
    return undo(_per_channel_conv(batch, kernel))


def sobel_edges(images, data_format=None):
    """The vertical and horizontal gradients of each channel (Sobel filters): the input's shape
    with a last axis of 2, (d/dy, d/dx)."""
    batch, undo = _as_channels_last_batch(jnp.asarray(images), data_format)
    along_x = jnp.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], batch.dtype)
    return jnp.stack([undo(_per_channel_conv(batch, along_x.T)), undo(_per_channel_conv(batch, along_x))],
                     axis=-1)


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Each image warped by a smooth random displacement: Gaussian noise blurred by `sigma`, scaled
    by `alpha` pixels. The same `seed` gives the same warp."""
    _check_interpolation_and_fill(interpolation, fill_mode)
    images = jnp.asarray(images)
    _check_rank(images)
    batch, undo = _as_channels_last_batch(images, data_format)
    size, height, width = batch.shape[0], batch.shape[1], batch.shape[2]
    taps = int(6 * sigma) | 1
    noise = jax.random.normal(random.draw_key(seed), (2, size, height, width, 1), batch.dtype) * sigma
    dx, dy = (gaussian_blur(n, (taps, taps), (sigma, sigma), "channels_last")[..., 0] for n in noise)
    rows, cols = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")

    def one(image, dx, dy):
        return _sample(image, rows + alpha * dy, cols + alpha * dx, TRANSFORM_INTERPOLATIONS[interpolation],
                       fill_mode, fill_value)
    return undo(jax.vmap(one)(batch, dx, dy)).astype(images.dtype)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity of two images (1 when equal), averaged over the positions of a Gaussian
    window of `filter_size` and over the channels: one number per image."""
    image1, image2 = jnp.asarray(image1), jnp.asarray(image2)
    _check_rank(image1, "image1")
    _check_rank(image2, "image2")
    dtype = jnp.result_type(image1.dtype, float)
    a, undo = _as_channels_last_batch(image1.astype(dtype), data_format)
    b, _ = _as_channels_last_batch(image2.astype(dtype), data_format)
    window = _gaussian(filter_size, filter_sigma, dtype)
    window = jnp.outer(window, window)

    def local_mean(x):
        return _per_channel_conv(x, window, padding="VALID")
    mean_a, mean_b = local_mean(a), local_mean(b)
    var_a = local_mean(a * a) - mean_a ** 2
    var_b = local_mean(b * b) - mean_b ** 2
    covariance = local_mean(a * b) - mean_a * mean_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    similarity = ((2 * mean_a * mean_b + c1) * (2 * covariance + c2)
                  / ((mean_a ** 2 + mean_b ** 2 + c1) * (var_a + var_b + c2)))
    per_image = jnp.mean(similarity, axis=(1, 2, 3))
    return (per_image[0] if image1.ndim == 3 else per_image).astype(image1.dtype)
