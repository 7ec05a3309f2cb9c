"""NumPy-like operations (`keras.ops.matmul`, `ops.sum`, `ops.where`, ...), on `jax.numpy`.

Where `jax.numpy` computes what Keras's op computes, the op is that function under Keras's signature
(`ops.sum(x, axis=None, keepdims=False)`, see _signatures.py), accepting Python lists as Keras does
(`ops.sum([1, 2])`; `jnp.sum` refuses lists). The ops that compute something else are written out
below. All accept Variables, NumPy arrays and Python numbers, and return JAX arrays.
"""

import builtins
import functools

import jax
import jax.numpy as jnp

from kerasbook.core.ops import _signatures


def _arrays(count):
    """Decorator: the first `count` positional arguments may be Python lists or tuples (made arrays)."""
    def wrap(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if builtins.any(isinstance(a, (list, tuple)) for a in args[:count]):
                args = tuple(jnp.asarray(a) if isinstance(a, (list, tuple)) else a
                             for a in args[:count]) + args[count:]
            return fn(*args, **kwargs)
        return op
    return wrap


# Keras's signature of each op that computes what the jax.numpy function of its name computes (see
# _signatures.py); the number is how many leading arguments are arrays (they may be Python lists).
_KERAS_SIGNATURES = {
    0: """
        arange(start, stop=None, step=None, dtype=None) bartlett(x) blackman(x) concatenate(xs, axis=0)
        dstack(xs) einsum(subscripts, *operands, **kwargs) empty(shape, dtype=None)
        eye(N, M=None, k=0, dtype=None) geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0)
        hamming(x) hanning(x) hstack(xs) identity(n, dtype=None) kaiser(x, beta)
        linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)
        logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0)
        meshgrid(*x, indexing='xy') ones(shape, dtype=None) select(condlist, choicelist, default=0)
        stack(x, axis=0) tri(N, M=None, k=0, dtype=None) unravel_index(indices, shape) vstack(xs)
        zeros(shape, dtype=None)""",
    1: """
        abs(x) absolute(x) all(x, axis=None, keepdims=False) angle(x) any(x, axis=None, keepdims=False)
        bitwise_invert(x) bitwise_not(x)
        arccos(x) arccosh(x) arcsin(x) arcsinh(x) arctan(x) arctanh(x) argpartition(x, kth, axis=-1)
        argsort(x, axis=-1) array_split(x, indices_or_sections, axis=0) average(x, axis=None, weights=None)
        broadcast_to(x, shape) cbrt(x) ceil(x) conj(x) conjugate(x) copy(x) corrcoef(x) cos(x) cosh(x)
        count_nonzero(x, axis=None) cumprod(x, axis=None, dtype=None) cumsum(x, axis=None, dtype=None)
        deg2rad(x) diag(x, k=0) diagflat(x, k=0) diagonal(x, offset=0, axis1=0, axis2=1)
        diff(a, n=1, axis=-1) dsplit(x, indices_or_sections) empty_like(x, dtype=None) exp(x) exp2(x)
        expand_dims(x, axis) expm1(x) fabs(x) flip(x, axis=None) fliplr(x) flipud(x) floor(x)
        full_like(x, fill_value, dtype=None) hsplit(x, indices_or_sections) i0(x) imag(x) isfinite(x)
        isinf(x) isnan(x) isneginf(x) isposinf(x) isreal(x) log(x) log1p(x) log2(x) log10(x) logical_not(x)
        mean(x, axis=None, keepdims=False) median(x, axis=None, keepdims=False)
        moveaxis(x, source, destination) nancumprod(x, axis=None, dtype=None)
        nancumsum(x, axis=None, dtype=None) nanmax(x, axis=None, keepdims=False)
        nanmean(x, axis=None, keepdims=False) nanmedian(x, axis=None, keepdims=False)
        nanmin(x, axis=None, keepdims=False)
        nanpercentile(x, q, axis=None, method='linear', keepdims=False)
        nanprod(x, axis=None, keepdims=False) nanquantile(x, q, axis=None, method='linear', keepdims=False)
        nanstd(x, axis=None, keepdims=False) nansum(x, axis=None, keepdims=False)
        nanvar(x, axis=None, keepdims=False) ndim(x) negative(x) nonzero(x) ones_like(x, dtype=None)
        percentile(x, q, axis=None, method='linear', keepdims=False)
        prod(x, axis=None, keepdims=False, dtype=None) ptp(x, axis=None, keepdims=False)
        quantile(x, q, axis=None, method='linear', keepdims=False) rad2deg(x) ravel(x) real(x)
        reciprocal(x) repeat(x, repeats, axis=None) reshape(x, newshape) roll(x, shift, axis=None)
        rot90(array, k=1, axes=(0, 1)) round(x, decimals=0) sign(x) signbit(x) sin(x) sinc(x) sinh(x)
        size(x) sort(x, axis=-1) split(x, indices_or_sections, axis=0) sqrt(x) square(x)
        squeeze(x, axis=None) std(x, axis=None, keepdims=False) sum(x, axis=None, keepdims=False)
        swapaxes(x, axis1, axis2) tan(x) tanh(x) tile(x, repeats) trace(x, offset=0, axis1=0, axis2=1)
        transpose(x, axes=None) trapezoid(y, x=None, dx=1.0, axis=-1) tril(x, k=0) triu(x, k=0) trunc(x)
        var(x, axis=None, keepdims=False) vander(x, N=None, increasing=False)
        vsplit(x, indices_or_sections) zeros_like(x, dtype=None)""",
    2: """
        add(x1, x2) allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) append(x1, x2, axis=None)
        arctan2(x1, x2) bitwise_and(x, y) bitwise_left_shift(x, y) bitwise_or(x, y)
        bitwise_right_shift(x, y) bitwise_xor(x, y) correlate(x1, x2, mode='valid')
        cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None) digitize(x, bins) divide(x1, x2) dot(x1, x2)
        equal(x1, x2) floor_divide(x1, x2) fmax(x1, x2) fmin(x1, x2) fmod(x1, x2) gcd(x1, x2)
        greater(x1, x2) greater_equal(x1, x2) heaviside(x1, x2) hypot(x1, x2) inner(x1, x2)
        isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False)
        isin(x1, x2, assume_unique=False, invert=False) kron(x1, x2) lcm(x1, x2) ldexp(x1, x2)
        left_shift(x, y) less(x1, x2) less_equal(x1, x2) logaddexp(x1, x2) logaddexp2(x1, x2)
        logical_and(x1, x2) logical_or(x1, x2) logical_xor(x1, x2) matmul(x1, x2) maximum(x1, x2)
        minimum(x1, x2) mod(x1, x2) multiply(x1, x2) nextafter(x1, x2) not_equal(x1, x2) outer(x1, x2)
        power(x1, x2) right_shift(x, y) searchsorted(sorted_sequence, values, side='left') subtract(x1, x2)
        take(x, indices, axis=None) tensordot(x1, x2, axes=2) true_divide(x1, x2) vdot(x1, x2)""",
}
_signatures.define(globals(), jnp, _KERAS_SIGNATURES)


@_arrays(1)
def clip(x, x_min, x_max):
    """`x` with values below `x_min` raised to it and values above `x_max` lowered to it."""
    return jnp.clip(x, x_min, x_max)


@_arrays(1)
def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(x, axis=axis, keepdims=keepdims, initial=initial)


@_arrays(1)
def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(x, axis=axis, keepdims=keepdims, initial=initial)


@_arrays(1)
def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(x, axis=axis, keepdims=keepdims)


@_arrays(1)
def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(x, axis=axis, keepdims=keepdims)


@_arrays(1)
def nanargmax(x, axis=None, keepdims=False):
    return jnp.nanargmax(x, axis=axis, keepdims=keepdims)


@_arrays(1)
def nanargmin(x, axis=None, keepdims=False):
    return jnp.nanargmin(x, axis=axis, keepdims=keepdims)


@_arrays(1)
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


@_arrays(3)
def where(condition, x1=None, x2=None):
    """`where(c, a, b)` picks elementwise; `where(c)` alone gives the indices of the true values."""
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition, x1, x2)


@_arrays(2)
def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(x, indices, axis=axis)


@_arrays(1)
def pad(x, pad_width, mode="constant", constant_values=None):
    if constant_values is None:
        return jnp.pad(x, pad_width, mode=mode)
    return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)


def divide_no_nan(x1, x2):
    """`x1 / x2`, but 0 wherever `x2` is 0 (instead of inf or nan)."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, x1 / safe)


@_arrays(1)
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@_arrays(1)
def histogram(x, bins=10, range=None):
    return jnp.histogram(x, bins=bins, range=range)


@_arrays(1)
def bincount(x, weights=None, minlength=0, sparse=False):
    return jnp.bincount(x, weights=weights, minlength=minlength)


def slogdet(x):
    """`(sign, log|det|)` of each matrix: the determinant without overflow."""
    return tuple(jnp.linalg.slogdet(x))


def get_item(x, key):
    return jnp.asarray(x)[key]


@_arrays(1)
def amax(x, axis=None, keepdims=False):
    return jnp.max(x, axis=axis, keepdims=keepdims)


@_arrays(1)
def amin(x, axis=None, keepdims=False):
    return jnp.min(x, axis=axis, keepdims=keepdims)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` applied elementwise (or along the core axes of `signature`) with jax.numpy.vectorize."""
    return jnp.vectorize(pyfunc, excluded=excluded or frozenset(), signature=signature)


def view(x, dtype=None):
    """The same bytes read as another dtype (`float32` -> `int32` keeps the bits, unlike `cast`)."""
    return jnp.asarray(x).view(dtype)
