"""After a restart, small programs are read from the cache too, with kerasbook's own settings (issue 13:
with a 0.05 s threshold, a lesson's eager calls on new shapes were compiled again after every restart).
Fresh processes, as kernel restarts are; hits and compilations counted from JAX's monitoring events."""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
HIT, WRITE = "/jax/compilation_cache/cache_hits", "/jax/compilation_cache/cache_misses"

# Eager calls as a lesson makes them, with kerasbook's thresholds untouched (none of JAX's settings).
EAGER_CALLS = """
import json
import jax
import numpy as np
events = []
jax.monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
import kerasbook as keras
from kerasbook import layers, ops
x = np.ones((3, 5), "float32")
y = ops.add(ops.relu(x), 1.0)
z = layers.Dense(2, kernel_initializer="ones")(y)
print(json.dumps({"hits": events.count(%r), "compiled": events.count(%r), "z": np.asarray(z).tolist()}))
""" % (HIT, WRITE)


def run_kernel(cache_folder):
    env = {key: value for key, value in os.environ.items() if not key.startswith("JAX_COMPILATION")}
    env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", KERASBOOK_CACHE_DIR=str(cache_folder))
    result = subprocess.run([sys.executable, "-c", EAGER_CALLS], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_restarted_kernel_compiles_none_of_its_small_eager_programs_again(tmp_path):
    first = run_kernel(tmp_path)
    assert first["compiled"] >= 3 and first["hits"] == 0  # relu, add, the Dense call: all small
    kept = sorted(tmp_path.glob("*/*-cache"))
    assert len(kept) == first["compiled"]  # every one written, however quickly it compiled
    second = run_kernel(tmp_path)
    assert second["compiled"] == 0 and second["hits"] == first["compiled"]
    assert second["z"] == first["z"] == [[10.0, 10.0]] * 3
