"""Math operations (`keras.ops.logsumexp`, `ops.top_k`, `ops.segment_sum`, `ops.rsqrt`, ...) and the
Fourier transforms (`ops.fft`, `ops.rfft`, `ops.stft`, ...), on `jax.numpy`, `jax.lax` and `jax.scipy`.

As in Keras, a complex signal is a pair of real arrays `(real, imag)` of the same shape: the transforms
take and give such pairs (`rfft` takes a real signal, `irfft` gives one).
"""

import jax
import jax.numpy as jnp
from jax.scipy.special import erf, erfc, erfinv  # noqa: F401  (same as keras.ops.erf, erfc, erfinv)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` without overflow (the largest value is subtracted first)."""
    return jax.scipy.special.logsumexp(jnp.asarray(x), axis=axis, keepdims=keepdims)


def top_k(x, k, sorted=True):
    """`(values, indices)` of the `k` largest entries along the last axis, largest first."""
    return jax.lax.top_k(jnp.asarray(x), k)


def in_top_k(targets, predictions, k):
    """For each row, whether the target class is among the `k` highest predictions."""
    top = jax.lax.top_k(jnp.asarray(predictions), k)[1]
    return jnp.any(top == jnp.asarray(targets)[:, None], axis=-1)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums the rows of `data` that share a segment id; row `i` of the result is segment `i`."""
    return jax.ops.segment_sum(jnp.asarray(data), jnp.asarray(segment_ids), num_segments,
                               indices_are_sorted=sorted)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_max(jnp.asarray(data), jnp.asarray(segment_ids), num_segments,
                               indices_are_sorted=sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_min(jnp.asarray(data), jnp.asarray(segment_ids), num_segments,
                               indices_are_sorted=sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_prod(jnp.asarray(data), jnp.asarray(segment_ids), num_segments,
                                indices_are_sorted=sorted)


def extract_sequences(x, sequence_length, sequence_stride):
    """Overlapping frames of the last axis: `(..., n)` -> `(..., num_frames, sequence_length)`."""
    x = jnp.asarray(x)
    count = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    starts = jnp.arange(count)[:, None] * sequence_stride + jnp.arange(sequence_length)
    return x[..., starts]


# -- distances and determinants ---------------------------------------------------------------------

def cdist(x, y):
    """Euclidean distances between the rows of `x` `(m, d)` and of `y` `(n, d)`: `(m, n)`."""
    diff = jnp.asarray(x)[..., :, None, :] - jnp.asarray(y)[..., None, :, :]
    return jnp.sqrt(jnp.sum(jnp.square(diff), axis=-1))


def logdet(x):
    """`log(det(x))` for a positive-definite matrix, via its Cholesky factor (stable)."""
    factor = jnp.linalg.cholesky(x)
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)


def rsqrt(x):
    """`1 / sqrt(x)` in one step (in floats)."""
    x = jnp.asarray(x)
    return jax.lax.rsqrt(x.astype(jnp.result_type(x.dtype, "float32")))


# -- Fourier transforms: complex signals as (real, imag) pairs ---------------------------------------

def _complex(x):
    """`(real, imag)` -> one complex array, checking what Keras checks."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Input `x` should be a tuple of two tensors - real and imaginary. Received: x={x}")
    real, imag = jnp.asarray(x[0]), jnp.asarray(x[1])
    if real.shape != imag.shape:
        raise ValueError("Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    if not (jnp.issubdtype(real.dtype, jnp.floating) and jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError(f"At least one tensor in input `x` is not of type float. Received: x={x}.")
    return jax.lax.complex(real, imag)


def _pair(z):
    return jnp.real(z), jnp.imag(z)


def fft(x):
    """The discrete Fourier transform along the last axis, of `x = (real, imag)`."""
    return _pair(jnp.fft.fft(_complex(x)))


def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes."""
    return _pair(jnp.fft.fft2(_complex(x)))


def ifft2(x):
    """The inverse of `fft2`."""
    return _pair(jnp.fft.ifft2(_complex(x)))


def rfft(x, fft_length=None):
    """The Fourier transform of a real signal: the `fft_length // 2 + 1` non-negative frequencies."""
    return _pair(jnp.fft.rfft(jnp.asarray(x), n=fft_length, axis=-1))


def irfft(x, fft_length=None):
    """The real signal whose `rfft` is `x = (real, imag)`."""
    return jnp.fft.irfft(_complex(x), n=fft_length, axis=-1)


def view_as_complex(x):
    """A real array `(..., 2)` read as complex numbers `(...)`: last axis (real, imaginary)."""
    x = jnp.asarray(x)
    if x.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). Received shape: {x.shape}")
    return jax.lax.complex(x[..., 0], x[..., 1])


def view_as_real(x):
    """Complex numbers `(...)` as a real array `(..., 2)`: last axis (real, imaginary)."""
    x = jnp.asarray(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


def _window(window, sequence_length, fft_length, dtype):
    """The analysis window, centred in `fft_length` samples: "hann" and "hamming" are periodic (as
    scipy.signal.get_window makes them), an array is used as given, None is a flat window."""
    if window is None:
        return jnp.ones(fft_length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to `window`, it must be one of "hann", "hamming". '
                             f"Received: window={window}")
        weight = 0.5 if window == "hann" else 0.54
        n = jnp.arange(sequence_length, dtype=dtype)
        window = weight - (1 - weight) * jnp.cos(2 * jnp.pi * n / sequence_length)
    window = jnp.asarray(window, dtype)
    if window.shape != (sequence_length,):
        raise ValueError("The shape of `window` must be equal to [sequence_length]. "
                         f"Received: window shape={window.shape}")
    left = (fft_length - sequence_length) // 2
    return jnp.pad(window, (left, fft_length - sequence_length - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform: the `rfft` of windowed frames of `sequence_length` samples taken
    every `sequence_stride`, `(..., frames, fft_length // 2 + 1)` as (real, imag). With `center`, the
    signal is first padded by reflection so that frame `t` is centred on sample `t * sequence_stride`."""
    x = jnp.asarray(x)
    if x.dtype not in (jnp.float32, jnp.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    if center:
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    return _pair(jnp.fft.rfft(frames * _window(window, sequence_length, fft_length, x.dtype), axis=-1))


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The signal whose `stft` is `x = (real, imag)`: each frame's inverse `rfft`, windowed again and
    overlap-added, divided by the sum of the squared windows that cover each sample."""
    spectrum = _complex(x)
    if spectrum.ndim < 2:
        raise ValueError(f"Input `x` must have at least 2 dimensions. Received shape: {spectrum.shape}")
    dtype = jnp.real(spectrum).dtype
    win = _window(window, sequence_length, fft_length, dtype)
    frames = jnp.fft.irfft(spectrum, n=fft_length, axis=-1) * win
    count = frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    positions = (jnp.arange(count)[:, None] * sequence_stride + jnp.arange(fft_length)).ravel()
    signal = jnp.zeros(frames.shape[:-2] + (total,), dtype).at[..., positions].add(
        frames.reshape(frames.shape[:-2] + (-1,)))
    coverage = jnp.zeros(total, dtype).at[positions].add(jnp.tile(jnp.square(win), count))
    signal = signal / jnp.where(coverage > 1e-10, coverage, 1.0)
    if window is None:  # Keras on JAX scales a flat window's signal by fft_length / sequence_stride
        signal = signal * fft_length / sequence_stride
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else (total - fft_length // 2 if center else total)
    return signal[..., start:end]
