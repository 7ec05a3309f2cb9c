"""Linear algebra (`keras.ops.linalg.inv`, `ops.linalg.solve`, `ops.linalg.svd`, ...; each also
`keras.ops.inv`, `ops.solve`, ...), on `jax.numpy.linalg` and `jax.scipy.linalg`.

Matrices are the last two axes: a `(batch, n, n)` array is `batch` matrices, each solved on its own.
"""

import jax
import jax.numpy as jnp


def _at_least_a_matrix(x):
    x = jnp.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received input with shape {x.shape}.")
    return x


def _floating(x):
    """`x` as floats: int64 becomes float32 (Keras's floatx), other dtypes their float counterpart."""
    x = jnp.asarray(x)
    return x.astype("float32" if x.dtype == jnp.int64 else jnp.result_type(x.dtype, float))


def inv(x):
    """The inverse matrix: `inv(x) @ x` is the identity."""
    return jnp.linalg.inv(x)


def det(x):
    """The determinant of each matrix."""
    return jnp.linalg.det(x)


def solve(a, b):
    """`x` with `a @ x == b`, without forming `inv(a)` (more accurate and faster)."""
    return jnp.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    """As `solve`, for a triangular `a` (upper unless `lower=True`): substitution, row by row."""
    return jax.scipy.linalg.solve_triangular(a, b, lower=lower)


def lstsq(a, b, rcond=None):
    """The `x` that makes `a @ x` closest to `b` (least squares), for any shape of `a`."""
    return jnp.linalg.lstsq(jnp.asarray(a), jnp.asarray(b), rcond=rcond)[0]


def cholesky(x, upper=False):
    """The lower triangular `L` with `L @ L.T == x`, for a symmetric positive-definite `x` (`upper=True`:
    its transpose). A matrix that is not positive definite gives NaNs."""
    return jnp.linalg.cholesky(x, upper=upper)


def cholesky_inverse(x, upper=False):
    """The inverse of `L @ L.T` given its Cholesky factor `L` (of `U.T @ U` given `U` if `upper`)."""
    x = jnp.asarray(x)
    inverse_factor = solve_triangular(x, jnp.eye(x.shape[-1], dtype=x.dtype), lower=not upper)
    if upper:
        return inverse_factor @ jnp.swapaxes(inverse_factor, -1, -2)
    return jnp.swapaxes(inverse_factor, -1, -2) @ inverse_factor


def lu_factor(x):
    """`(lu, pivots)`: the LU factors of each matrix in one array (L below the diagonal, with 1s on it
    left out, U on and above it), and the row swaps."""
    factor = jax.scipy.linalg.lu_factor
    for _ in range(jnp.ndim(x) - 2):  # one more vmap for each batch axis
        factor = jax.vmap(factor)
    return factor(jnp.asarray(x))


def qr(x, mode="reduced"):
    """`(q, r)`: `q` with orthonormal columns and upper triangular `r`, `q @ r == x`."""
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of {'reduced', 'complete'}. "
                         f"Received: mode={mode}")
    return jnp.linalg.qr(x, mode=mode)


def svd(x, full_matrices=True, compute_uv=True):
    """`(u, s, vh)` with `x == u @ diag(s) @ vh`, singular values `s` largest first (only `s` if not
    `compute_uv`)."""
    return jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


def eig(x):
    """`(eigenvalues, eigenvectors)` of a square matrix (complex in general)."""
    return jnp.linalg.eig(x)


def eigh(x):
    """`(eigenvalues, eigenvectors)` of a symmetric matrix: real, eigenvalues in ascending order."""
    return jnp.linalg.eigh(x)


def norm(x, ord=None, axis=None, keepdims=False):
    """A vector or matrix norm (Euclidean / Frobenius by default), in floats."""
    return jnp.linalg.norm(_floating(x), ord=ord, axis=axis, keepdims=keepdims)


def matrix_rank(x, tol=None):
    """How many singular values are above `tol`: the number of independent rows (int32)."""
    return jnp.linalg.matrix_rank(_at_least_a_matrix(x), tol=tol).astype("int32")


def pinv(x, rcond=None):
    """The pseudo-inverse (through the SVD); singular values below `rcond` times the largest count as 0."""
    x = _at_least_a_matrix(x)
    return jnp.linalg.pinv(x, rcond=rcond)


def jvp(fun, primals, tangents, has_aux=False):
    """`(fun(*primals), directional derivative along tangents)` in one forward pass."""
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)
