"""The devices JAX computes on, named as Keras names them: "cpu:0", "gpu:1", "tpu:3".

Keras's distribution API speaks of devices by name, so that a `DeviceMesh` can be written before
any JAX object exists; `jax_device` turns a name back into the `jax.Device` it stands for. In a
run of several processes (`keras.distribution.initialize`) these are the devices of every process,
not only this one's: a mesh spans them all.
"""

import jax


def list_devices(device_type=None):
    """Every device of one kind, as strings such as "cpu:0".

    Args:
        device_type: "cpu", "gpu" or "tpu". By default the kind JAX computes on: the accelerators
            if there are any, else the CPU. Kinds are never mixed.
    """
    return [f"{device.platform}:{device.id}" for device in _devices(device_type)]


def get_device_count(device_type=None):
    """How many devices of one kind there are (every process's, in a multi-process run)."""
    return len(_devices(device_type))


def jax_device(name):
    """The `jax.Device` called `name` ("cpu:3"; a bare "cpu" is "cpu:0"); a `jax.Device` as it is."""
    if isinstance(name, jax.Device):
        return name
    kind, _, number = str(name).partition(":")
    for device in _devices(kind):
        if device.id == int(number or 0):
            return device
    raise ValueError(f"Device not found: {name!r}. The {kind} devices are: {list_devices(kind)}.")


def _devices(device_type):
    kind = device_type.lower() if device_type else None
    try:
        return jax.devices(kind)
    except RuntimeError as error:  # JAX: "Unknown backend gpu"
        raise ValueError(f"No {kind} devices here ({error}). The default devices are: "
                         f"{list_devices()}.") from None
