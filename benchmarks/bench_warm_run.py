"""What a warm Run All still pays for, removed one thing at a time: each before and after in one run.

    .venv/bin/python benchmarks/bench_warm_run.py

Issue 13 asks the whole course's warm Run All (a restarted kernel, compiled programs read from the
persistent cache) to take at most half the CPU time of a cold one. Once nothing compiles, what is
left is Python work and the lessons' own compute. Each measure below times one such cost the old way
and the new way, back to back in this one process, on CPU time (process time: every thread), since
the machine is shared and wall times stretch with its load:

- explorer after the lesson's feature model: lesson 2 runs VGG19's feature-extraction model itself
  (`keras.Model(vgg19.input, [l.output for l in vgg19.layers])(img)`) and then opens an
  ActivationExplorer on VGG19 and the same image. Before: the explorer ran VGG19 again. After: it
  finds the arrays the lesson's call computed (`kerasbook.core.models.recent_results`).
- fit of a new functional model, warm: the classic MNIST convnet made afresh (so its step is traced,
  lowered and read from the persistent cache, as after a restart) and fit on 2 batches. Before: fit
  first traced the whole model (jax.eval_shape) for the predictions' shapes, which the loss check and
  the metrics need. After: it reads them from the model's symbolic outputs.
- VGG19's initial weights (143 million numbers, lesson 2), drawn and handed to JAX. Before: NumPy
  drew them into its own arrays (aligned to 16 bytes) and jax.device_put copied them. After: they are
  drawn into memory aligned as XLA's (initializers._aligned_empty), which JAX takes without a copy.
- small programs in a restarted kernel: a lesson's eager calls (layers and ops on a few shapes, in a
  fresh process, CPU time). Before: only programs that took 0.05 s or more to compile were kept, so
  the small ones were compiled again after every restart. After: every program is kept
  (compile_cache.MIN_COMPILE_SECONDS), and read back. The cold run (empty cache) is shown too: each
  write scans the cache folder, so more entries cost the cold run a little.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402

import kerasbook as keras  # noqa: E402
from kerasbook import layers  # noqa: E402
from kerasbook.core import compile_cache, initializers  # noqa: E402
from kerasbook.core.engine import variables  # noqa: E402
from kerasbook.core.models import recent_results  # noqa: E402
from kerasbook.widgets import ActivationExplorer  # noqa: E402


def bench_explorer_after_feature_model():
    """(before, after) CPU seconds for `ActivationExplorer(vgg19, img)` after lesson 2's feature model."""
    vgg19 = keras.applications.VGG19(weights=None)
    img = np.random.default_rng(0).random((1, 224, 224, 3), dtype="float32")
    feature_model = keras.Model(inputs=vgg19.input, outputs=[layer.output for layer in vgg19.layers])
    extracted = feature_model(img)  # noqa: F841 (kept, as the lesson keeps it)
    ActivationExplorer(vgg19, img).close()  # both ways compiled once: only what a warm run pays is timed

    def explorer_cpu_seconds(reused):
        start = time.process_time()
        explorer = ActivationExplorer(vgg19, img)  # its activations are NumPy arrays: computed
        spent = time.process_time() - start
        assert explorer._features.reused == reused
        explorer.close()
        return spent

    befores, afters = [], []
    for _ in range(3):  # in turn, the least of 3 each
        recent_results.forget()  # nothing remembered: the explorer runs VGG19 itself
        befores.append(explorer_cpu_seconds(reused=0))
        extracted = feature_model(img)  # the lesson's own call, not timed
        np.asarray(extracted[-1])  # ... and finished before the clock starts
        afters.append(explorer_cpu_seconds(reused=1))
    return min(befores), min(afters)


def convnet():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def bench_fit_of_a_new_model():
    """(before, after) CPU seconds for a new convnet's compile and fit (2 steps), programs from the cache."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype="float32")
    y = keras.utils.to_categorical(rng.integers(0, 10, 64), 10)

    def fit_cpu_seconds(traced_specs):
        model = convnet()
        if traced_specs:  # as before: no specs from the symbolic outputs, so fit traces the model
            model._symbolic_prediction_specs = lambda: None
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        start = time.process_time()
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        return time.process_time() - start

    fit_cpu_seconds(True), fit_cpu_seconds(False)  # fills the cache: what follows is warm
    befores, afters = [], []
    for _ in range(5):
        befores.append(fit_cpu_seconds(True))
        afters.append(fit_cpu_seconds(False))
    return min(befores), min(afters)


def bench_vgg19_initial_weights():
    """(before, after) CPU seconds to draw VGG19's initial weights and make them JAX arrays."""
    aligned_empty = initializers._aligned_empty

    def weights_cpu_seconds(copied):
        model = keras.applications.VGG19(weights=None)
        if copied:  # as before: NumPy's own allocation, which device_put copies
            initializers._aligned_empty = lambda shape, dtype: np.empty(shape, dtype)
        try:
            start = time.process_time()
            variables.materialize(model.weights)
            jax.block_until_ready([v.value for v in model.weights])
            return time.process_time() - start
        finally:
            initializers._aligned_empty = aligned_empty

    befores, afters = [], []
    for _ in range(3):
        befores.append(weights_cpu_seconds(copied=True))
        afters.append(weights_cpu_seconds(copied=False))
    return min(befores), min(afters)


SMALL_PROGRAMS = """
import json, sys, time
import numpy as np
import kerasbook as keras
from kerasbook import layers, ops
import jax
if sys.argv[1] != "default":
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(sys.argv[1]))
start = time.process_time()
for n in range(2, 26):  # a lesson's eager calls: layers and ops on arrays of a few shapes
    x = np.ones((n, 8), "float32")
    y = layers.Dense(4, activation="relu")(x)
    z = ops.matmul(ops.relu(x) * 2.0 + 1.0, np.ones((8, 3), "float32"))
    np.asarray(ops.concatenate([y, z], axis=-1).sum())
print(json.dumps(time.process_time() - start))
"""


def bench_small_programs():
    """((cold, warm) with the former 0.05 s threshold, (cold, warm) with kerasbook's): CPU seconds of
    a fresh process's eager calls, on an empty cache and then (least of 3) on the cache it filled."""
    results = []
    for threshold in ("0.05", "default"):
        with tempfile.TemporaryDirectory(prefix="kerasbook-bench-cache-") as folder:
            env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", KERASBOOK_CACHE_DIR=folder)

            def run():
                done = subprocess.run([sys.executable, "-c", SMALL_PROGRAMS, threshold], env=env, check=True,
                                      capture_output=True, text=True)
                return json.loads(done.stdout.strip().splitlines()[-1])

            cold = run()
            results.append((cold, min(run() for _ in range(3))))
    return results


def row(name, before, after):
    print(f"{name:52} {before:8.3f}s {after:8.3f}s {after / before:7.3f}", flush=True)


def main():
    print(f"{'CPU seconds':52} {'before':>9} {'after':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory(prefix="kerasbook-bench-cache-") as folder:
        keras.config.set_compilation_cache(folder)  # its own cache: filled here, then warm
        row("fit of a new convnet, 2 steps, warm cache", *bench_fit_of_a_new_model())
        row("ActivationExplorer(vgg19, img) after its features", *bench_explorer_after_feature_model())
    row("VGG19's initial weights, drawn and made JAX arrays", *bench_vgg19_initial_weights())
    (old_cold, old_warm), (new_cold, new_warm) = bench_small_programs()
    row("small programs after a restart (warm cache)", old_warm, new_warm)
    row(f"  the same, empty cache (cold; {compile_cache.MIN_COMPILE_SECONDS} s threshold)", old_cold, new_cold)


if __name__ == "__main__":
    main()
