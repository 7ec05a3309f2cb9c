"""Data parallelism over two JAX devices (CPU devices forced), as Keras 3 does it: nothing is
distributed until a keras.distribution is set; with DataParallel, each batch is split across both
devices and the fit gives the losses of one device."""

import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = os.path.join(os.path.dirname(__file__), "scripts", "fit_losses.py")


def run(device_count, *kinds):
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={device_count}",
               JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, SCRIPT, *kinds], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_devices_give_the_losses_of_one():
    two = run(2, "none", "data")
    assert two["devices"] == 2
    alone, split = two["none"], two["data"]
    assert alone["batch_on"] == 1  # no distribution set: one device, the other idle, as in Keras 3
    assert split["batch_on"] == 2  # DataParallel: the batch really is split across both devices
    assert set(split["variables"].values()) <= {"P(None, None) on 2", "P(None,) on 2"}  # whole on each
    for key in ("loss", "val_loss", "evaluate", "prediction"):
        np.testing.assert_allclose(split[key], alone[key], rtol=1e-5, atol=1e-6)
