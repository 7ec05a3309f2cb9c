"""Prints, as JSON, a small fit under each keras.distribution asked for: its losses, evaluate's
loss, predictions, where a batch goes and each variable's sharding. Run with several CPU devices:

    XLA_FLAGS=--xla_force_host_platform_device_count=8 python fit_losses.py none data model

"none": no distribution (one device, as in Keras 3); "data": DataParallel over every device;
"model": ModelParallel on a (2, n/2) mesh of ("batch", "model"), Dense kernels cut along "model", the
first layer's output cut along both (an "<layer>/output" key);
"data_local": DataParallel(auto_shard_dataset=False), each process given only its own rows of each
batch (in one process: all of them).
"""

import io
import json
import os
import sys
import tempfile
from contextlib import redirect_stdout

import jax
import numpy as np

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.training import distribution as placement

distribution = keras.distribution


def make_distribution(kind):
    if kind == "none":
        return None
    if kind in ("data", "data_local"):
        return distribution.DataParallel(auto_shard_dataset=kind == "data")
    count = distribution.get_device_count()
    mesh = distribution.DeviceMesh((2, count // 2), ["batch", "model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    layout_map["net/dense/output"] = ("batch", "model")  # the first layer's output, laid out anew
    return distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


def fit(kind, save=True):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 12)).astype("float32")
    y = rng.integers(0, 4, size=(96,))
    distribution.set_distribution(make_distribution(kind))
    keras.utils.set_random_seed(3)
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((12,)), layers.Dense(16, activation="relu"), layers.Dense(8),
                              layers.Dense(4)], name="net")
    initial = [float(np.abs(w).sum()) for w in model.get_weights()]
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    mine, share = own_rows if kind == "data_local" else (lambda a, size: a), jax.process_count()
    share = share if kind == "data_local" else 1  # batch sizes are per process when it has its own rows
    # 96 = 6 batches of 16; validation 40 = 2 of 16 and one of 8 (replicated on 8 devices)
    history = model.fit(mine(x, 16), mine(y, 16), batch_size=16 // share, epochs=3, shuffle=False, verbose=0,
                        validation_data=(mine(x[:40], 16), mine(y[:40], 16)))
    batch = placement.place_batch(mine(x[:16], 16))
    summary = io.StringIO()
    with redirect_stdout(summary):
        model.summary()
    return {
        "initial": initial, "loss": history.history["loss"], "val_loss": history.history["val_loss"],
        "evaluate": model.evaluate(mine(x, 32), mine(y, 32), batch_size=32 // share, verbose=0),
        "prediction": model.predict(mine(x[:24], 8), batch_size=8 // share, verbose=0).tolist(),
        "batch_on": len(getattr(batch, "sharding", None).device_set) if hasattr(batch, "sharding") else 1,
        "variables": {v.path: _sharding(v.value) for v in model.weights},
        "slots": {v.path: _sharding(v.value) for v in model.optimizer.variables[2:4]},
        "output_layouts": output_layouts(model, x[:16]), "summary": summary.getvalue(), "saved": saved_and_loaded(model, x[:24]) if save else {},
    }


def output_layouts(model, x):
    """The layouts XLA is told to give intermediate results, read from the compiled call's program
    (Shardy's sharding_constraint lines): what "<layer>/output" keys asked for."""
    values = ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables])
    program = jax.jit(lambda v, x: model.stateless_call(*v, x)[0]).lower(values, x).as_text()
    return [line.split("<@mesh, ")[1].strip() for line in program.splitlines() if "sharding_constraint" in line]


def own_rows(array, size):
    """This process's rows of each batch of `size`: its share of the batch's devices, in order."""
    count, me = jax.process_count(), jax.process_index()
    chunks = [array[i:i + size] for i in range(0, len(array), size)]
    return np.concatenate([c[me * len(c) // count:(me + 1) * len(c) // count] for c in chunks])


def saved_and_loaded(model, x):
    """Predictions of the model saved (.keras, .weights.h5) and loaded with no distribution."""
    distribution.set_distribution(None)
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        whole, weights = os.path.join(folder, "m.keras"), os.path.join(folder, "m.weights.h5")
        model.save(whole)
        model.save_weights(weights)
        found[".keras"] = keras.models.load_model(whole).predict(x, verbose=0).tolist()
        copy = keras.models.clone_model(model)
        copy.load_weights(weights)
        found[".weights.h5"] = copy.predict(x, verbose=0).tolist()
    return found


def _sharding(array):
    """'P(None, model) on 8' or 'one device'."""
    sharding = array.sharding
    if isinstance(sharding, jax.sharding.NamedSharding):
        return f"{sharding.spec} on {len(sharding.device_set)}"
    return "one device"


if __name__ == "__main__":
    print(json.dumps({"devices": jax.device_count(), **{kind: fit(kind) for kind in sys.argv[1:]}}))
