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


def start_script(name, *args, devices=8):
    """Start tests/scripts/<name> with `devices` CPU devices (several run at once on this machine's cores)."""
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               JAX_PLATFORMS="cpu", KERAS_BACKEND="jax")
    return subprocess.Popen([sys.executable, os.path.join(SCRIPTS, name), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result_of(process, timeout=240):
    """The last line a started script printed, as JSON."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def run_script(name, *args, devices=8):
    return result_of(start_script(name, *args, devices=devices))


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
    ours, theirs = start_script("distribution_api.py", "kerasbook"), start_script("distribution_api.py", "keras")
    assert result_of(ours) == result_of(theirs)


# -- variables take their layouts; bad input ------------------------------------------------------

def small_model(name="net"):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="dense"),
                             keras.layers.Dense(2, name="dense_1")], name=name)


def one_device_model_parallel(**keys):
    layout_map = distribution.LayoutMap(distribution.DeviceMesh((1, 1), ["batch", "model"]))
    for key, axes in keys.items():
        layout_map[key.replace("__", "/")] = axes
    return distribution.ModelParallel(layout_map=layout_map)


def test_variable_paths_are_keras_paths_and_variables_made_under_a_distribution_take_their_layouts():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(2, name="dense_2")

        def call(self, x):
            return self.dense(x)

    parallel = one_device_model_parallel(**{".*dense_2.*": ("model",)})
    with parallel.scope():
        model = keras.Sequential([keras.Input((3,)), Block(name="block")], name="seq")
    kernel, bias = model.weights
    assert (kernel.path, bias.path) == ("seq/block/dense_2/kernel", "seq/block/dense_2/bias")
    assert kernel._layout is parallel.layout_map[".*dense_2.*"]
    assert kernel.value.sharding.is_equivalent_to(kernel._layout.backend_layout, 2)  # placed when computed
    outside = keras.layers.Dense(2)
    outside.build((None, 3))
    assert outside.kernel._layout is None  # made with no distribution: JAX's default device


def test_variable_paths_equal_keras_in_subclassed_sequential_and_functional_models():
    import keras as real

    def paths(library):
        layers = library.layers

        class Block(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.first, self.second = layers.Dense(4, name="first"), layers.Dense(3, name="second")

            def call(self, x):
                return self.second(self.first(x))

        class Net(library.Model):
            def __init__(self):
                super().__init__(name="net")
                self.block, self.head = Block(name="block"), layers.Dense(2, name="head")

            def call(self, x):
                return self.head(self.block(x))

        net = Net()
        net(np.ones((1, 5), "float32"))
        sequential = library.Sequential([library.Input((5,)), Block(name="blk"), layers.BatchNormalization(
            name="bn")], name="seq")
        inputs = library.Input((5,))
        functional = library.Model(inputs, layers.Dense(2, name="out")(Block(name="b")(inputs)))
        return [[v.path for v in model.weights] for model in (net, sequential, functional)]

    ours = paths(keras)
    assert ours[0][0] == "net/block/first/kernel"
    assert ours == paths(real)


def test_a_model_built_before_the_distribution_keeps_its_layout_and_fit_says_what_to_do():
    model = small_model()
    model.compile(optimizer="sgd", loss="mse")
    distribution.set_distribution(distribution.DataParallel())
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    with pytest.raises(ValueError) as raised:
        model.fit(x, y, verbose=0)
    message = str(raised.value)
    assert message.startswith('Model "net" was built before the current distribution (DataParallel on '
                              "the mesh (1,)) was set: its variables (4 of them: 'net/dense/kernel', "
                              "'net/dense/bias', 'net/dense_1/kernel', ...) keep the layout they were "
                              "created with, on one device, as in Keras")
    assert "inside `with distribution.scope():`" in message and "set_weights(weights)" in message
    with pytest.raises(ValueError, match="was built before the current distribution"):
        model.predict(x, verbose=0)
    with distribution.distribution().scope():  # built again under it: the weights carried over
        rebuilt = small_model("rebuilt")
        rebuilt.set_weights(model.get_weights())
        rebuilt.compile(optimizer="sgd", loss="mse")
        rebuilt.fit(x, y, verbose=0)


def test_a_layout_that_does_not_fit_its_variable_is_refused_when_the_variable_is_made():
    # The check reads only the mesh's shape, so one device listed twice stands for a mesh axis of 2.
    mesh = distribution.DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:0"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model", None)
    with distribution.ModelParallel(layout_map=layout_map).scope():
        with pytest.raises(ValueError, match=r"key '.\*dense.\*kernel' gives variable 'dense/kernel' of shape "
                                             r"\(3, 5\) the layout \(None, 'model'\): its axis 1 \(5\) cannot be "
                                             r"cut into the 2 devices of mesh axis 'model'"):
            keras.layers.Dense(5, name="dense").build((None, 3))
        with pytest.raises(ValueError, match=r"\('model', None\): 2 axes for a variable of 1"):
            keras.layers.Dense(4, name="dense").build((None, 3))


def test_a_layout_map_key_that_matches_no_variable_is_reported_with_the_keys_that_did():
    parallel = one_device_model_parallel(**{".*dense.*kernal": (None, "model"), ".*dense.*bias": ("model",),
                                            "net__dense_1__output": ("batch", None)})
    with parallel.scope():
        model = small_model()
        model.compile(optimizer="sgd", loss="mse")
        with pytest.warns(UserWarning) as warned:
            model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    message = str(warned[0].message)
    assert message.startswith("LayoutMap key '.*dense.*kernal' matched no variable of model \"net\"; the "
                              "keys that matched (variables each): '.*dense.*bias' (2).")
    assert "net/dense/kernel, net/dense/bias, net/dense_1/kernel" in message
    assert warned[0].filename == __file__  # points at the fit that used the map


def test_output_keys_lay_out_a_layers_output_at_the_path_keras_asks_for():
    """Keras asks the distribution for "<layer path>/output" after each layer's call; the paths it
    asks for, recorded in both for one Sequential model with a layer inside a layer."""
    import keras as real
    asked = {}
    for library in (keras, real):
        class Recording(library.distribution.ModelParallel):
            def get_tensor_layout(self, path):
                asked.setdefault(library.__name__, set()).add(path)
                return super().get_tensor_layout(path)

        class Block(library.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.inner = library.layers.Dense(2, name="inner")

            def call(self, x):
                return self.inner(x)

        mesh = library.distribution.DeviceMesh((1, 1), ["batch", "model"])
        layout_map = library.distribution.LayoutMap(mesh)
        layout_map["seq/first/output"] = ("batch", "model")
        with Recording(layout_map=layout_map).scope():
            model = library.Sequential([library.Input((3,)), library.layers.Dense(4, name="first"),
                                        Block(name="block")], name="seq")
            model.predict(np.ones((2, 3), "float32"), verbose=0)
    expected = {"seq/first/output", "seq/block/output", "seq/block/inner/output"}
    assert asked["keras"] == expected
    assert asked["kerasbook"] - {"seq/output"} == expected  # kerasbook asks for the model's own call too


# -- fit on 8 devices, and in two processes, against one device ------------------------------------

RESULTS = ("initial", "loss", "val_loss", "evaluate", "prediction")


def assert_same_training(found, expected):
    for key in RESULTS:
        np.testing.assert_allclose(found[key], expected[key], rtol=1e-5, atol=1e-5, err_msg=key)


@pytest.fixture(scope="module")
def fits_on_8_devices():
    """fit_losses.py's fit with no distribution (one device), DataParallel and ModelParallel."""
    return run_script("fit_losses.py", "none", "data", "model")


def test_data_and_model_parallel_on_a_2x4_mesh_give_the_losses_of_one_device(fits_on_8_devices):
    found = fits_on_8_devices
    one, data, model = found["none"], found["data"], found["model"]
    assert found["devices"] == 8 and one["batch_on"] == 1  # nothing distributed unless asked, as in Keras
    assert_same_training(data, one)
    assert_same_training(model, one)
    assert data["summary"] == model["summary"] == one["summary"]
    for saved in (one["saved"], data["saved"], model["saved"]):  # files read back with no distribution
        for kind, prediction in saved.items():
            np.testing.assert_allclose(prediction, one["prediction"], rtol=1e-5, atol=1e-5, err_msg=kind)
    assert data["batch_on"] == model["batch_on"] == 8
    # "net/dense/output": ("batch", "model") lays out the first layer's output, and nothing else
    assert model["output_layouts"] == ['[{"batch"}, {"model"}]> : tensor<16x16xf32>']
    assert one["output_layouts"] == data["output_layouts"] == []
    assert set(data["variables"].values()) == {"P(None, None) on 8", "P(None,) on 8"}
    assert model["variables"] == {f"net/{layer}/{weight}": spec for layer in ("dense", "dense_1", "dense_2")
                                  for weight, spec in (("kernel", "P(None, 'model') on 8"),
                                                       ("bias", "P('model',) on 8"))}
    # the optimizer's slots are cut as their variables are
    assert model["slots"] == {"adam/net_dense_kernel_momentum": "P(None, 'model') on 8",
                              "adam/net_dense_kernel_velocity": "P(None, 'model') on 8"}


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def test_two_processes_joined_by_jax_distributed_fit_as_one_process(fits_on_8_devices):
    port = str(free_port())
    first, second = (start_script("two_processes.py", str(i), port, devices=1) for i in (0, 1))
    first, second = result_of(first), result_of(second)
    alone = fits_on_8_devices["none"]  # no distribution: one process, one device
    assert (first["process"], second["process"], first["processes"]) == (0, 1, 2)
    assert (first["devices"], first["local_devices"]) == (2, 1)
    assert first["host_draw"] == second["host_draw"]  # NumPy seeded alike: fit shuffles alike
    for process in (first, second):
        # auto_shard_dataset: each process holds all the data, or only its rows (half of each batch)
        for kind in ("data", "data_local"):
            assert process[kind]["batch_on"] == 2  # one batch, over both processes' devices
            assert_same_training(process[kind], alone)


def test_initialize_takes_keras_job_addresses():
    """Keras accepts every process's address, comma-separated; JAX needs only the coordinator's."""
    from kerasbook.core.distribution.processes import _coordinator
    assert _coordinator("10.0.0.1:1234,10.0.0.2:2345", 2) == "10.0.0.1:1234"
    assert _coordinator("10.0.0.1:1234", None) == "10.0.0.1:1234"
    with pytest.raises(ValueError, match=r"has 2 jobs, but num_processes is 3"):
        _coordinator("10.0.0.1:1234,10.0.0.2:2345", 3)
