"""Data parallelism: one copy of the weights on every device, each device a slice of the batch.

With `jax.sharding`, this is a placement, not a program change: the batch is laid out along a
one-axis mesh of all devices ("batch"), the weights are replicated, and `jax.jit` compiles the same
train step into a program that computes each slice where it lives and averages the gradients. Try it
on a CPU with `XLA_FLAGS=--xla_force_host_platform_device_count=2`.
"""

import functools

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


@functools.lru_cache(maxsize=None)
def _mesh(device_count):
    return Mesh(np.array(jax.devices()[:device_count]), ("batch",))


def shard_batch(array):
    """Split `array` along its first axis across the devices; replicate it if it does not divide."""
    mesh = _mesh(jax.device_count())
    if np.ndim(array) and np.shape(array)[0] % mesh.size == 0:
        spec = PartitionSpec("batch")
    else:
        spec = PartitionSpec()
    return jax.device_put(array, NamedSharding(mesh, spec))
