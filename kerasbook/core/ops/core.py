"""Core operations: conversions, shapes, dtypes, indexing and control flow (`keras.ops.shape`,
`ops.cast`, `ops.scan`, `ops.cond`, ...).

Control flow must be `jax.lax` functions, not Python `if`/`for`, when the condition or the number of
steps depends on a value computed under `jax.jit`: then the whole loop compiles into one program.
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.engine.variables import Variable, standardize_dtype


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A JAX array from a Variable, a NumPy array, a list or a Python number."""
    if isinstance(x, Variable):
        x = x.value
    return jnp.asarray(x, dtype=None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    return np.asarray(x)


def is_tensor(x):
    """True for a JAX array (not for a NumPy array, a Python value or a Variable), as in Keras."""
    return isinstance(x, jax.Array)


def shape(x):
    """The shape as a tuple of ints (None stays None for a symbolic tensor)."""
    return tuple(x.shape) if hasattr(x, "shape") else jnp.shape(x)


def dtype(x):
    """Keras's dtype string of `x`: "float32", "int32", ..."""
    return standardize_dtype(x.dtype if hasattr(x, "dtype") else jnp.asarray(x).dtype)


def cast(x, dtype):
    return jnp.asarray(x).astype(standardize_dtype(dtype))


def saturate_cast(x, dtype):
    """Cast, clipping first to the range of `dtype` (so 300.0 -> uint8 is 255, not 44)."""
    dtype = standardize_dtype(dtype)
    x = jnp.asarray(x)
    if jnp.issubdtype(dtype, jnp.integer):
        limits = jnp.iinfo(dtype)
        x = jnp.clip(x, limits.min, limits.max)
    elif jnp.issubdtype(dtype, jnp.floating) and jnp.issubdtype(x.dtype, jnp.floating):
        limits = jnp.finfo(dtype)
        x = jnp.clip(x, limits.min, limits.max)
    return x.astype(dtype)


def stop_gradient(variable):
    """The same values, but gradients do not flow back through them."""
    return jax.lax.stop_gradient(jnp.asarray(variable))


def custom_gradient(f):
    """`f` returning `(value, grad_fn)` becomes a function whose gradient is `grad_fn`."""
    return jax.custom_gradient(f)


# -- indexing -------------------------------------------------------------------------------------

def slice(inputs, start_indices, shape):
    """The block of size `shape` starting at `start_indices` (which may be traced values)."""
    return jax.lax.dynamic_slice(jnp.asarray(inputs), start_indices, shape)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`."""
    return jax.lax.dynamic_update_slice(jnp.asarray(inputs), jnp.asarray(updates), start_indices)


def _index_tuple(indices):
    """(n, rank) indices -> a tuple of `rank` index arrays, as `x.at[...]` wants."""
    return tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (shape `(n, rank)`); repeats add up."""
    values = jnp.asarray(values)
    return jnp.zeros(shape, values.dtype).at[_index_tuple(indices)].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices`; `reduction` ("add", "max", "min", "mul")
    combines them with the old values instead of replacing them."""
    at = jnp.asarray(inputs).at[_index_tuple(indices)]
    method = {None: at.set, "add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}[reduction]
    return method(updates)


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    x = jnp.asarray(x)
    return [jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])]


# -- control flow ---------------------------------------------------------------------------------

def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`; both are traced, so they must return the same shapes."""
    return jax.lax.cond(pred, true_fn, false_fn)


def switch(index, branches, *operands):
    return jax.lax.switch(index, branches, *operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (at most `maximum_iterations`)."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = (tuple(loop_vars) if is_tuple else (loop_vars,), 0)

    def keep_going(state):
        values, step = state
        ok = cond(*values)
        return ok if maximum_iterations is None else jnp.logical_and(ok, step < maximum_iterations)

    def step_once(state):
        values, step = state
        new = body(*values)
        return (tuple(new) if is_tuple else (new,), step + 1)

    values, _ = jax.lax.while_loop(keep_going, step_once, state)
    return values if is_tuple else values[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i in range(lower, upper)."""
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """`carry, y = f(carry, x)` over the leading axis of `xs`; returns `(final carry, stacked ys)`."""
    return jax.lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


def associative_scan(f, elems, reverse=False, axis=0):
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


def map(f, xs):
    """`f` applied to each slice of `xs` along its first axis, the results stacked."""
    return jax.lax.map(f, xs)


def vectorized_map(function, elements):
    """Like `map`, but vectorized with `jax.vmap`: one batched computation instead of a loop."""
    return jax.vmap(function)(elements)
