"""Math and linear-algebra operations (`keras.ops.logsumexp`, `ops.top_k`, `ops.segment_sum`,
`ops.inv`, `ops.solve`, ...), on `jax.numpy`, `jax.lax` and `jax.scipy`."""

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


def jvp(fun, primals, tangents, has_aux=False):
    """`(fun(*primals), directional derivative along tangents)` in one forward pass."""
    if has_aux:
        return jax.jvp(fun, primals, tangents, has_aux=True)
    return jax.jvp(fun, primals, tangents)


def extract_sequences(x, sequence_length, sequence_stride):
    """Overlapping frames of the last axis: `(..., n)` -> `(..., num_frames, sequence_length)`."""
    x = jnp.asarray(x)
    count = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    starts = jnp.arange(count)[:, None] * sequence_stride + jnp.arange(sequence_length)
    return x[..., starts]


# -- linear algebra (keras.ops.linalg) ---------------------------------------------------------------

def inv(x):
    return jnp.linalg.inv(x)


def det(x):
    return jnp.linalg.det(x)


def solve(a, b):
    return jnp.linalg.solve(a, b)


def cholesky(x, upper=False):
    factor = jnp.linalg.cholesky(x)
    return jnp.swapaxes(factor, -1, -2).conj() if upper else factor


def qr(x, mode="reduced"):
    return jnp.linalg.qr(x, mode=mode)


def svd(x, full_matrices=True, compute_uv=True):
    return jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


def eigh(x):
    return jnp.linalg.eigh(x)


def lstsq(a, b, rcond=None):
    return jnp.linalg.lstsq(a, b, rcond=rcond)[0]


def solve_triangular(a, b, lower=False):
    return jax.scipy.linalg.solve_triangular(a, b, lower=lower)


def pinv(x, rcond=None):
    return jnp.linalg.pinv(x) if rcond is None else jnp.linalg.pinv(x, rtol=rcond)


def matrix_rank(x, tol=None):
    return jnp.linalg.matrix_rank(x, tol=tol)


def eig(x):
    return jnp.linalg.eig(x)


def cdist(x, y):
    """Euclidean distances between the rows of `x` `(m, d)` and of `y` `(n, d)`: `(m, n)`."""
    diff = jnp.asarray(x)[..., :, None, :] - jnp.asarray(y)[..., None, :, :]
    return jnp.sqrt(jnp.sum(jnp.square(diff), axis=-1))


def slogdet(x):
    return tuple(jnp.linalg.slogdet(x))


def logdet(x):
    """`log(det(x))` for a positive-definite matrix, via its Cholesky factor (stable)."""
    factor = jnp.linalg.cholesky(x)
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
