"""Core operations: conversions, shapes, control flow (`keras.ops.shape`, `ops.cast`, `ops.scan`, ...)."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.variables import Variable, standardize_dtype


def convert_to_tensor(x, dtype=None, sparse=None):
    if isinstance(x, Variable):
        x = x.value
    return jnp.asarray(x, dtype=None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    return np.asarray(x)


def is_tensor(x):
    return isinstance(x, jax.Array)


def shape(x):
    """The shape as a tuple of ints (None stays None for a symbolic tensor)."""
    return tuple(x.shape)


def dtype(x):
    return standardize_dtype(jnp.asarray(x).dtype if not hasattr(x, "dtype") else x.dtype)


def cast(x, dtype):
    return jnp.asarray(x).astype(standardize_dtype(dtype))


def stop_gradient(x):
    return jax.lax.stop_gradient(x)


def cond(pred, true_fn, false_fn):
    return jax.lax.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    return jax.lax.while_loop(lambda v: cond(*v) if isinstance(v, tuple) else cond(v),
                              lambda v: body(*v) if isinstance(v, tuple) else body(v), loop_vars)


def fori_loop(lower, upper, body_fun, init_val):
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    return jax.lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


def slice(inputs, start_indices, shape):
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


def slice_update(inputs, start_indices, updates):
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


def scatter(indices, values, shape):
    zeros = jnp.zeros(shape, jnp.asarray(values).dtype)
    return zeros.at[tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))].add(values)


def vectorized_map(function, elements):
    return jax.vmap(function)(elements)


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)


def top_k(x, k, sorted=True):
    return jax.lax.top_k(x, k)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return jax.ops.segment_sum(data, segment_ids, num_segments=num_segments)


def in_top_k(targets, predictions, k):
    top = jax.lax.top_k(predictions, k)[1]
    return jnp.any(top == jnp.asarray(targets)[:, None], axis=-1)
