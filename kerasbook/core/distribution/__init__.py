"""`keras.distribution`: run one model on many devices, with JAX's own engine (`jax.sharding`).

    devices.py        list_devices, get_device_count: the devices, named "cpu:0", "gpu:1", ...
    mesh.py           DeviceMesh: the devices as a grid with named axes ("batch", "model")
    layout.py         TensorLayout: which mesh axis each axis of a tensor is cut along;
                      distribute_tensor
    layout_map.py     LayoutMap: layouts by regular expressions on variable paths
    distributions.py  DataParallel, ModelParallel; set_distribution, distribution, `scope()`
    processes.py      initialize: several processes in one computation (jax.distributed)

A distribution changes where arrays live, not what the model computes: a data-parallel or
model-parallel fit gives the losses of one device. kerasbook/core/training/distribution.py is how
fit, evaluate and predict use the current one.
"""

from kerasbook.core.distribution.devices import get_device_count, list_devices
from kerasbook.core.distribution.distributions import (
    DataParallel, Distribution, ModelParallel, distribution, set_distribution)
from kerasbook.core.distribution.layout import TensorLayout, distribute_tensor
from kerasbook.core.distribution.layout_map import LayoutMap
from kerasbook.core.distribution.mesh import DeviceMesh
from kerasbook.core.distribution.processes import initialize

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize", "list_devices",
           "set_distribution"]
