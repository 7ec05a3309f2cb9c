"""Prints, as JSON, what keras.distribution's API answers on 8 CPU devices: run it with the real
keras (`keras`) and with kerasbook (`kerasbook`) as the first argument, and compare the two.

    XLA_FLAGS=--xla_force_host_platform_device_count=8 python distribution_api.py kerasbook
"""

import importlib
import json
import sys

import numpy as np

keras = importlib.import_module(sys.argv[1])
distribution = keras.distribution
layers = keras.layers


def error(call):
    """Keras's first sentence of the error `call` raises (kerasbook may add a hint after it)."""
    try:
        call()
    except ValueError as raised:
        return str(raised).split(". ")[0]
    return None


mesh = distribution.DeviceMesh((2, 4), ["batch", "model"])
layout_map = distribution.LayoutMap(mesh)
layout_map[".*dense.*kernel"] = (None, "model")
layout_map[".*dense.*bias"] = ("model",)
model_parallel = distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
data_parallel = distribution.DataParallel()
clashing = distribution.LayoutMap(mesh)
clashing["dense.*"] = (None, "model")
clashing[".*kernel"] = ("model", None)

found = {
    "devices": distribution.list_devices(),
    "count": distribution.get_device_count(),
    "cpu_count": distribution.get_device_count("cpu"),
    "mesh": repr(mesh),
    "mesh_devices": mesh.devices.shape,
    "layout": repr(distribution.TensorLayout((None, "model"), mesh)),
    "lookup": [repr(layout_map[path]) for path in ("dense/kernel", "seq/dense_3/bias", "conv2d/kernel")],
    "model_parallel": [repr(model_parallel), model_parallel.batch_dim_name,
                       model_parallel.num_model_replicas, model_parallel.auto_shard_dataset],
    "data_parallel": [repr(data_parallel), data_parallel.batch_dim_name, data_parallel.num_model_replicas],
    "data_layout": repr(data_parallel.get_data_layout((16, 3, 2))),
    "current_before": repr(distribution.distribution()),
    "errors": {
        "mesh_size": error(lambda: distribution.DeviceMesh((3, 4), ["a", "b"])),
        "mesh_names": error(lambda: distribution.DeviceMesh((2, 4), ["batch"])),
        "layout_axis": error(lambda: distribution.TensorLayout(("x",), mesh)),
        "two_keys": error(lambda: clashing["dense_1/kernel"]),
        "no_map": error(lambda: distribution.ModelParallel()),
        "duplicate_key": error(lambda: layout_map.__setitem__(".*dense.*bias", ("model",))),
    },
}
with model_parallel.scope():
    found["current_inside"] = repr(distribution.distribution())
    inputs = keras.Input((12,), name="x")
    hidden = layers.Dense(16, name="dense_a")(inputs)
    model = keras.Model(inputs, layers.Dense(4, name="head")(hidden), name="net")
    found["variables"] = {v.path: str(v.value.sharding.spec) for v in model.weights}
found["current_after"] = repr(distribution.distribution())
distribution.set_distribution(data_parallel)
sequential = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="dense_b")], name="seq")
found["data_parallel_variables"] = {v.path: str(v.value.sharding.spec) for v in sequential.weights}
batch = distribution.distribute_tensor(np.ones((8, 3), "float32"), data_parallel.get_data_layout((8, 3)))
found["distributed"] = [str(batch.sharding.spec), len(batch.sharding.device_set)]
print(json.dumps(found, default=str))
