"""NumPy-like operations (`keras.ops.matmul`, `ops.sum`, `ops.where`, ...), on `jax.numpy`.

Where `jax.numpy` already has Keras's name, arguments and defaults, the op *is* that function, only
wrapped so that Python lists are accepted as in Keras (`ops.sum([1, 2])`; `jnp.sum` refuses lists).
The ops whose Keras signature or default differs are written out below. All accept Variables, NumPy
arrays and Python numbers, and return JAX arrays.
"""

import builtins
import functools

import jax
import jax.numpy as jnp


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


# Same name and signature as in keras.ops; the number is how many leading arguments are arrays.
_SAME_AS_JAX_NUMPY = {
    0: """arange bartlett blackman concatenate dstack einsum empty eye geomspace hamming hanning hstack
          identity kaiser linspace logspace meshgrid ones select stack tri unravel_index vectorize vstack
          zeros""",
    1: """abs absolute all angle any arccos arccosh arcsin arcsinh arctan arctanh argpartition argsort
          array_split average broadcast_to cbrt ceil conj conjugate copy corrcoef cos cosh
          count_nonzero cumprod cumsum deg2rad diag diagflat diagonal diff dsplit empty_like exp exp2
          expand_dims expm1 fabs flip fliplr flipud floor full_like hsplit i0 imag isfinite isinf
          isnan isneginf isposinf isreal log log1p log2 log10 logical_not mean median moveaxis nancumprod
          nancumsum nanmax nanmean nanmedian nanmin nanpercentile nanprod nanquantile nanstd nansum
          nanvar ndim negative nonzero ones_like percentile prod ptp quantile rad2deg ravel real
          reciprocal repeat reshape roll rot90 round sign signbit sin sinc sinh size sort split sqrt
          square squeeze std sum swapaxes tan tanh tile trace transpose trapezoid tril triu trunc var
          vander vsplit zeros_like""",
    2: """add allclose append arctan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift
          bitwise_xor correlate cross digitize divide dot equal floor_divide fmax fmin fmod gcd greater
          greater_equal heaviside hypot inner isclose isin kron lcm ldexp left_shift less less_equal
          logaddexp logaddexp2 logical_and logical_or logical_xor matmul maximum minimum mod multiply
          nextafter not_equal outer power right_shift searchsorted subtract take tensordot true_divide
          vdot""",
}
for _count, _names in _SAME_AS_JAX_NUMPY.items():
    for _name in _names.split():
        globals()[_name] = _arrays(_count)(getattr(jnp, _name))
bitwise_invert = bitwise_not = _arrays(1)(jnp.bitwise_not)


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


def rsqrt(x):
    x = jnp.asarray(x)
    return jax.lax.rsqrt(x.astype(jnp.result_type(x.dtype, "float32")))


def divide_no_nan(x1, x2):
    """`x1 / x2`, but 0 wherever `x2` is 0 (instead of inf or nan)."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, x1 / safe)


@_arrays(1)
def norm(x, ord=None, axis=None, keepdims=False):
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@_arrays(1)
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@_arrays(1)
def histogram(x, bins=10, range=None):
    return jnp.histogram(x, bins=bins, range=range)


@_arrays(1)
def bincount(x, weights=None, minlength=0, sparse=False):
    return jnp.bincount(x, weights=weights, minlength=minlength)


def get_item(x, key):
    return jnp.asarray(x)[key]


amax, amin = max, min
