"""Data-parallel fit on N devices against 1 device: one ratio, measured in one run.

    .venv/bin/python benchmarks/bench_distribution.py [--devices 2] [--epochs 3]

Each side runs in its own fresh process: the same MLP (784-1024-1024-10, Adam) on the same 16,384
synthetic examples, batches of 512, one epoch to compile and warm up, then `--epochs` epochs timed.
"1 device" is `DataParallel(devices=list_devices()[:1])`, "N devices" is
`DataParallel(devices=list_devices()[:N])`: the same code path, only the mesh differs. The labels
come from a fixed random linear teacher, so the fit learns. Data parallelism changes where the
work is done, not what is computed: the first epoch's loss must agree (checked, 1e-3 relative);
later epochs drift apart by float rounding (the gradient sums add in another order), and are shown.

The devices are JAX's: on a machine with GPUs or TPUs, those (nothing to change); on a CPU-only
machine, N CPU devices simulated with `--xla_force_host_platform_device_count`. The simulated CPU
devices share the machine's cores, and XLA already spreads one device's matrix products over all
of them, so on CPUs the ratio shows the cost of splitting (the gradient all-reduce, smaller
products), not a gain; on real accelerators each device brings its own compute. Wall and CPU time
are both given: on a machine shared with other work, wall times stretch with the load.
"""

import argparse
import json
import os
import subprocess
import sys
import time

WORKER = "--worker"


def worker(devices, epochs):
    """In a fresh process: build, warm up, time `epochs` epochs; print JSON."""
    import numpy as np

    import kerasbook as keras
    from kerasbook import layers

    keras.config.set_compilation_cache(False)  # compile every time: the warm-up epoch is not timed anyway
    available = keras.distribution.list_devices()
    if len(available) < devices:
        raise SystemExit(f"asked for {devices} devices, JAX has {len(available)}: {available}")
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=available[:devices]))
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16384, 784)).astype("float32")
    y = np.argmax(x @ rng.normal(size=(784, 10)).astype("float32"), axis=1)  # a teacher: learnable
    model = keras.Sequential([keras.Input((784,)), layers.Dense(1024, activation="relu"),
                              layers.Dense(1024, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    first = model.fit(x, y, batch_size=512, epochs=1, shuffle=False, verbose=0)  # compiles
    wall, cpu = time.perf_counter(), time.process_time()
    history = model.fit(x, y, batch_size=512, epochs=epochs, shuffle=False, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"devices": available[:devices], "wall": wall, "cpu": cpu,
                      "examples_per_s": epochs * len(x) / wall, "first_loss": first.history["loss"][0],
                      "loss": history.history["loss"][-1]}))


def platform():
    """JAX's default platform and device count, asked in a separate process (so that this one
    never holds an accelerator the measured processes need)."""
    code = "import jax, json; print(json.dumps([jax.default_backend(), jax.device_count()]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(devices, epochs, env):
    out = subprocess.run([sys.executable, __file__, WORKER, str(devices), str(epochs)], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    arguments = parser.parse_args()
    env = dict(os.environ)
    backend, count = platform()
    if backend == "cpu":  # simulate the devices; both sides get the same runtime
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                            f" --xla_force_host_platform_device_count={arguments.devices}").strip()
    elif count < arguments.devices:
        raise SystemExit(f"{backend}: {count} devices, fewer than --devices {arguments.devices}")
    one = measure(1, arguments.epochs, env)
    many = measure(arguments.devices, arguments.epochs, env)
    if abs(one["first_loss"] - many["first_loss"]) > 1e-3 * abs(one["first_loss"]):
        raise SystemExit(f"the first epoch's losses differ: {one['first_loss']} on 1 device, "
                         f"{many['first_loss']} on {arguments.devices}")
    print(f"platform {backend}, {os.cpu_count()} CPU cores; {arguments.epochs} epochs of 16,384 examples, "
          f"batch 512 (global), MLP 784-1024-1024-10")
    for label, result in (("1 device", one), (f"{arguments.devices} devices", many)):
        print(f"  {label:>10}: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU, "
              f"{result['examples_per_s']:,.0f} examples/s, loss {result['first_loss']:.6f} after the "
              f"first epoch, {result['loss']:.6f} after the last")
    print(f"speed-up of {arguments.devices} devices over 1 (wall): {one['wall'] / many['wall']:.2f}x; "
          f"CPU time ratio {many['cpu'] / one['cpu']:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == WORKER:
        worker(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
