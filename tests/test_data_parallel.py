"""Data-parallel fit over several JAX devices gives the losses of one device (CPU devices forced)."""

import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = os.path.join(os.path.dirname(__file__), "scripts", "fit_losses.py")


def run(device_count):
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={device_count}",
               JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_devices_give_the_losses_of_one():
    one, two = run(1), run(2)
    assert one["devices"] == 1 and two["devices"] == 2
    assert two["batch_on"] == 2  # the batch really is split across both devices
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(two["prediction"], one["prediction"], rtol=1e-5, atol=1e-6)
