"""The namespaces kerasbook added after the five guides (issue 17): `keras.preprocessing`, `keras.tree`,
`keras.config`'s switches, `keras.backend`'s dtype helpers and `keras.utils`' data helpers, each beside
the real Keras 3 package: same names, same arguments and defaults, same results."""

import collections
import inspect
import itertools
import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import kerasbook

import keras  # the oracle


def same_signature(ours, theirs):
    """Same argument names, in order, with the same defaults."""
    ours, theirs = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
    return [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


def outcome(fn, *args, **kwargs):
    """What a call gives: its value, or its error's type and message."""
    try:
        return fn(*args, **kwargs)
    except Exception as error:  # compared between the two libraries, so any error counts
        return type(error), str(error)


def public(module):
    return sorted(name for name in dir(module) if not name.startswith("_"))


# -- every name, with Keras's arguments ---------------------------------------------------------------

NAMESPACES = ["preprocessing", "preprocessing.image", "preprocessing.sequence", "tree", "config", "backend"]


def resolve(package, path):
    for part in path.split("."):
        package = getattr(package, part)
    return package


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_name_of_the_namespace_is_there_with_kerass_arguments(namespace):
    theirs, ours = resolve(keras, namespace), resolve(kerasbook, namespace)
    missing = [name for name in public(theirs) if not hasattr(ours, name)]
    assert missing == []
    differ = [name for name in public(theirs) if inspect.isfunction(getattr(theirs, name))
              and not same_signature(getattr(ours, name), getattr(theirs, name))]
    assert differ == []


def test_config_holds_no_names_keras_config_lacks():
    """`keras.config` is not `keras.backend`: no dtype helpers in it, no extra switches."""
    extra = set(public(kerasbook.config)) - set(public(keras.config))
    assert extra == {"capped", "set_compilation_cache", "compilation_cache_dir"}  # the last two kerasbook's own
    assert kerasbook.config.set_compilation_cache is kerasbook.backend.set_compilation_cache


@pytest.mark.parametrize("path", ["preprocessing.image", "preprocessing.sequence", "preprocessing", "tree", "config"])
def test_namespaces_import_as_modules(path):
    import importlib
    assert importlib.import_module(f"kerasbook.{path}") is resolve(kerasbook, path)


def test_preprocessing_names_are_the_utils_functions():
    from kerasbook.preprocessing.image import img_to_array, load_img
    from kerasbook.preprocessing.sequence import pad_sequences
    assert load_img is kerasbook.utils.load_img and img_to_array is kerasbook.utils.img_to_array
    assert pad_sequences is kerasbook.utils.pad_sequences
    assert kerasbook.preprocessing.image_dataset_from_directory is kerasbook.utils.image_dataset_from_directory
    assert kerasbook.preprocessing.timeseries_dataset_from_array is kerasbook.utils.timeseries_dataset_from_array


# -- smart_resize --------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,size,data_format", [
    ((34, 50, 3), (20, 20), "channels_last"), ((2, 50, 34, 3), (16, 24), "channels_last"),
    ((3, 34, 50), (20, 10), "channels_first"), ((2, 3, 40, 40), (30, 20), "channels_first")])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_smart_resize_equals_keras(shape, size, data_format, interpolation):
    image = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    ours = kerasbook.preprocessing.image.smart_resize(image, size, interpolation, data_format)
    theirs = keras.preprocessing.image.smart_resize(image, size, interpolation, data_format)
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_smart_resize_keeps_jax_arrays_and_refuses_what_keras_refuses():
    ours, theirs = kerasbook.preprocessing.image, keras.preprocessing.image
    assert isinstance(ours.smart_resize(jnp.ones((8, 6, 1)), (4, 4)), type(jnp.ones(1)))
    for args in [(np.ones((8, 6)), (4, 4)), (np.ones((8, 6, 1)), (4, 4, 4))]:
        assert outcome(ours.smart_resize, *args) == outcome(theirs.smart_resize, *args)


# -- timeseries_dataset_from_array --------------------------------------------------------------------

def all_batches(dataset):
    return [dataset[i] for i in range(len(dataset))]


def test_windows_of_kerass_first_example():
    """Keras's docstring: length 10, rate 2, stride 3 over 0..98 gives [0 2 .. 18], [3 5 .. 21], ...
    up to [78 80 .. 96]."""
    dataset = kerasbook.utils.timeseries_dataset_from_array(
        np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3, batch_size=8)
    windows = np.concatenate(all_batches(dataset))
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))
    assert len(windows) == 27 and len(dataset) == 4 and dataset[3].shape == (3, 10)


def test_targets_are_those_of_each_windows_first_step():
    """Keras's second example: the past 10 steps predict the next one."""
    data = np.random.default_rng(1).normal(size=(50, 2)).astype("float32")
    dataset = kerasbook.utils.timeseries_dataset_from_array(data[:-10], data[10:, 0], sequence_length=10, batch_size=16)
    inputs, targets = dataset[0]
    assert inputs.shape == (16, 10, 2) and targets.shape == (16,)
    np.testing.assert_array_equal(inputs[0], data[:10])
    np.testing.assert_array_equal(targets[3], data[13, 0])
    assert sum(len(batch[0]) for batch in all_batches(dataset)) == 31  # 40 steps - 10 + 1 windows


def test_start_and_end_index_keep_the_windows_inside():
    dataset = kerasbook.utils.timeseries_dataset_from_array(
        np.arange(100), np.arange(100) * 10, sequence_length=5, start_index=20, end_index=40, batch_size=None)
    first, target = dataset[0]
    np.testing.assert_array_equal(first, np.arange(20, 25))
    assert target == 200 and len(dataset) == 16
    np.testing.assert_array_equal(dataset[15][0], np.arange(35, 40))


def test_shuffle_orders_the_windows_as_kerass_seeded_starts():
    dataset = kerasbook.utils.timeseries_dataset_from_array(
        np.arange(30), None, sequence_length=4, shuffle=True, seed=7, batch_size=100)
    starts = np.arange(27, dtype="int32")
    np.random.RandomState(7).shuffle(starts)
    np.testing.assert_array_equal(dataset[0][:, 0], starts)


@pytest.mark.parametrize("kwargs", [
    dict(start_index=-1), dict(start_index=100), dict(start_index=5, end_index=3), dict(end_index=100),
    dict(sampling_rate=0), dict(sampling_rate=100), dict(sequence_stride=0), dict(sequence_stride=200),
    dict(format="numpy")])
def test_bad_arguments_are_refused_in_kerass_words(kwargs):
    args = (np.arange(100), None, 5)
    ours = outcome(kerasbook.utils.timeseries_dataset_from_array, *args, **kwargs)
    assert ours == outcome(keras.utils.timeseries_dataset_from_array, *args, **kwargs)
    assert ours[0] is ValueError


def test_fit_takes_the_windows():
    data = np.sin(np.arange(300) / 10).astype("float32")[:, None]
    dataset = kerasbook.utils.timeseries_dataset_from_array(data[:-8], data[8:, 0], sequence_length=8, batch_size=32)
    model = kerasbook.Sequential([kerasbook.Input((8, 1)), kerasbook.layers.Flatten(), kerasbook.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and model.predict(dataset, verbose=0).shape == (285, 1)


# -- keras.tree -----------------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "y x")
STRUCTURES = [
    1, None, [1, 2], (1, [2, None]), {"b": 1, "a": [2, 3]}, {"z": {"y": (1, 2)}, "a": None},
    Point(y=1, x=[2, 3]), [Point(1, 2), {"k": (None, 4)}], [], {}, [[], (1,)],
]


def same(a, b):
    """Equal values and equal types all the way down (a tuple is not a list, a dict keeps its key order)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_tree_functions_of_one_structure_equal_keras(structure):
    ours, theirs = kerasbook.tree, keras.tree
    assert ours.is_nested(structure) == theirs.is_nested(structure)
    same(ours.flatten(structure), theirs.flatten(structure))
    same(ours.flatten_with_path(structure), theirs.flatten_with_path(structure))
    same(ours.map_structure(lambda x: (x, 0), structure), theirs.map_structure(lambda x: (x, 0), structure))
    flat = [f"leaf{i}" for i in range(len(theirs.flatten(structure)))]
    same(ours.pack_sequence_as(structure, flat), theirs.pack_sequence_as(structure, flat))
    same(ours.lists_to_tuples(structure), theirs.lists_to_tuples(structure))
    same(ours.map_shape_structure(str, structure), theirs.map_shape_structure(str, structure))


def test_tree_maps_several_structures_and_checks_them_as_keras():
    a, b = {"b": [1, 2], "a": 3}, {"a": 30, "b": [10, 20]}
    same(kerasbook.tree.map_structure(lambda x, y: x + y, a, b), keras.tree.map_structure(lambda x, y: x + y, a, b))
    for x, y in [([1, 2], [1, [2]]), ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}), ([1], [1, 2])]:
        assert outcome(kerasbook.tree.map_structure, lambda *v: v, x, y)[0] is \
            outcome(keras.tree.map_structure, lambda *v: v, x, y)[0] is ValueError
        assert type(outcome(kerasbook.tree.assert_same_structure, x, y)) is tuple
        assert type(outcome(keras.tree.assert_same_structure, x, y)) is tuple
    assert kerasbook.tree.assert_same_structure([1, (2, None)], [3, (4, 5)]) is None
    assert outcome(kerasbook.tree.map_structure, abs) == outcome(keras.tree.map_structure, abs)


def test_assert_same_paths_compares_paths_not_types():
    assert kerasbook.tree.assert_same_paths([1, 2], (3, 4)) is None
    assert outcome(kerasbook.tree.assert_same_paths, {"a": 1}, {"b": 1}) == \
        outcome(keras.tree.assert_same_paths, {"a": 1}, {"b": 1})


def test_map_structure_up_to_stops_at_the_shallow_leaves():
    shallow, deep = [1, 1], [[1, 2], {"x": 3}]
    same(kerasbook.tree.map_structure_up_to(shallow, len, deep), keras.tree.map_structure_up_to(shallow, len, deep))
    shallow, a, b = {"a": 1, "b": (2, 3)}, {"a": [1, 2], "b": (3, {"k": 4})}, {"a": "x", "b": ("y", "z")}
    pair = lambda *v: v  # noqa: E731
    same(kerasbook.tree.map_structure_up_to(shallow, pair, a, b), keras.tree.map_structure_up_to(shallow, pair, a, b))
    for args in [([None, None], len, deep), ([1, [1]], len, deep)]:
        assert outcome(kerasbook.tree.map_structure_up_to, *args) == outcome(keras.tree.map_structure_up_to, *args)


def test_traverse_top_down_and_bottom_up_as_keras():
    structure = [1, [2, (3, 4)], {"a": 5}]

    def top_down(library):
        return lambda x: library.tree.MAP_TO_NONE if x == 2 else ("seen" if isinstance(x, tuple) else None)

    def bottom_up(x):
        return sum(x) if isinstance(x, (list, tuple)) and all(isinstance(v, int) for v in x) else None

    same(kerasbook.tree.traverse(top_down(kerasbook), structure), keras.tree.traverse(top_down(keras), structure))
    same(kerasbook.tree.traverse(bottom_up, structure, top_down=False),
         keras.tree.traverse(bottom_up, structure, top_down=False))


# -- keras.backend and keras.utils helpers -----------------------------------------------------------

DTYPES = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64", "bfloat16", "float16",
          "float32", "float64", int, float, bool]


def test_result_type_equals_kerass_on_every_pair():
    pairs = list(itertools.product(DTYPES, DTYPES))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        differ = [(a, b) for a, b in pairs if kerasbook.backend.result_type(a, b) != keras.backend.result_type(a, b)]
    assert differ == []
    assert kerasbook.backend.result_type() == keras.backend.result_type() == "float32"
    assert kerasbook.backend.result_type("int8", "uint8", float) == keras.backend.result_type("int8", "uint8", float)


@pytest.mark.parametrize("dtype", [None, int, float, bool, "int", np.float64, jnp.bfloat16, "uint8", np.dtype("int64"),
                                   "float16", "floot32"], ids=repr)
def test_dtype_questions_equal_keras(dtype):
    for name in ["standardize_dtype", "is_float_dtype", "is_int_dtype"]:
        ours = outcome(getattr(kerasbook.backend, name), dtype)
        theirs = outcome(getattr(keras.backend, name), dtype)
        assert ours == theirs or (ours[0] is theirs[0] is ValueError), name
    assert kerasbook.utils.standardize_dtype is kerasbook.backend.standardize_dtype


def test_is_keras_tensor_and_get_uid():
    assert kerasbook.backend.is_keras_tensor(kerasbook.Input((3,)))
    assert not kerasbook.backend.is_keras_tensor(np.ones(3))
    kerasbook.backend.clear_session()
    assert [kerasbook.backend.get_uid("foo") for _ in range(3)] == [1, 2, 3]
    assert kerasbook.backend.get_uid("bar") == 1
    kerasbook.backend.clear_session()
    assert kerasbook.backend.get_uid("foo") == 1


@pytest.mark.parametrize("data", [np.ones(2), (np.ones(2),), (np.ones(2), np.zeros(2)), [1, 2, 3], (1, 2, 3, 4)],
                         ids=["x", "(x,)", "(x, y)", "[x, y, w]", "four"])
def test_unpack_x_y_sample_weight_equals_keras(data):
    ours, theirs = outcome(kerasbook.utils.unpack_x_y_sample_weight, data), \
        outcome(keras.utils.unpack_x_y_sample_weight, data)
    assert type(ours) is type(theirs) and len(ours) == len(theirs)
    assert [None if v is None else np.asarray(v).tolist() for v in ours] == \
        [None if v is None else np.asarray(v).tolist() for v in theirs] or ours[0] is ValueError


@pytest.mark.parametrize("args", [(1,), ((1, 2),), (1, 2), (1, 2, 3), ([1], None, 3)], ids=repr)
def test_pack_x_y_sample_weight_equals_keras(args):
    assert kerasbook.utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)


# -- keras.config --------------------------------------------------------------------------------------

class CountSteps(kerasbook.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.epochs, self.steps = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1

    def on_train_batch_begin(self, batch, logs=None):
        self.steps += 1


def test_max_epochs_and_max_steps_per_epoch_cap_fit_as_in_keras():
    """Keras's own test: 4 epochs of 10 batches, capped to 2 epochs of 3 steps."""
    x, y = np.ones((80, 4)), np.ones((80, 1))
    model = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(1)])
    model.compile("sgd", "mse")
    counter = CountSteps()
    model.fit(x, y, batch_size=8, epochs=4, callbacks=[counter], verbose=0)
    assert (counter.epochs, counter.steps) == (4, 40)
    try:
        kerasbook.config.set_max_epochs(2)
        kerasbook.config.set_max_steps_per_epoch(3)
        assert (kerasbook.config.max_epochs(), kerasbook.config.max_steps_per_epoch()) == (2, 3)
        with pytest.warns(UserWarning, match="Limiting epochs to 2"), \
                pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            history = model.fit(x, y, batch_size=8, epochs=4, callbacks=[counter], verbose=0)
        assert (counter.epochs, counter.steps) == (2, 6) and len(history.history["loss"]) == 2
    finally:
        kerasbook.config.set_max_epochs(None)
        kerasbook.config.set_max_steps_per_epoch(None)
    assert kerasbook.config.max_epochs() is keras.config.max_epochs() is None


def test_switches_say_what_kerasbook_does():
    config = kerasbook.config
    assert config.is_flash_attention_enabled() is keras.config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    try:
        assert config.is_flash_attention_enabled() is False
    finally:
        config._settings["flash_attention"] = None
    with pytest.raises(NotImplementedError, match="flash attention"):
        config.enable_flash_attention()
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False
    with pytest.raises(NotImplementedError, match="tracebacks"):
        config.enable_traceback_filtering()
    assert config.is_nnx_enabled() is keras.config.is_nnx_enabled() is False
    config.set_backend("jax")
    with pytest.raises(ValueError, match="JAX only"):
        config.set_backend("torch")


def test_config_dtype_policy_is_the_mixed_precision_policy():
    try:
        kerasbook.config.set_dtype_policy("mixed_bfloat16")
        assert kerasbook.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert kerasbook.config.dtype_policy().compute_dtype == "bfloat16"
    finally:
        kerasbook.config.set_dtype_policy(None)
    assert kerasbook.config.dtype_policy().name == keras.config.dtype_policy().name == "float32"
    assert kerasbook.config.floatx() == "float32" and kerasbook.config.image_data_format() == "channels_last"


def test_without_interactive_logging_fit_logs_one_line_per_epoch(capsys, caplog):
    x, y = np.ones((64, 4)), np.ones((64, 1))
    model = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert kerasbook.config.is_interactive_logging_enabled() is keras.config.is_interactive_logging_enabled() is True
    kerasbook.utils.disable_interactive_logging()
    try:
        assert kerasbook.config.is_interactive_logging_enabled() is False
        with caplog.at_level("INFO", logger="kerasbook"):
            model.fit(x, y, batch_size=8, epochs=2, verbose=1)
    finally:
        kerasbook.config.enable_interactive_logging()
    assert capsys.readouterr().out.count("Epoch") == 2  # fit's epoch headings are printed as before
    lines = [r.getMessage() for r in caplog.records if r.name == "kerasbook"]
    assert len(lines) == 2 and all(line.lstrip().startswith("\x1b[1m8/8") and "loss:" in line for line in lines)
    model.fit(x, y, batch_size=8, epochs=1, verbose=1)
    assert "8/8" in capsys.readouterr().out


# -- keras.dtype_policies -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["float32", "bfloat16", "mixed_float16", "mixed_bfloat16"])
def test_dtype_policies_serialize_and_come_back_as_keras(name):
    ours, theirs = kerasbook.dtype_policies, keras.dtype_policies
    assert ours.serialize(ours.get(name)) == theirs.serialize(theirs.get(name))
    assert ours.serialize(ours.FloatDTypePolicy(name)) == theirs.serialize(theirs.FloatDTypePolicy(name))
    for config in (theirs.serialize(theirs.get(name)), theirs.serialize(theirs.FloatDTypePolicy(name))):
        policy = ours.deserialize(config)
        assert type(policy).__name__ == config["class_name"]
        assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (name, *_dtypes(theirs.get(name)))
    assert ours.DTypePolicy is kerasbook.DTypePolicy and kerasbook.FloatDTypePolicy is ours.FloatDTypePolicy
    layer = kerasbook.layers.Dense(2, dtype=ours.FloatDTypePolicy(name))
    assert layer.compute_dtype == theirs.get(name).compute_dtype
    for path in ["DTypePolicy", "FloatDTypePolicy", "get", "serialize", "deserialize"]:
        assert same_signature(getattr(ours, path), getattr(theirs, path)) or inspect.isclass(getattr(ours, path))


def _dtypes(policy):
    return policy.compute_dtype, policy.variable_dtype


# -- keras.device ---------------------------------------------------------------------------------------

def test_device_places_new_arrays_as_keras():
    import jax
    cpu = jax.devices("cpu")[0]
    for name in ["cpu", "cpu:0", "CPU:0", cpu]:
        with kerasbook.device(name):
            array = kerasbook.ops.ones((2, 2))
        assert array.devices() == {cpu}
    assert same_signature(kerasbook.device, keras.device)
    for bad in ["cpu:7", 3]:
        ours, theirs = outcome(kerasbook.device, bad), outcome(keras.device, bad)
        assert ours[0] is ValueError and ours == theirs


def test_remat_recomputes_in_the_backward_pass_with_the_same_gradients():
    import jax

    def f(x):
        return jnp.sin(jnp.cos(x) * 3.0)

    x = jnp.linspace(0.0, 1.0, 5)
    wrapped = kerasbook.remat(f)
    np.testing.assert_allclose(wrapped(x), f(x))
    np.testing.assert_allclose(jax.grad(lambda v: wrapped(v).sum())(x), jax.grad(lambda v: f(v).sum())(x), rtol=1e-6)
    def primitives(g):  # what the gradient program runs: remat2 is JAX's rematerialized call
        return [eqn.primitive.name for eqn in jax.make_jaxpr(jax.grad(lambda v: g(v).sum()))(x).eqns]

    assert "remat2" in primitives(wrapped) and "remat2" not in primitives(f)
    assert same_signature(kerasbook.remat, keras.remat)


# -- keras.legacy.saving and keras.utils.legacy ----------------------------------------------------------

def _legacy_pairs():
    """The same objects made in both libraries (names given, so the automatic counters do not matter)."""
    for library in (kerasbook, keras):
        yield [library.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d"),
               library.optimizers.Adam(0.1, name="opt"), library.activations.relu, None,
               library.layers.Dropout(0.5, name="drop")]


class Scaled:
    """A custom object holding another (its config is not a dict: it is written passively)."""

    def __init__(self, inner, factor=2.0):
        self.inner, self.factor = inner, factor

    def get_config(self):
        return {"inner": self.inner, "factor": self.factor, "tag": "x"}

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "tag"})


def test_legacy_serialize_writes_what_keras_writes():
    ours, theirs = _legacy_pairs()
    for mine, reference in zip(ours, theirs):
        assert kerasbook.legacy.saving.serialize_keras_object(mine) == \
            keras.legacy.saving.serialize_keras_object(reference)
    inner_ours, inner_theirs = kerasbook.regularizers.L2(0.5), keras.regularizers.L2(0.5)
    assert kerasbook.legacy.saving.serialize_keras_object(Scaled(inner_ours)) == \
        keras.legacy.saving.serialize_keras_object(Scaled(inner_theirs))
    assert kerasbook.utils.legacy.serialize_keras_object is kerasbook.legacy.saving.serialize_keras_object
    for name in ["serialize_keras_object", "deserialize_keras_object"]:
        assert same_signature(getattr(kerasbook.legacy.saving, name), getattr(keras.legacy.saving, name))


def test_legacy_deserialize_reads_kerass_configs_with_the_classes_given():
    config = keras.legacy.saving.serialize_keras_object(keras.layers.Dense(3, activation="relu", name="d"))
    layer = kerasbook.legacy.saving.deserialize_keras_object(config, module_objects={"Dense": kerasbook.layers.Dense})
    assert isinstance(layer, kerasbook.layers.Dense) and layer.get_config()["activation"] == "relu"
    scaled = keras.legacy.saving.serialize_keras_object(Scaled(keras.regularizers.L2(0.5)))
    objects = {"Scaled": Scaled, "L2": kerasbook.regularizers.L2}
    restored = kerasbook.legacy.saving.deserialize_keras_object(scaled, custom_objects=objects)
    assert isinstance(restored.inner, kerasbook.regularizers.L2) and restored.factor == 2.0
    relu = kerasbook.utils.legacy.deserialize_keras_object("relu", module_objects={"relu": kerasbook.activations.relu})
    assert relu is kerasbook.activations.relu
    flatten = kerasbook.legacy.saving.deserialize_keras_object("Flat", custom_objects={"Flat": kerasbook.layers.Flatten})
    assert isinstance(flatten, kerasbook.layers.Flatten)  # a class named alone is made with no arguments, as Keras
    for bad in [config, {"class_name": "Dense"}]:  # no classes given: Keras refuses too
        ours = outcome(kerasbook.legacy.saving.deserialize_keras_object, bad, module_objects={})
        theirs = outcome(keras.legacy.saving.deserialize_keras_object, bad, module_objects={})
        assert ours[0] is theirs[0] is ValueError and ours[1].split(".")[0] == theirs[1].split(".")[0]
    # An unknown name: Keras 3.15 fails on its own bug (AttributeError: _THREAD_LOCAL_CUSTOM_OBJECTS)
    with pytest.raises(ValueError, match="Unknown object: 'relu'"):
        kerasbook.legacy.saving.deserialize_keras_object("relu", module_objects={})


# -- keras.utils.Config ------------------------------------------------------------------------------------

def test_config_behaves_as_kerass():
    def session(library):
        config = library.utils.Config(learning_rate=0.1, momentum=0.9)
        config.use_ema = True
        config["seed"] = 123
        record = [config.seed, config["learning_rate"], sorted(config.keys()), len(config), "seed" in config,
                  config.get("nope", 5), config.to_json(), repr(config), config.as_dict(), list(config)]
        record.append(outcome(getattr, config, "learning_rat"))
        config.freeze()
        record += [config.frozen, outcome(setattr, config, "foo", 1), outcome(config.update, {"a": 1}),
                   outcome(config.__setitem__, "b", 2), outcome(config.pop, "seed")]
        config.unfreeze()
        del config["seed"]
        record += [config.pop("momentum"), config.as_dict(), config.frozen]
        return record

    assert session(kerasbook) == session(keras)
