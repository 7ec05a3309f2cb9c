"""`keras.utils` (and `keras.models.save_model`) against the real Keras 3: pad_sequences, symbolic
tensor questions, the custom-object scope, image files, clear_session."""

import inspect
import io
import warnings

import numpy as np
import pytest
from PIL import Image

import kerasbook

import keras  # the oracle

LIBRARIES = [keras, kerasbook]


def same_signature(name, ours, theirs):
    """Same argument names, in order, with the same defaults."""
    ours, theirs = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()], name


def outcome(fn, *args, **kwargs):
    """What a call gives: its value, or its error's type and message."""
    try:
        return fn(*args, **kwargs)
    except Exception as error:  # compared between the two libraries, so any error counts
        return type(error), str(error)


def same_outcome(ours, theirs):
    if isinstance(theirs, tuple):
        assert ours == theirs
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def test_the_names_of_keras_utils_from_the_tutorials_exist_with_keras_arguments():
    for name in ["pad_sequences", "get_source_inputs", "is_keras_tensor", "custom_object_scope",
                 "CustomObjectScope", "get_custom_objects", "get_registered_object", "get_registered_name",
                 "register_keras_serializable", "serialize_keras_object", "deserialize_keras_object",
                 "img_to_array", "array_to_img", "load_img", "save_img", "clear_session", "to_categorical",
                 "normalize", "set_random_seed", "plot_model", "get_file"]:
        assert hasattr(keras.utils, name) and callable(getattr(kerasbook.utils, name)), name
    for name in ["pad_sequences", "img_to_array", "array_to_img", "load_img", "save_img", "clear_session",
                 "get_registered_object", "serialize_keras_object"]:
        same_signature(name, getattr(kerasbook.utils, name), getattr(keras.utils, name))
    same_signature("CustomObjectScope", kerasbook.utils.CustomObjectScope, keras.utils.CustomObjectScope)
    same_signature("save_model", kerasbook.models.save_model, keras.models.save_model)
    # Re-exported, not copied: utils and saving hand out the same objects, as in Keras.
    for name in ["custom_object_scope", "CustomObjectScope", "get_custom_objects", "get_registered_object",
                 "serialize_keras_object", "deserialize_keras_object"]:
        assert getattr(kerasbook.utils, name) is getattr(kerasbook.saving, name), name
    assert kerasbook.utils.custom_object_scope is kerasbook.utils.CustomObjectScope


# --- pad_sequences ---------------------------------------------------------------------------------

TOKENS = [[1], [2, 3], [4, 5, 6, 7], []]
VECTORS = [np.ones((2, 3)), np.arange(12.0).reshape(4, 3), np.zeros((0, 3))]
WORDS = [["the", "cat"], ["a", "very", "long", "sentence"], ["hi"]]
PAD_CASES = [
    (TOKENS, {}),
    (TOKENS, {"maxlen": 3}),
    (TOKENS, {"maxlen": 3, "padding": "post"}),
    (TOKENS, {"maxlen": 3, "truncating": "post"}),
    (TOKENS, {"maxlen": 6, "padding": "post", "truncating": "post", "value": -1}),
    (TOKENS, {"dtype": "float32", "value": 0.5}),
    (np.array([[1, 2, 3], [4, 5, 6]]), {"maxlen": 2}),
    ([np.array([1.5, 2.5]), (3.5,)], {"dtype": "float64", "padding": "post"}),
    (VECTORS, {"maxlen": 3, "dtype": "float32"}),
    (WORDS, {"dtype": object, "value": "<pad>", "maxlen": 3}),
    (WORDS, {"dtype": "<U8", "value": "", "padding": "post"}),
    # Errors: Keras's types and messages.
    (TOKENS, {"padding": "middle"}),
    (TOKENS, {"truncating": "middle", "maxlen": 2}),
    ([[1, 2], 3], {}),
    (7, {}),
    (WORDS, {"value": "<pad>"}),
    ([np.ones((2, 3)), np.ones((2, 4))], {}),
]


@pytest.mark.parametrize("sequences, kwargs", PAD_CASES)
def test_pad_sequences_gives_what_keras_gives(sequences, kwargs):
    same_outcome(outcome(kerasbook.utils.pad_sequences, sequences, **kwargs),
                 outcome(keras.utils.pad_sequences, sequences, **kwargs))


def test_pad_sequences_pads_before_and_cuts_the_start_by_default():
    np.testing.assert_array_equal(kerasbook.utils.pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2),
                                  [[0, 1], [2, 3], [5, 6]])


# --- is_keras_tensor, get_source_inputs -------------------------------------------------------------

def test_is_keras_tensor_tells_symbolic_tensors_from_data():
    for k in LIBRARIES:
        x = k.Input((3,))
        y = k.layers.Dense(2)(x)
        data = np.ones((1, 3), "float32")
        answers = [k.utils.is_keras_tensor(v) for v in (x, y, data, k.ops.convert_to_tensor(data), k.layers.Dense(2)(data), 3.0)]
        assert answers == [True, True, False, False, False, False], k.__name__


def sources_as_indices(k):
    """Build one graph (two inputs, a shared layer, a nested model) in library `k` and say which of
    its inputs `get_source_inputs` finds for several tensors, by their index among the inputs."""
    a, b, c = k.Input((4,), name="a"), k.Input((4,), name="b"), k.Input((4,), name="c")
    shared = k.layers.Dense(4)
    from_b, from_a = shared(b), shared(a)
    inner_in = k.Input((4,))
    inner = k.Model(inner_in, k.layers.Dense(2)(inner_in))
    merged = k.layers.add([from_b, from_a, from_b])
    nested = inner(merged)
    inputs = [a, b, c]
    index = {id(t): i for i, t in enumerate(inputs)}
    found = [k.utils.get_source_inputs(t) for t in (a, from_a, merged, nested, k.layers.Dense(1)(c))]
    assert all(isinstance(f, list) for f in found)
    return [[index[id(t)] for t in f] for f in found]


def test_get_source_inputs_walks_back_to_the_inputs_as_keras_does():
    assert sources_as_indices(kerasbook) == sources_as_indices(keras) == [[0], [0], [1, 0], [1, 0], [2]]
    data = np.ones((2, 3))
    assert kerasbook.utils.get_source_inputs(data) is data and keras.utils.get_source_inputs(data) is data


# --- the custom-object scope -------------------------------------------------------------------------

def halve(t):
    return t * 0.5


def custom_classes(k):
    class Shift(k.layers.Layer):
        def call(self, x):
            return x + 1.0

    class Scaled(k.layers.Dense):
        """A Dense subclass whose activation is a function of our own."""

    return Shift, Scaled


@pytest.mark.parametrize("k", LIBRARIES, ids=["keras", "kerasbook"])
def test_custom_object_scope_makes_load_model_and_from_config_find_custom_objects(k, tmp_path):
    Shift, Scaled = custom_classes(k)
    inputs = k.Input((2,))
    model = k.Model(inputs, Scaled(2, activation=halve, name="scaled")(Shift(name="shift")(inputs)))
    k.models.save_model(model, tmp_path / "custom.keras")
    with pytest.raises(TypeError):
        k.models.load_model(tmp_path / "custom.keras")
    with pytest.raises(TypeError):
        Scaled.from_config(model.layers[2].get_config())

    objects = {"Shift": Shift, "Scaled": Scaled, "halve": halve}
    with k.utils.custom_object_scope(objects) as scope:
        assert isinstance(scope, k.utils.CustomObjectScope) and scope.custom_objects is objects
        assert k.utils.get_registered_object("Shift") is Shift
        loaded = k.models.load_model(tmp_path / "custom.keras")
        rebuilt = k.layers.Dense.from_config(model.layers[2].get_config())
        function = k.utils.deserialize_keras_object(k.utils.serialize_keras_object(halve))
    assert [type(layer) for layer in loaded.layers[1:]] == [Shift, Scaled]
    assert loaded.layers[2].activation is halve and rebuilt.activation is halve and function is halve
    data = np.ones((1, 2), "float32")
    np.testing.assert_allclose(np.asarray(loaded(data)), np.asarray(model(data)), rtol=1e-6)
    # Outside the block the names are gone again.
    assert k.utils.get_registered_object("Shift") is None
    with pytest.raises(TypeError):
        k.models.load_model(tmp_path / "custom.keras")


@pytest.mark.parametrize("k", LIBRARIES, ids=["keras", "kerasbook"])
def test_get_custom_objects_is_the_live_global_table(k, tmp_path):
    Shift, _ = custom_classes(k)
    inputs = k.Input((2,))
    k.Model(inputs, Shift(name="shift")(inputs)).save(tmp_path / "shift.keras")
    table = k.utils.get_custom_objects()
    assert table is k.saving.get_custom_objects()
    table["Shift"] = Shift
    try:
        assert isinstance(k.models.load_model(tmp_path / "shift.keras").layers[1], Shift)
    finally:
        del table["Shift"]
    assert k.utils.get_registered_object("Shift") is None


def test_get_registered_object_looks_in_custom_objects_and_module_objects_as_keras_does():
    for k in LIBRARIES:
        lookup = k.utils.get_registered_object
        assert lookup("halve", custom_objects={"halve": halve}) is halve
        assert lookup("halve", module_objects={"halve": halve}) is halve
        assert lookup("halve") is None
        with k.utils.CustomObjectScope(None) as scope:
            assert scope.custom_objects == {}


def test_nested_scopes_add_up_where_keras_hides_the_outer_one():
    """A departure on purpose: an inner `with custom_object_scope(...)` keeps the outer names."""
    seen = {}
    for k in LIBRARIES:
        with k.utils.custom_object_scope({"halve": halve}):
            with k.utils.custom_object_scope({"other": len}):
                seen[k] = (k.utils.get_registered_object("halve"), k.utils.get_registered_object("other"))
            assert k.utils.get_registered_object("other") is None
    assert seen[keras] == (None, len) and seen[kerasbook] == (halve, len)


# --- keras.models.save_model -------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # Keras's own files too
def test_models_save_model_writes_what_model_save_writes_and_keras_opens_it(tmp_path):
    inputs = kerasbook.Input((3,))
    model = kerasbook.Model(inputs, kerasbook.layers.Dense(2, name="out")(inputs))
    model.compile(optimizer="adam", loss="mse")
    kerasbook.models.save_model(model, tmp_path / "m.keras")
    data = np.arange(6.0, dtype="float32").reshape(2, 3)
    theirs = keras.models.load_model(tmp_path / "m.keras")
    ours = kerasbook.models.load_model(tmp_path / "m.keras")
    for loaded in (theirs, ours):
        np.testing.assert_allclose(np.asarray(loaded.predict(data, verbose=0)), np.asarray(model(data)), rtol=1e-6)
    assert theirs.optimizer.__class__.__name__ == "Adam"
    with pytest.raises(ValueError):
        kerasbook.models.save_model(model, tmp_path / "m.h6")


# --- images ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A 30x40 RGB PNG with a gradient and a square, drawn here (no file is downloaded)."""
    rows, cols = np.mgrid[0:30, 0:40]
    pixels = np.stack([rows * 8, cols * 6, (rows + cols) * 3], axis=-1).astype("uint8")
    pixels[10:20, 15:25] = [255, 0, 128]
    path = tmp_path_factory.mktemp("images") / "picture.png"
    Image.fromarray(pixels, "RGB").save(path)
    return path


LOAD_CASES = [
    {},
    {"color_mode": "grayscale"},
    {"color_mode": "rgba"},
    {"target_size": (15, 20)},
    {"target_size": (12, 12), "interpolation": "bilinear"},
    {"target_size": (12, 12), "interpolation": "bicubic", "keep_aspect_ratio": True},
    {"target_size": (20, 10), "interpolation": "lanczos", "keep_aspect_ratio": True},
    {"target_size": (13, 9), "interpolation": "hamming", "keep_aspect_ratio": True},
    {"target_size": (7, 11), "interpolation": "box", "keep_aspect_ratio": True},
    {"target_size": (30, 40), "interpolation": "no-such-filter"},
    {"target_size": (9, 9), "interpolation": "no-such-filter"},
    {"color_mode": "cmyk"},
]


@pytest.mark.parametrize("kwargs", LOAD_CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_load_img_and_img_to_array_give_what_keras_gives(picture, kwargs, data_format):
    def pipeline(k):
        img = k.utils.load_img(picture, **kwargs)
        return k.utils.img_to_array(img, data_format=data_format)
    same_outcome(outcome(pipeline, kerasbook), outcome(pipeline, keras))


def test_load_img_reads_paths_of_every_kind_and_file_objects(picture):
    expected = np.asarray(keras.utils.load_img(picture))
    for source in (picture, str(picture), str(picture).encode(), io.BytesIO(picture.read_bytes())):
        np.testing.assert_array_equal(np.asarray(kerasbook.utils.load_img(source)), expected)
    for k in LIBRARIES:
        with pytest.raises(TypeError, match="path should be path-like or io.BytesIO"):
            k.utils.load_img(123)


ARRAYS = {
    "rgb floats": np.random.default_rng(0).normal(size=(6, 5, 3)),
    "rgba": np.random.default_rng(1).uniform(size=(6, 5, 4)),
    "gray": np.arange(30.0).reshape(6, 5, 1),
    "gray beyond a byte": np.linspace(0.0, 256.0, 30).reshape(6, 5, 1),
    "flat": np.full((4, 4, 3), 7.0),
    "two channels": np.ones((4, 4, 2)),
    "rank 2": np.ones((4, 4)),
}


@pytest.mark.parametrize("name", ARRAYS)
@pytest.mark.parametrize("kwargs", [{}, {"scale": False}, {"data_format": "channels_first"},
                                    {"dtype": "float64"}, {"data_format": "channels_sideways"}])
def test_array_to_img_gives_the_image_keras_gives(name, kwargs):
    def convert(k):
        img = k.utils.array_to_img(ARRAYS[name], **kwargs)
        return img.mode, img.size, np.asarray(img).tolist()
    same_outcome(outcome(convert, kerasbook), outcome(convert, keras))


@pytest.mark.parametrize("suffix, channels", [(".png", 3), (".png", 4), (".jpg", 3), (".JPEG", 1), (".bmp", 3)])
def test_save_img_writes_the_file_keras_writes(tmp_path, suffix, channels):
    x = np.random.default_rng(2).uniform(size=(8, 9, channels))
    files = {}
    for k in LIBRARIES:
        files[k] = tmp_path / f"{k.__name__}{suffix}"
        k.utils.save_img(files[k], x)
    assert files[kerasbook].read_bytes() == files[keras].read_bytes()


def test_save_img_to_a_file_object_and_an_rgba_jpeg_warns_as_keras(tmp_path):
    x = np.random.default_rng(3).uniform(size=(8, 9, 4))
    written = {}
    for k in LIBRARIES:
        buffer = io.BytesIO()
        with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
            k.utils.save_img(buffer, x, file_format="jpg", quality=80)
        written[k] = buffer.getvalue()
    assert written[kerasbook] == written[keras]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kerasbook.utils.save_img(tmp_path / "first.png", x.transpose(2, 0, 1), data_format="channels_first",
                                 scale=False)
    assert Image.open(tmp_path / "first.png").size == (9, 8)


# --- clear_session -----------------------------------------------------------------------------------

def names_across_a_clear_session(k):
    k.utils.clear_session()
    before = [k.layers.Dense(1).name for _ in range(3)] + [k.layers.Conv2D(1, 3).name]
    k.utils.clear_session(free_memory=False)
    after = [k.layers.Dense(1).name, k.layers.Conv2D(1, 3).name, k.layers.Dense(1).name]
    k.utils.clear_session()
    return before, after


def test_clear_session_restarts_automatic_layer_names_as_keras_does():
    assert names_across_a_clear_session(kerasbook) == names_across_a_clear_session(keras) == (
        ["dense", "dense_1", "dense_2", "conv2d"], ["dense", "conv2d", "dense_1"])


def test_keras_utils_alone_loads_neither_jax_nor_the_engine():
    """`to_categorical` or `pad_sequences` in a data-preparation cell should not wait for JAX."""
    import subprocess
    import sys
    code = "import sys, kerasbook; kerasbook.utils.pad_sequences([[1]]); print('jax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
