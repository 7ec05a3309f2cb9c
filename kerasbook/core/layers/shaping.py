"""Layers that pad, crop, repeat or reorder values: `ZeroPadding1D/2D/3D`, `Cropping1D/2D/3D`,
`UpSampling1D/2D/3D`, `RepeatVector`, `Permute`. Shapes are `(batch, *spatial, channels)` by default."""

import jax
import jax.numpy as jnp

from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")  # Keras's, all in jax.image


def _pairs(layer, name, value, rank):
    """Keras's padding/cropping spec -> ((before, after),) per spatial axis, each at least 0."""
    if isinstance(value, int):
        pairs = ((value, value),) * rank
    elif rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        pairs = (tuple(value),)
    else:
        pairs = tuple((v, v) if isinstance(v, int) else tuple(v) for v in value)
    flat = [v for pair in pairs for v in pair]
    if len(pairs) != rank or len(flat) != 2 * rank or not all(isinstance(v, int) and v >= 0 for v in flat):
        arguments.fail(layer, f"`{name}` takes integers >= 0: one for every side, one per axis, or a pair "
                              f"(before, after) per axis, for {rank} axes. Received: {name}={value!r}")
    return pairs


class _Spatial(Layer):
    rank = None
    keeps_input_dtype = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = arguments.data_format(self, data_format)

    def _spatial_axes(self, ndim):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))


class _ZeroPadding(_Spatial):
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(self, "padding", padding, self.rank)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(inputs.ndim), self.padding):
            widths[axis] = pair
        return jnp.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(len(shape)), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class _Cropping(_Spatial):
    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(self, "cropping", cropping, self.rank)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (a, b) in zip(self._spatial_axes(inputs.ndim), self.cropping):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(len(shape)), self.cropping):
            if shape[axis] is not None:
                if shape[axis] - a - b <= 0:
                    raise ValueError(f"cropping {(a, b)} leaves nothing of an axis of size {shape[axis]}.")
                shape[axis] -= a + b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class _UpSampling(_Spatial):
    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = arguments.int_tuple(self, "size", size, self.rank)
        self.interpolation = arguments.one_of(self, "interpolation", interpolation, INTERPOLATIONS)

    def call(self, inputs):
        axes = self._spatial_axes(inputs.ndim)
        if self.interpolation == "nearest":
            for axis, factor in zip(axes, self.size):
                inputs = jnp.repeat(inputs, factor, axis=axis)
            return inputs
        shape = list(inputs.shape)
        for axis, factor in zip(axes, self.size):
            shape[axis] *= factor
        return jax.image.resize(inputs, shape, method=self.interpolation)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(len(shape)), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


def _family(base, rank, name, doc, **defaults):
    """`base` for one rank, with Keras's defaults for that rank (`ZeroPadding2D(padding=(1, 1))`)."""
    return arguments.keras_signature(**defaults)(type(name, (base,), {"rank": rank, "__doc__": doc}))


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after each sequence."""
    rank = 1

    def get_config(self):
        return {**super().get_config(), "padding": self.padding[0]}  # Keras writes (2, 2), not [(2, 2)]


ZeroPadding2D = _family(_ZeroPadding, 2, "ZeroPadding2D", "Rows and columns of zeros around each image.",
                        padding=(1, 1))
ZeroPadding3D = _family(_ZeroPadding, 3, "ZeroPadding3D", "Zeros around each volume.",
                        padding=((1, 1), (1, 1), (1, 1)))


class Cropping1D(_Cropping):
    """Cuts steps off the start and end of each sequence."""
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping=cropping, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")  # sequences are always (batch, steps, features) in Keras
        config["cropping"] = self.cropping[0]
        return config


class Cropping2D(_Cropping):
    """Cuts rows and columns off the edges of each image; by default nothing (Keras's
    `((0, 0), (0, 0))`), unlike Cropping1D and Cropping3D, which crop 1 from every side."""
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


Cropping3D = _family(_Cropping, 3, "Cropping3D", "Cuts the edges off each volume.",
                     cropping=((1, 1), (1, 1), (1, 1)))


class UpSampling1D(_UpSampling):
    """Repeats each time step `size` times."""
    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        for key in ("data_format", "interpolation"):
            config.pop(key)
        return config


UpSampling2D = _family(_UpSampling, 2, "UpSampling2D", "Enlarges each image by `size` (nearest or bilinear).",
                       size=(2, 2))


class UpSampling3D(_UpSampling):
    """Enlarges each volume by `size`, repeating values (nearest neighbour only, as Keras)."""
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size=size, data_format=data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("interpolation")
        return config


class RepeatVector(Layer):
    """`(batch, features)` -> `(batch, n, features)`: the vector repeated n times."""

    keeps_input_dtype = True

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = arguments.positive_int(self, "n", n)

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector takes inputs of shape (batch, features); received {input_shape}.")
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Reorders the axes after the batch axis: `Permute((2, 1))` swaps the two of a 3-D input."""

    keeps_input_dtype = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            arguments.fail(self, f"`dims` must be a permutation of 1..{len(self.dims)} (the axes after the "
                                 f"batch axis, which stays first). Received: dims={dims!r}")

    def call(self, inputs):
        return jnp.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
