"""Random numbers that can be replayed: `SeedGenerator`, `normal`, `uniform`, `dropout`, ...

JAX has no hidden global random state: every draw takes a key. Keras's API hides the keys:
- `SeedGenerator(seed)` keeps its state in a (non-trainable) `Variable`, so that inside a
  `StatelessScope` (under `jax.jit`) drawing advances the state in the scope, and the new state is
  carried out of the compiled step like any other variable;
- `seed=None` draws from one global generator, kept as two Python integers (a base seed and a count),
  so that drawing costs nothing until a key is actually needed. `set_seed` resets it.
"""

import threading

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.variables import Variable

_global = {"seed": 1337, "count": 0}
_local = threading.local()


def set_seed(seed):
    _global["seed"] = int(seed)
    _global["count"] = 0


def _next_global_key():
    replay = getattr(_local, "replay", None)
    if replay is not None:  # inside `deferred`: draw from the captured position
        (seed, count), index = replay
        _local.replay = ((seed, count), index + 1)
        return jax.random.fold_in(jax.random.fold_in(jax.random.key(seed), count), index)
    count = _global["count"]
    _global["count"] += 1
    return jax.random.fold_in(jax.random.key(_global["seed"]), count)


def deferred(fn):
    """Run `fn` later, drawing global random numbers as if it ran now.

    Initial weights are computed when first read (see variables.py); this keeps them the same
    whatever order they are read in: each initializer's draws come from the position it was created at.
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
    if isinstance(seed, int):
        return np.random.default_rng(seed)
    replay = getattr(_local, "replay", None)
    if replay is not None:
        (seed_value, count), index = replay
        _local.replay = ((seed_value, count), index + 1)
        return np.random.default_rng([seed_value, count, index])
    count = _global["count"]
    _global["count"] += 1
    return np.random.default_rng([_global["seed"], count])


class SeedGenerator:
    """A seed that advances with every draw; its state is a Variable (uint32, shape (2,))."""

    def __init__(self, seed=None, name=None, **kwargs):
        self.name = name or "seed_generator"
        if seed is None:  # derived from the global generator's position: cheap and reproducible
            seed = (_global["seed"] * 1_000_003 + _global["count"]) % 2**31
            _global["count"] += 1
        self._initial_seed = seed
        self.state = Variable(np.array([seed, 0], dtype="uint32"), trainable=False,
                              name="seed_generator_state", path=f"{self.name}/seed_generator_state")

    def next(self):
        """A fresh key; the state's counter moves on by one."""
        seed_state = self.state.value
        self.state.assign(seed_state + jnp.array([0, 1], dtype="uint32"))
        return jax.random.fold_in(jax.random.key(seed_state[0]), seed_state[1])

    def get_config(self):
        return {"seed": self._initial_seed}


def draw_key(seed):
    """A JAX key from an int seed, a SeedGenerator, or (None) the global generator."""
    if seed is None:
        return _next_global_key()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, int):
        return jax.random.key(seed)
    return seed  # already a key


def _dtype(dtype):
    return dtype or "float32"


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), _dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return jax.random.uniform(draw_key(seed), tuple(shape), _dtype(dtype), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values, redrawn beyond two standard deviations (as Keras)."""
    return mean + stddev * jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape),
                                                       _dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    key = draw_key(seed)
    samples = jax.random.categorical(key, logits[:, None, :], axis=-1,
                                     shape=(logits.shape[0], num_samples))
    return samples.astype(dtype)


def shuffle(x, axis=0, seed=None):
    return jax.random.permutation(draw_key(seed), x, axis=axis, independent=False)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero a fraction `rate` of the values; scale the others by 1 / (1 - rate)."""
    inputs = jnp.asarray(inputs)
    shape = tuple(inputs.shape if noise_shape is None else
                  (s if n is None else n for s, n in zip(inputs.shape, noise_shape)))
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return jnp.where(keep, inputs / (1.0 - rate), jnp.zeros_like(inputs))
