"""NumPy-like operations (`keras.ops.matmul`, `ops.sum`, ...), on `jax.numpy`.

Where `jax.numpy` already has Keras's name and signature the op is simply that function; the few
that differ are written out. All accept Variables, NumPy arrays and Python numbers.
"""

import jax.numpy as jnp
from jax.numpy import (abs, absolute, all, any, arange, arccos, arcsin, arctan, arctan2, argmax,  # noqa: F401
                       argmin, argsort, around, broadcast_to, ceil, clip, concatenate, conj, cos, cosh,
                       count_nonzero, cross, cumprod, cumsum, diag, diagonal, divide, dot, einsum, empty,
                       equal, exp, expand_dims, expm1, eye, flip, floor, floor_divide, full, full_like,
                       greater, greater_equal, hstack, identity, imag, isclose, isfinite, isinf, isnan,
                       less, less_equal, linspace, log, log1p, log2, log10, logaddexp, logical_and,
                       logical_not, logical_or, logical_xor, matmul, max, maximum, mean, median, meshgrid,
                       min, minimum, mod, moveaxis, multiply, negative, not_equal, ones, ones_like, outer,
                       pad, power, prod, quantile, ravel, real, reciprocal, repeat, reshape, roll, round,
                       sign, sin, sinh, sort, split, sqrt, square, squeeze, stack, std, subtract, sum,
                       swapaxes, take, take_along_axis, tan, tanh, tensordot, tile, trace, transpose, tril,
                       triu, true_divide, unique, var, vstack, where, zeros, zeros_like)

add = jnp.add
amax, amin = jnp.max, jnp.min


def average(x, axis=None, weights=None):
    return jnp.average(x, axis=axis, weights=weights)


def size(x):
    return jnp.size(x)


def ndim(x):
    return jnp.ndim(x)


def norm(x, ord=None, axis=None, keepdims=False):
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def append(x1, x2, axis=None):
    return jnp.append(x1, x2, axis=axis)


def get_item(x, key):
    return jnp.asarray(x)[key]
