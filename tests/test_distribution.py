"""keras.distribution on jax.sharding (issue 18).

The API's answers in this process (one CPU device), then on 8 simulated CPU devices in subprocesses
(`XLA_FLAGS=--xla_force_host_platform_device_count=8`, scripts under tests/scripts/ that print JSON),
compared with the real keras where that is cheap.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from jax.sharding import PartitionSpec

import kerasbook as keras
from kerasbook import distribution

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")


def run_script(name, *args, devices=8, timeout=180):
    """Run tests/scripts/<name> with `devices` CPU devices; its last line of output, as JSON."""
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               JAX_PLATFORMS="cpu", KERAS_BACKEND="jax")
    result = subprocess.run([sys.executable, os.path.join(SCRIPTS, name), *args], env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def no_distribution_left_behind():
    yield
    distribution.set_distribution(None)


# -- the API, on this process's one device ------------------------------------------------------

def test_the_namespace_is_keras_distribution():
    import kerasbook.distribution as namespace
    assert namespace is keras.distribution
    from kerasbook.distribution import DataParallel, LayoutMap  # noqa: F401  (as keras-io writes it)
    import keras as real
    ours = {name for name in dir(namespace) if not name.startswith("_")}
    assert {name for name in dir(real.distribution) if not name.startswith("_")} <= ours


def test_devices_are_named_as_keras_names_them():
    assert distribution.list_devices() == ["cpu:0"]
    assert distribution.get_device_count() == distribution.get_device_count("cpu") == 1


def test_a_mesh_whose_shape_does_not_fit_the_devices_names_both():
    with pytest.raises(ValueError) as raised:
        distribution.DeviceMesh((2, 4), ["batch", "model"])
    message = str(raised.value)
    assert message.startswith("Shape does not match the number of devices. Received: shape=(2, 4)")
    assert "(8 devices)" in message and "(1 devices" in message and "such as (1, 1)" in message


def test_a_layout_map_finds_layouts_by_regular_expressions_on_whole_paths():
    mesh = distribution.DeviceMesh((1,), ["model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map["dense/bias"] = distribution.TensorLayout(("model",))
    assert layout_map["block/dense_2/kernel"].axes == (None, "model")
    assert layout_map["block/dense_2/kernel"].device_mesh is mesh  # filled in by the map
    assert layout_map["dense/bias"].axes == ("model",)
    assert layout_map["block/dense/bias"] is None  # a key matches the whole path, not a part
    assert layout_map.matching_keys("dense/kernel") == [".*dense.*kernel"]
    with pytest.raises(ValueError, match="already exist in the LayoutMap"):
        layout_map["dense/bias"] = ("model",)
    with pytest.raises(ValueError, match="'dense\\[' is not a regular expression"):
        layout_map["dense["] = ("model",)


def test_two_keys_matching_one_path_is_keras_error():
    layout_map = distribution.LayoutMap(distribution.DeviceMesh((1,), ["model"]))
    layout_map["dense.*"] = (None, "model")
    layout_map[".*kernel"] = ("model", None)
    with pytest.raises(ValueError, match=r"Path 'dense_1/kernel' matches multiple layout specification "
                                         r"keys: \['dense.\*', '.\*kernel'\]"):
        layout_map["dense_1/kernel"]


def test_a_layout_names_only_axes_of_its_mesh():
    mesh = distribution.DeviceMesh((1, 1), ["batch", "model"])
    with pytest.raises(ValueError, match="Invalid axis names for Layout"):
        distribution.TensorLayout(("batch", "x"), mesh)
    layout = distribution.TensorLayout(("batch", None), mesh)
    assert layout.backend_layout.spec == PartitionSpec("batch", None)


def test_set_distribution_and_scope_make_one_current():
    data_parallel = distribution.DataParallel()
    assert distribution.distribution() is None  # as in Keras: nothing is distributed by default
    with data_parallel.scope():
        assert distribution.distribution() is data_parallel
    assert distribution.distribution() is None
    distribution.set_distribution(data_parallel)
    assert distribution.distribution() is data_parallel
    with pytest.raises(ValueError, match="expects a keras.distribution.DataParallel or ModelParallel"):
        distribution.set_distribution("data_parallel")


def test_model_parallel_takes_keras_arguments():
    layout_map = distribution.LayoutMap(distribution.DeviceMesh((1, 1), ["data", "model"]))
    parallel = distribution.ModelParallel(layout_map=layout_map, batch_dim_name="data",
                                          auto_shard_dataset=False)
    assert (parallel.batch_dim_name, parallel.auto_shard_dataset, parallel.num_model_replicas) == ("data", False, 1)
    assert parallel.device_mesh is layout_map.device_mesh
    with pytest.raises(ValueError, match="You must specify a layout_map argument"):
        distribution.ModelParallel()
    with pytest.raises(ValueError, match="batch_dim_name='batch' is not an axis of the mesh"):
        distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


# -- on 8 devices, against the real keras ---------------------------------------------------------

def test_the_api_answers_as_keras_does_on_8_devices():
    ours, theirs = run_script("distribution_api.py", "kerasbook"), run_script("distribution_api.py", "keras")
    assert ours == theirs
