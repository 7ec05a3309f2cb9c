"""`initialize`: several processes (machines, or several programs on one machine) join one computation.

Each process calls `keras.distribution.initialize(...)` first; JAX's coordinator (process 0)
introduces them to each other (`jax.distributed.initialize`), after which `list_devices()` lists
every process's devices and a mesh can span them. Each process runs the same program; a step's
all-reduce then crosses processes. On CPUs the processes exchange data with gloo.

The same program must also draw the same random numbers: kerasbook's own generator starts from a
fixed seed in every process, and `initialize` gives Python's and NumPy's generators one seed,
process 0's (fit's shuffling draws from NumPy: each process must cut the same batches), as Keras
does when no seed was set.
"""

import os
import random

import jax
import numpy as np


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join the processes of one computation; call it before anything else runs on a device.

    Args:
        job_addresses: "host:port" of process 0, the coordinator (a comma-separated list of every
            process's address is accepted too: its first entry is the coordinator). Default: the
            environment variable `KERAS_DISTRIBUTION_JOB_ADDRESSES`.
        num_processes: how many processes join (`KERAS_DISTRIBUTION_NUM_PROCESSES`).
        process_id: this process's number, 0 to num_processes - 1 (`KERAS_DISTRIBUTION_PROCESS_ID`).
    """
    environ = os.environ
    if job_addresses is None:
        job_addresses = environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and "KERAS_DISTRIBUTION_NUM_PROCESSES" in environ:
        num_processes = int(environ["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "KERAS_DISTRIBUTION_PROCESS_ID" in environ:
        process_id = int(environ["KERAS_DISTRIBUTION_PROCESS_ID"])
    coordinator = _coordinator(job_addresses, num_processes)
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU devices of other processes
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)
    _share_host_seed()


def _share_host_seed():
    """Seed Python's and NumPy's generators alike in every process, with a number process 0 draws
    (from its NumPy generator: reproducible if it was seeded before)."""
    from jax.experimental import multihost_utils
    drawn = np.asarray(np.random.randint(0, 2**31 - 1), dtype=np.int32)
    seed = int(multihost_utils.broadcast_one_to_all(drawn))
    random.seed(seed)
    np.random.seed(seed)


def _coordinator(job_addresses, num_processes):
    """The coordinator's address: the first of a comma-separated list, whose length is checked."""
    if not job_addresses or "," not in job_addresses:
        return job_addresses
    addresses = job_addresses.split(",")
    if num_processes is not None and num_processes != len(addresses):
        raise ValueError(f"The provided job_addresses {addresses} has {len(addresses)} jobs, but "
                         f"num_processes is {num_processes}")
    return addresses[0]
