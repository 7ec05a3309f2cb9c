"""`DeviceMesh`: the devices arranged as a grid whose axes have names.

A mesh of shape (2, 4) with axis names ("batch", "model") puts 8 devices in 2 rows of 4. A layout
then says, for each axis of a tensor, along which mesh axis it is cut: a batch cut along "batch"
gives each row half of the examples; a kernel cut along "model" gives each column a quarter of
its units. This is `jax.sharding.Mesh` (`backend_mesh`), with devices written as names.
"""

import math

import numpy as np

from kerasbook.core.distribution import devices as devices_lib


class DeviceMesh:
    """A grid of devices with named axes.

    Args:
        shape: the grid's shape, e.g. `(8,)` for data parallelism only, `(2, 4)` for data and model
            parallelism. Its product must be the number of devices.
        axis_names: one name per axis of `shape`, e.g. `["batch", "model"]`.
        devices: the devices (names such as "cpu:0" or `jax.Device`s), in the grid's row-major
            order. Defaults to `keras.distribution.list_devices()`.
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError("Shape and axis_names cannot be empty. Received: "
                             f"shape={shape}, axis_names={axis_names}")
        if len(shape) != len(axis_names):
            raise ValueError("Shape and axis_names should have same size. "
                             f"Received: shape={shape}, axis_names={axis_names}")
        given = devices is not None
        devices = np.array(devices_lib.list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(_mismatch_message(shape, devices, given))
        self._shape = tuple(shape)
        self._axis_names = list(axis_names)
        self._devices = np.reshape(devices, self._shape)
        self._backend_mesh = None

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        """The devices as an array of the mesh's shape."""
        return self._devices

    @property
    def backend_mesh(self):
        """This mesh as a `jax.sharding.Mesh` (made once)."""
        if self._backend_mesh is None:
            from jax.sharding import Mesh
            jax_devices = [devices_lib.jax_device(d) for d in self._devices.flat]
            self._backend_mesh = Mesh(np.array(jax_devices).reshape(self._shape), tuple(self._axis_names))
        return self._backend_mesh

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"

    __str__ = __repr__


def _mismatch_message(shape, devices, given):
    """Keras's words, then both numbers and a shape that would fit."""
    where = "the devices given" if given else "keras.distribution.list_devices()"
    return (f"Shape does not match the number of devices. Received: shape={tuple(shape)} "
            f"({math.prod(shape)} devices); devices.shape={devices.shape} ({devices.size} devices, "
            f"from {where}). Use a shape whose product is {devices.size}, such as "
            f"{_fitting_shape(shape, devices.size)}.")


def _fitting_shape(shape, count):
    """A shape of the same rank whose product is `count`: the last axes kept where they divide."""
    fitted, left = [], count
    for size in reversed(shape[1:]):
        size = size if left % size == 0 else 1
        fitted.insert(0, size)
        left //= size
    return (left, *fitted)
