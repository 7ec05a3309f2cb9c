"""Random numbers that can be replayed: `SeedGenerator`, `normal`, `uniform`, `dropout`, ...

JAX has no hidden global random state: every draw takes a key. Keras's API hides the keys:
- `SeedGenerator(seed)` keeps its state in a (non-trainable) `Variable`, so that inside a
  `StatelessScope` (under `jax.jit`) drawing advances the state in the scope, and the new state is
  carried out of the compiled step like any other variable;
- `seed=None` draws from one global generator, kept as two Python integers (a base seed and a count),
  so that drawing costs nothing until a key is actually needed. `set_seed` resets it. Under `jax.jit`
  such a draw would be made once, while tracing, so it is refused there (as in Keras): pass a
  `SeedGenerator` for new numbers at every call.
- an int seed always gives the same numbers.
"""

import numbers
import threading

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.engine.variables import Variable, standardize_dtype

_global = {"seed": 1337, "count": 0}
_local = threading.local()


def set_seed(seed):
    """Restart the global generator from `seed` (what `keras.utils.set_random_seed` calls)."""
    _global["seed"] = int(seed)
    _global["count"] = 0


def _next_position():
    """The next global position `(seed, count[, index])`: from the position `deferred` captured, if
    inside one, else from the global count (which then moves on by one)."""
    replay = getattr(_local, "replay", None)
    if replay is not None:
        position, index = replay
        _local.replay = (position, index + 1)
        return position + (index,)
    count = _global["count"]
    _global["count"] += 1
    return (_global["seed"], count)


def _next_global_key():
    if getattr(_local, "replay", None) is None and isinstance(jnp.zeros(()), jax.core.Tracer):
        raise ValueError("A random op with seed=None was called inside a traced function (jax.jit, fit, "
                         "predict): its numbers would be drawn once and then repeat at every call. "
                         "Create a `SeedGenerator` (e.g. in your layer's __init__) and pass it as `seed=`.")
    seed, *rest = _next_position()
    key = jax.random.key(seed)
    for number in rest:
        key = jax.random.fold_in(key, number)
    return key


def deferred(fn):
    """Run `fn` later, drawing global random numbers as if it ran now.

    Initial weights are computed when first read (see variables.py); this keeps them the same
    whatever order they are read in: each initializer's draws come from the position it was created at
    (the global count moves on by one now, however many draws `fn` makes later).
    """
    position = (_global["seed"], _global["count"])
    _global["count"] += 1

    def run():
        outer = getattr(_local, "replay", None)
        _local.replay = (position, 0)
        try:
            return fn()
        finally:
            _local.replay = outer
    return run


def host_generator(seed=None):
    """A NumPy generator for values computed on the host (initial weights), seeded like `draw_key`.

    Initial weights are drawn with NumPy: compiling a JAX program for every new weight shape costs far
    more than drawing the numbers. An int seed gives the same values every time; None draws from the
    global position (or the position captured by `deferred`).
    """
    if isinstance(seed, numbers.Integral):
        return np.random.default_rng(int(seed))
    return np.random.default_rng(list(_next_position()))


class SeedGenerator:
    """A seed that advances with every draw; its state is a Variable (uint32, shape (2,)): the seed
    and a counter. Random layers (Dropout, GaussianNoise) own one and pass it as `seed=`."""

    def __init__(self, seed=None, name=None, **kwargs):
        self.name = name or "seed_generator"
        if seed is None:  # derived from the global generator's position: cheap and reproducible
            seed = (_global["seed"] * 1_000_003 + _global["count"]) % 2**31
            _global["count"] += 1
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None, received {seed!r}.")
        self._initial_seed = int(seed)
        self.state = Variable(np.array([int(seed) % 2**32, 0], dtype="uint32"), trainable=False,
                              name="seed_generator_state", path=f"{self.name}/seed_generator_state")

    def next(self, ordered=True):
        """A fresh JAX key; the state's counter moves on by one (in the active scope, if any)."""
        seed_state = self.state.value
        self.state.assign(seed_state + jnp.array([0, 1], dtype="uint32"))
        return jax.random.fold_in(jax.random.key(seed_state[0]), seed_state[1])

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def draw_key(seed):
    """A JAX key from an int seed, a SeedGenerator, None (the global generator), a Keras-style seed
    tensor `[seed, counter]` (uint32, shape (2,)) or a JAX key."""
    if seed is None:
        return _next_global_key()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, numbers.Integral):
        return jax.random.key(int(seed))
    seed = seed.value if isinstance(seed, Variable) else seed
    if hasattr(seed, "dtype") and jnp.issubdtype(seed.dtype, jax.dtypes.prng_key):
        return seed
    seed = jnp.asarray(seed)
    if seed.shape == (2,):
        return jax.random.fold_in(jax.random.key(seed[0]), seed[1])
    raise ValueError("`seed` must be an int, a SeedGenerator, None, or a tensor of shape (2,); "
                     f"received {seed!r}.")


def _dtype(dtype):
    return standardize_dtype(dtype)  # None -> "float32"


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of the normal distribution N(mean, stddev**2)."""
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), _dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples spread evenly over [minval, maxval)."""
    return jax.random.uniform(draw_key(seed), tuple(shape), _dtype(dtype), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, none further than two standard deviations from the mean (as Keras)."""
    return mean + stddev * jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape),
                                                       _dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval)."""
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, standardize_dtype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` `(batch, classes)`: `(batch, num_samples)`."""
    logits = jnp.asarray(logits)
    samples = jax.random.categorical(draw_key(seed), logits[:, None, :], axis=-1,
                                     shape=(logits.shape[0], num_samples))
    return samples.astype(standardize_dtype(dtype))


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a random order."""
    return jax.random.permutation(draw_key(seed), jnp.asarray(x), axis=axis, independent=False)


def gamma(shape, alpha, dtype=None, seed=None):
    return jax.random.gamma(draw_key(seed), alpha, tuple(shape), _dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    return jax.random.beta(draw_key(seed), alpha, beta, tuple(shape), _dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    samples = jax.random.binomial(draw_key(seed), counts, probabilities, tuple(shape))
    return samples.astype(_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero a fraction `rate` of the values; scale the others by 1 / (1 - rate), so the expected sum
    is unchanged. `noise_shape` (None entries copy the input's size) shares the mask along axes of
    size 1, e.g. `(batch, 1, channels)` drops whole channels."""
    if isinstance(rate, numbers.Real) and not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: `rate` must be in [0, 1), received rate={rate}.")
    inputs = jnp.asarray(inputs)
    shape = tuple(inputs.shape if noise_shape is None else
                  (s if n is None else n for s, n in zip(inputs.shape, noise_shape)))
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return jnp.where(keep, inputs / (1.0 - rate), jnp.zeros_like(inputs))
