"""`initialize`: several processes (machines, or several programs on one machine) join one computation.

Each process calls `keras.distribution.initialize(...)` first; JAX's coordinator (process 0)
introduces them to each other (`jax.distributed.initialize`), after which `list_devices()` lists
every process's devices and a mesh can span them. Each process runs the same program; a step's
all-reduce then crosses processes. On CPUs the processes exchange data with gloo.
"""

import os

import jax


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


def _coordinator(job_addresses, num_processes):
    """The coordinator's address: the first of a comma-separated list, whose length is checked."""
    if not job_addresses or "," not in job_addresses:
        return job_addresses
    addresses = job_addresses.split(",")
    if num_processes is not None and num_processes != len(addresses):
        raise ValueError(f"The provided job_addresses {addresses} has {len(addresses)} jobs, but "
                         f"num_processes is {num_processes}")
    return addresses[0]
