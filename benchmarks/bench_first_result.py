"""Time to first result: each lesson's Run All, and the convnet's first fit, cold and warm; prints ratios.

    .venv/bin/python benchmarks/bench_first_result.py [notebooks/01_sequential_model.ipynb ...]

"Cold" is a fresh kernel with an empty compilation cache (a new `KERASBOOK_CACHE_DIR`), "warm" a
fresh kernel on the cache the cold run filled: what a student sees after restarting the kernel.
Both are measured in this one run, so the ratio does not depend on how busy the machine was earlier.
Each time is given twice: wall time (what a student waits on a quiet machine) and the CPU time of the
kernel's process, all its threads (XLA compiles on several): on a machine shared with other work,
wall times stretch with the load and only the CPU times compare.

- Run All: a fresh kernel runs every cell of a lesson (nbclient, outputs discarded; the notebook is
  never written). The time includes starting the kernel, which the cache cannot speed up.
- The convnet: the classic MNIST convnet (two Conv2D with pooling, dropout, Dense; Keras's example),
  in a fresh process, its first `fit` of 4 steps of 128 images, timed alone. Also shown with the
  cache off (what writing the cache costs the cold run) and a second fit in the same process (the
  steps alone, which no cache can remove: on a busy machine they dominate and the ratio rises).

Targets (issue 13): the whole course warm <= 0.5x cold; the convnet's first fit warm <= 0.35x cold
(judged on CPU time).

Where the warm time goes, printed under the course's row, so the part a cache could still remove is
known: JAX's own timers for getting programs ready (tracing Python into a jaxpr, lowering it to MLIR,
then compiling it or, warm, loading it from the cache; JAX needs the lowered program to compute the
cache key, so a hit still traces and lowers), and the floor no cache touches: a fresh kernel that
only runs `%load_ext kerasbook` (starting Python and the kernel, importing JAX and kerasbook), paid
by every lesson.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

CONVNET = """
import json, time
import numpy as np
import kerasbook as keras
from kerasbook import layers
{before}
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
rng = np.random.default_rng(0)
x = rng.random((512, 28, 28, 1), dtype="float32")
y = keras.utils.to_categorical(rng.integers(0, 10, 512), 10)
def timed_fit():
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return time.perf_counter() - wall, time.process_time() - cpu
first = timed_fit()
second = timed_fit()  # compiled: what the steps themselves cost
print(json.dumps([first, second]))
"""


def environment(cache_folder):
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", PYTHONHASHSEED="0")
    env["KERASBOOK_CACHE_DIR"] = str(cache_folder)
    return env


# Put first in the notebook, in memory: adds up JAX's timers for getting programs ready (seconds).
JAX_TIMERS_CELL = """
import jax.monitoring as _monitoring
_jax_seconds = [0.0]
def _add_jax_seconds(event, seconds, **_):
    if event.endswith(("/jaxpr_trace_duration", "/jaxpr_to_mlir_module_duration", "/backend_compile_duration")):
        _jax_seconds[0] += seconds
_monitoring.register_event_duration_secs_listener(_add_jax_seconds)
"""
# Appended: JAX's timers, then the kernel's CPU time so far (user + system, every thread), on lines
# of their own (the first newline ends a line a lesson's progress bar may have left unfinished).
CPU_TIME_CELL = ("import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); "
                 "print(); print(_jax_seconds[0]); print(_u.ru_utime + _u.ru_stime)")


def run_all(notebook, cache_folder):
    """(wall seconds, kernel CPU seconds, JAX's seconds) for a fresh kernel to run every cell of `notebook`."""
    import nbclient
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(JAX_TIMERS_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(CPU_TIME_CELL))
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(notebook.parent)}})
    start = time.perf_counter()
    client.execute(env=environment(cache_folder))
    jax_seconds, cpu = numbers_printed(nb.cells[-1])
    return time.perf_counter() - start, cpu, jax_seconds


def numbers_printed(cell):
    """The two numbers CPU_TIME_CELL printed: the last two words of its standard output (a line the
    lesson's last cell left unfinished, such as a progress bar's, may come before: it ends it)."""
    text = "".join(output.get("text", "") for output in cell.outputs if output.get("name") == "stdout")
    return tuple(float(word) for word in text.split()[-2:])


def floor(cache_folder, runs=3):
    """run_all's times for a notebook that only runs `%load_ext kerasbook`: what every lesson pays
    (the run with the median CPU time of `runs`)."""
    import nbformat
    with tempfile.TemporaryDirectory(prefix="kerasbook-bench-floor-") as scratch:
        notebook = pathlib.Path(scratch) / "floor.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%load_ext kerasbook")]),
                       notebook)
        times = sorted((run_all(notebook, cache_folder) for _ in range(runs)), key=lambda run: run[1])
        return times[len(times) // 2]


def convnet_first_fit(cache_folder, before=""):
    result = subprocess.run([sys.executable, "-c", CONVNET.format(before=before)], check=True,
                            capture_output=True, text=True, env=environment(cache_folder), cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def row(name, cold, warm, target=None):
    """cold and warm: (wall, cpu) seconds. The verdict goes by CPU time (see the docstring)."""
    ratios = warm[0] / cold[0], warm[1] / cold[1]
    verdict = "" if target is None else ("ok" if ratios[1] <= target else "MISSED")
    target_text = "" if target is None else f"{target:.2f}"
    print(f"{name:46} {cold[0]:7.2f}s {warm[0]:7.2f}s {ratios[0]:6.3f}   {cold[1]:7.2f}s {warm[1]:7.2f}s "
          f"{ratios[1]:6.3f} {target_text:>6} {verdict}", flush=True)


def main(notebooks):
    print(f"{'':46} {'---------- wall ----------':>26}   {'----------- CPU ----------':>26}")
    print(f"{'measure':46} {'cold':>8} {'warm':>8} {'ratio':>6}   {'cold':>8} {'warm':>8} {'ratio':>6} "
          f"{'target':>6}")
    with tempfile.TemporaryDirectory(prefix="kerasbook-bench-cache-") as scratch:
        scratch = pathlib.Path(scratch)
        total_cold, total_warm, lessons = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 0
        for notebook in notebooks:
            folder = scratch / notebook.stem
            try:
                cold, warm = run_all(notebook, folder), run_all(notebook, folder)
            except Exception as error:  # a lesson that fails is reported, and left out of the total
                reason = str(error).strip().splitlines()[-1][-120:] if str(error).strip() else ""
                print(f"Run All {notebook.name}: FAILED, left out: {reason}", flush=True)
                continue
            total_cold = [a + b for a, b in zip(total_cold, cold)]
            total_warm = [a + b for a, b in zip(total_warm, warm)]
            lessons += 1
            row(f"Run All {notebook.name}", cold, warm)
        if lessons:
            row("Run All, whole course", total_cold, total_warm, 0.5)
            start = floor(scratch / "floor")
            print(f"{'  of which JAX readying programs (its timers)':46} {total_cold[2]:7.2f}s "
                  f"{total_warm[2]:7.2f}s {'':6}   (wall seconds: trace, lower, compile or load)")
            print(f"{f'  of which kernel start + %load_ext ({lessons}x)':46} {'(same)':>8} "
                  f"{start[0] * lessons:7.2f}s {'':6}   {'(same)':>8} {start[1] * lessons:7.2f}s")
        off, _ = convnet_first_fit(scratch / "off", before="keras.config.set_compilation_cache(False)")
        (cold, _), (warm, compiled) = convnet_first_fit(scratch / "convnet"), convnet_first_fit(
            scratch / "convnet")
        row("convnet first fit (4 steps of 128), restarted", cold, warm, 0.35)
        print(f"{'  the same with the cache off':46} {off[0]:7.2f}s {'':17}   {off[1]:7.2f}s")
        print(f"{'  a second fit (compiled: the steps alone)':46} {compiled[0]:7.2f}s {'':17}   "
              f"{compiled[1]:7.2f}s")


if __name__ == "__main__":
    chosen = [pathlib.Path(arg).resolve() for arg in sys.argv[1:]]
    main(chosen or sorted((ROOT / "notebooks").glob("*.ipynb")))
