"""Initial values for weights, by Keras's names: "glorot_uniform", "zeros", "he_normal", ...

An initializer is called as `initializer(shape, dtype)`. The variance-scaling family (Glorot, He,
LeCun) scales the spread by the number of inputs and/or outputs of the weight (its fans), so that
signals neither explode nor vanish through many layers. Without a seed, draws come from kerasbook's
global generator (reproducible with `keras.utils.set_random_seed`).

The numbers are drawn on the host with NumPy and handed to JAX once: a JAX random program would be
compiled anew for every weight shape, which costs more than the whole draw.
"""

import math

import numpy as np

from kerasbook.core import random
from kerasbook.core.catalog import Catalog


class Initializer:
    """Base class: subclasses define `__call__(shape, dtype=None)` returning an array of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(shape, dtype=None).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype or "float32")


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype or "float32")


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype or "float32")

    def get_config(self):
        return {"value": self.value}


class RandomInitializer(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return random.host_generator(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _scaled(_normal(self._rng(), shape, dtype), self.stddev, self.mean, dtype)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _uniform(self._rng(), self.minval, self.maxval, shape, dtype)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        return _scaled(_truncated_normal(self._rng(), shape, dtype), self.stddev, self.mean, dtype)


# Initial weights are drawn in float32 (float64 only when asked for) and scaled in place: drawing
# float64 and converting took three quarters of the time VGG19's 143 million weights need.
def _draw_dtype(dtype):
    return np.float64 if str(dtype) == "float64" else np.float32


def _scaled(values, scale, shift, dtype):
    """`values * scale + shift` in place, as `dtype` (float32 by default)."""
    values *= scale
    if shift:
        values += shift
    return values.astype(dtype or "float32", copy=False)


def _uniform(rng, low, high, shape, dtype):
    """Uniform values in [low, high)."""
    return _scaled(rng.random(dtype=_draw_dtype(dtype), out=_aligned_empty(shape, _draw_dtype(dtype))),
                   high - low, low, dtype)


def _normal(rng, shape, dtype=None):
    """Standard normal values."""
    return rng.standard_normal(dtype=_draw_dtype(dtype), out=_aligned_empty(shape, _draw_dtype(dtype)))


def _truncated_normal(rng, shape, dtype=None):
    """Standard normal values, those beyond two standard deviations drawn again."""
    draw_dtype = _draw_dtype(dtype)
    values = _normal(rng, shape, dtype)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()), dtype=draw_dtype)
        outside = np.abs(values) > 2
    return values


# The numbers are drawn into memory aligned to 64 bytes, as XLA aligns its own buffers: on the CPU,
# JAX then takes the NumPy array as it is (jax.device_put shares it) instead of copying it. Nothing else
# holds that array, so nothing can change it afterwards. VGG19's 572 MB of initial weights were copied once
# more (0.5 s of CPU); NumPy's own arrays are aligned to 16 bytes only.
XLA_ALIGNMENT = 64


def _aligned_empty(shape, dtype):
    """An uninitialized NumPy array of `shape` and `dtype` whose data starts at a multiple of 64 bytes."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    raw = np.empty(size + XLA_ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % XLA_ALIGNMENT
    return raw[start:start + size].view(dtype).reshape(shape)


def compute_fans(shape):
    """(fan_in, fan_out): for a conv kernel, channels times the receptive field size."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(RandomInitializer):
    """Random values with variance `scale / fan`, where `fan` counts the inputs ("fan_in"), the
    outputs ("fan_out") or their average ("fan_avg") of the weight. `distribution` is
    "truncated_normal", "untruncated_normal" or "uniform". `input_axes`/`output_axes` (Keras 3.15)
    name the axes that count as inputs and outputs."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, not {mode!r}.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError("VarianceScaling: distribution must be truncated_normal, untruncated_normal "
                             f"or uniform, not {distribution!r}.")
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be positive, not {scale!r}.")
        self.scale, self.mode = scale, mode
        self.distribution = "truncated_normal" if distribution == "normal" else distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def _fans(self, shape):
        if self.input_axes is None and self.output_axes is None:
            return compute_fans(shape)
        fan_in = math.prod(shape[a] for a in self.input_axes or [-2])
        fan_out = math.prod(shape[a] for a in self.output_axes or [-1])
        return fan_in, fan_out

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = self._fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        dtype = dtype or "float32"
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / 0.87962566103423978  # std of a normal truncated at 2 sigma
            return _scaled(_truncated_normal(self._rng(), shape, dtype), stddev, 0.0, dtype)
        if self.distribution == "untruncated_normal":
            return _scaled(_normal(self._rng(), shape, dtype), math.sqrt(variance),
                           0.0, dtype)
        limit = math.sqrt(3.0 * variance)
        return _uniform(self._rng(), -limit, limit, shape, dtype)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _variance_scaling(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None, input_axes=None, output_axes=None):
            super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

        def get_config(self):
            return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    Preset.__name__ = Preset.__qualname__ = name
    Preset.__doc__ = f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})."
    return Preset


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        """A (semi-)orthogonal matrix from the QR decomposition of a normal one, reshaped to `shape`."""
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank 2 or more, received {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return (self.gain * q[:rows, :cols].reshape(shape)).astype(dtype or "float32")

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer works only for 2D matrices, received shape {shape}.")
        return self.gain * np.eye(*shape, dtype=dtype or "float32")

    def get_config(self):
        return {} if self.gain == 1.0 else {"gain": self.gain}  # Keras writes {} (and no gain)


# -- STFT kernels ---------------------------------------------------------------------------------
# A kernel of shape `(T, 1, F // 2 + 1)` holds, for each time step `t` of a window of `T` samples and each
# frequency bin `f`, `cos(-2 pi t f / F)` (the real side) or `sin(...)` (the imaginary side), times the
# window function (Hann by default) and divided by a scaling: a Conv1D with it gives one side of the
# spectrum of each frame. Window functions come from `scipy.signal.windows` (SciPy comes with JAX).

class STFT(Initializer):
    """STFT kernels: `side` "real" or "imag"; `window` a name from scipy.signal.windows, values, or
    None; `scaling` "density" (divide by the window's L2 norm), "spectrum" (its L1 norm) or None;
    `periodic` for a periodic rather than symmetric window."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _window(window, 1, False)  # an unknown window name fails here, as in Keras
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = dtype or "float32"
        frame_length, _, bins = shape
        time = np.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        frequency = np.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        angles = -2 * time * frequency * np.pi
        kernel = (np.cos(angles) if self.side == "real" else np.sin(angles)).astype(dtype)
        if self.window is None:
            return kernel
        window = self.window
        if isinstance(window, str):
            window = _window(window, frame_length, self.periodic)
        window = np.asarray(window, dtype)
        if window.ndim != 1 or window.shape[-1] != frame_length:
            raise ValueError(f"The shape of `window` must be equal to [frame_length].Received: window "
                             f"shape={window.shape}")
        scaling = {"density": np.sqrt(np.sum(np.square(window))), "spectrum": np.sum(np.abs(window)),
                   None: 1}[self.scaling]
        return (kernel * window.reshape(frame_length, 1, 1) / scaling).astype(dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


def _window(name, length, periodic):
    import scipy.signal  # loaded when a window is asked for
    return scipy.signal.get_window(name, length, periodic)


_CATALOG = Catalog(
    "initializer",
    [Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
     GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity],
    {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
     "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
     "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
     "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
     "orthogonal": Orthogonal, "identity": Identity, "uniform": RandomUniform, "normal": RandomNormal,
     "zero": Zeros, "one": Ones, "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal})
get, serialize, deserialize = _CATALOG.get, _CATALOG.serialize, _CATALOG.deserialize

# Keras's two other names for the STFT class.
STFTInitializer = stft = STFT
_CATALOG.classes["STFT"] = STFT
_CATALOG.names.update({"stft": STFT, "STFTInitializer": STFT})

# Keras's other public names for the same classes: `keras.initializers.he_normal(seed=1)` is `HeNormal(seed=1)`.
globals().update({name: _CATALOG.names[name] for name in (
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "orthogonal", "identity", "IdentityInitializer", "OrthogonalInitializer")})
