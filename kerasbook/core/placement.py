"""`keras.device("cpu:0")`: a `with` block whose arrays and computations go to that device; and
`keras.remat(f)`, which trades memory for computation in the backward pass.

On JAX this is `jax.default_device`: arrays made and programs run inside the block land on the named
device ("cpu", "gpu:1", "tpu:0", or a `jax.Device`), unless an input already lives elsewhere.
"""


def device(device_name):
    """A context manager that places what runs inside it on `device_name` ("type" or "type:index")."""
    import jax
    if isinstance(device_name, str):
        return jax.default_device(_named_device(device_name.lower()))
    if not isinstance(device_name, jax.Device):
        raise ValueError("Invalid value for argument `device_name`. Expected a string like 'gpu:0' or a "
                         f"`jax.Device` instance. Received: device_name='{device_name}'")
    return jax.default_device(device_name)


def _named_device(name):
    import jax
    device_type, _, index = name.partition(":")
    for candidate in jax.devices(backend=device_type):
        if candidate.platform == device_type and candidate.id == int(index or 0):
            return candidate
    raise ValueError(f"Device not found: {name}")


def remat(f):
    """`f` rematerialized (`jax.checkpoint`): when gradients are taken, its intermediate values are
    computed again in the backward pass instead of being kept from the forward one, trading time for
    memory. The values and gradients are the same as `f`'s."""
    import jax
    return jax.checkpoint(f)
