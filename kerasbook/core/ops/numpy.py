"""NumPy-like operations (`keras.ops.matmul`, `ops.sum`, `ops.where`, ...), on `jax.numpy`.

Where `jax.numpy` already has Keras's name, arguments and defaults, the op *is* that function (no
wrapper, no overhead). The ops whose Keras signature or default differs are written out below. All
accept Variables, NumPy arrays and Python numbers, and return JAX arrays.
"""

import jax
import jax.numpy as jnp
from jax.numpy import (  # noqa: F401  (re-exported: same name and signature as in keras.ops)
    abs, absolute, add, all, allclose, angle, any, append, arange, arccos, arccosh, arcsin, arcsinh,
    arctan, arctan2, arctanh, argpartition, argsort, array_split, average, bartlett, bitwise_and,
    bitwise_invert, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor,
    blackman, broadcast_to, cbrt, ceil, clip, concatenate, conj, conjugate, copy, corrcoef, correlate,
    cos, cosh, count_nonzero, cross, cumprod, cumsum, deg2rad, diag, diagflat, diagonal, diff, digitize,
    divide, dot, dsplit, dstack, einsum, empty, empty_like, equal, exp, exp2, expand_dims, expm1, eye,
    fabs, flip, fliplr, flipud, floor, floor_divide, fmax, fmin, fmod, full_like, gcd, geomspace,
    greater, greater_equal, hamming, hanning, heaviside, hsplit, hstack, hypot, i0, identity, imag,
    inner, isclose, isfinite, isin, isinf, isnan, isneginf, isposinf, isreal, kaiser, kron, lcm, ldexp,
    left_shift, less, less_equal, linspace, log, log1p, log2, log10, logaddexp, logaddexp2,
    logical_and, logical_not, logical_or, logical_xor, logspace, matmul, maximum, mean, median,
    meshgrid, minimum, mod, moveaxis, multiply, nanargmax, nanargmin, nancumprod, nancumsum, nanmax,
    nanmean, nanmedian, nanmin, nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar, ndim,
    negative, nextafter, nonzero, not_equal, ones, ones_like, outer, percentile, power, prod, ptp,
    quantile, rad2deg, ravel, real, reciprocal, repeat, reshape, right_shift, roll, rot90, round,
    searchsorted, select, sign, signbit, sin, sinc, sinh, size, sort, split, sqrt, square, squeeze,
    stack, std, subtract, sum, swapaxes, take, tan, tanh, tensordot, tile, trace, transpose, trapezoid,
    tri, tril, triu, true_divide, trunc, unravel_index, vander, var, vdot, vectorize, vsplit, vstack,
    zeros, zeros_like)

amax, amin = jnp.max, jnp.min


def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(x, axis=axis, keepdims=keepdims, initial=initial)


def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(x, axis=axis, keepdims=keepdims)


def nanargmax(x, axis=None, keepdims=False):
    return jnp.nanargmax(x, axis=axis, keepdims=keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return jnp.nanargmin(x, axis=axis, keepdims=keepdims)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    """The distinct values; under `jax.jit` a fixed `size` is needed (padded with `fill_value`)."""
    return jnp.unique(x, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, size=size, fill_value=fill_value)


def full(shape, fill_value, dtype=None):
    """Keras fills with floats unless told otherwise: `full((2,), 1)` is float32."""
    return jnp.full(shape, fill_value, dtype=dtype or "float32")


def array(x, dtype=None):
    return jnp.array(x, dtype=dtype)


def where(condition, x1=None, x2=None):
    """`where(c, a, b)` picks elementwise; `where(c)` alone gives the indices of the true values."""
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition, x1, x2)


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(x, indices, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    if constant_values is None:
        return jnp.pad(x, pad_width, mode=mode)
    return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)


def rsqrt(x):
    return jax.lax.rsqrt(jnp.asarray(x, dtype=jnp.result_type(x, "float32")))


def divide_no_nan(x1, x2):
    """`x1 / x2`, but 0 wherever `x2` is 0 (instead of inf or nan)."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, x1 / safe)


def norm(x, ord=None, axis=None, keepdims=False):
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def histogram(x, bins=10, range=None):
    return jnp.histogram(x, bins=bins, range=range)


def bincount(x, weights=None, minlength=0, sparse=False):
    return jnp.bincount(x, weights=weights, minlength=minlength)


def get_item(x, key):
    return jnp.asarray(x)[key]
