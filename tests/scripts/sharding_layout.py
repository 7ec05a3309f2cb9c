"""Lays a small model's weights out on a 2 x 4 mesh and prints, as JSON, what JAX reports and what
ShardingView shows. Run with XLA_FLAGS=--xla_force_host_platform_device_count=8 (tests/test_sharding_view.py).

The weights are placed with jax.device_put and NamedSharding, as a LayoutMap would place them: the
keys name the Dense layers by "dense", and one layer was renamed ("ffn_up"), so no key
matches its variables and they stay replicated (keras-hub#2806).
"""

import json
import re

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import kerasbook as keras
from kerasbook import layers
from kerasbook.viz import sharding
from kerasbook.widgets import ShardingView


class Layout:
    """A TensorLayout's one public field here: the mesh axis of each dimension."""

    def __init__(self, axes):
        self.axes = axes


LAYOUT_MAP = {".*dense.*kernel": Layout((None, "model")), ".*dense.*bias": Layout(("model",)),
              "embedding/embeddings": Layout((None, "model")),  # no such layer: a key that places nothing
              "dense_out/output": Layout(("batch", None))}  # a layer's output, not a variable

inputs = keras.Input((16,))
hidden = layers.Dense(64, activation="relu", name="dense_in")(inputs)
hidden = layers.Dense(32, activation="relu", name="ffn_up")(hidden)
model = keras.Model(inputs, layers.Dense(8, name="dense_out")(hidden), name="mlp")
mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("batch", "model"))
for variable in model.variables:
    axes = next((layout.axes for key, layout in LAYOUT_MAP.items() if re.fullmatch(key, variable.path)), ())
    variable.assign(jax.device_put(variable.value, NamedSharding(mesh, PartitionSpec(*axes))))

# What JAX reports, independently of the view: bytes per device over every variable's shards.
reported = {}
for variable in model.variables:
    for shard in variable.value.addressable_shards:
        reported[shard.device.id] = reported.get(shard.device.id, 0) + shard.data.nbytes

view = ShardingView(model, layout_map=LAYOUT_MAP, batch_dim_name="batch")
layout = view.layout


# The same through keras.distribution: a model made before set_distribution keeps its layout (one
# device), one made after takes the LayoutMap's.
def mlp(name):
    inputs = keras.Input((16,))
    return keras.Model(inputs, layers.Dense(8, name="dense_in")(inputs), name=name)


early = mlp("early")
early.variables[0].value  # read: its value now lives on a device
api_mesh = keras.distribution.DeviceMesh((2, 4), ["batch", "model"])
api_map = keras.distribution.LayoutMap(api_mesh)
api_map[".*dense.*kernel"] = (None, "model")
keras.distribution.set_distribution(keras.distribution.ModelParallel(layout_map=api_map))
late = mlp("late")
# The optimizer's state, once fit made it: Adam's two slots per weight, cut as their weight is.
late.compile(optimizer="adam", loss="mse")
late.fit(np.ones((8, 16), "float32"), np.zeros((8, 8), "float32"), verbose=0)
with_optimizer = ShardingView(late, optimizer=True).layout
training = {}
for variable in late.variables + late.optimizer.variables:
    for shard in variable.value.addressable_shards:
        training[shard.device.id] = training.get(shard.device.id, 0) + shard.data.nbytes
optimizer_rows = {"shown": {d: with_optimizer.bytes_on(d) for d in with_optimizer.devices},
                  "reported": training,
                  "status": {v.path: sharding.status_text(v, with_optimizer) for v in with_optimizer.variables
                             if v.kind == "optimizer"},
                  "specs": {v.path: list(v.spec) for v in with_optimizer.variables},
                  "totals": sharding.totals_text(with_optimizer)}

statuses = {}
for made in (early, late):
    made_layout = ShardingView(made).layout
    statuses[made.name] = {v.path: [sharding.status_text(v, made_layout), sharding.misplaced(v, made_layout)]
                           for v in made_layout.variables}
    statuses[made.name]["batch"] = made_layout.batch_axis
# A view keeps the distribution set when it was made: a later set_distribution is for later models.
kept = ShardingView(late)
keras.distribution.set_distribution(keras.distribution.DataParallel())
kept.refresh()
statuses["kept"] = {v.path: sharding.status_text(v, kept.layout) for v in kept.layout.variables}
keras.distribution.set_distribution(None)

print(json.dumps({
    "paths": [v.path for v in model.variables],
    "nbytes": {v.path: int(v.value.nbytes) for v in model.variables},
    "reported": reported,
    "shown": {d: layout.bytes_on(d) for d in layout.devices},
    "mesh": [layout.axis_names, layout.axis_sizes, layout.device_ids.tolist()],
    "specs": {v.path: list(v.spec) for v in layout.variables},
    "unused": list(layout.unused_keys),
    "status": {v.path: sharding.status_text(v, layout) for v in layout.variables},
    "svg": view.svg,
    "text": view.fallback_text(),
    "text_again": view.fallback_text(),
    "html": view.fallback_html(),
    "devices": view.devices,
    "api": statuses,
    "optimizer": optimizer_rows,
}))
