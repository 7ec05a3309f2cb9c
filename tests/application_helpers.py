"""What tests/test_applications.py and tests/test_applications_more.py share: Keras's models built
without values, random weights of the right scale, the comparisons of architecture and numbers, a
local file server, and the checks each file runs over its own table of models.

Keras's own models are the oracle. Building one the usual way is slow (JAX compiles Keras's random
initializer once per weight shape: 87 s for EfficientNetB0), so Keras's models are built in a
`keras.StatelessScope(initialize_variables=False)`, where Keras creates its variables without values;
the numbers tests then give both models the same values.
"""

import functools
import http.server
import inspect
import threading

import h5py
import numpy as np
import pytest

import kerasbook

import keras  # the oracle
from keras.src.applications import imagenet_utils as keras_imagenet_utils
from keras.src.legacy.saving import legacy_h5_format

from kerasbook.core.applications import imagenet_utils

ROOT = "https://storage.googleapis.com/tensorflow/keras-applications/"  # where most weight files are
KERAS_SOURCES = keras.src.applications  # Keras's modules, with their weight addresses and hashes
SMALL_INDEX = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}  # a class index without download


# -- the two models, built alike ------------------------------------------------------------------
def keras_model(name, **kwargs):
    """Keras's application `name`, its variables created without values (see the module docstring)."""
    keras.backend.clear_session()
    with keras.StatelessScope(initialize_variables=False):
        model = getattr(keras.applications, name)(**kwargs)
    keras.backend.clear_session()  # forget the waiting initializers: the values come from set_weights
    return model


def build_pair(name, kwargs):
    """(keras model, our model) built alike with weights=None, each naming layers from scratch."""
    theirs = keras_model(name, weights=None, **kwargs)
    kerasbook.backend.clear_session()
    ours = getattr(kerasbook.applications, name)(weights=None, **kwargs)
    return theirs, ours


def layer_table(model):
    """Each layer's name, class, output shape and parameter count."""
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
            for layer in model.layers]


def wiring(model):
    """Each layer's name and the names of the layers its inputs come from, in order."""
    return [(layer.name, [t._keras_history.operation.name for t in layer._inbound_nodes[0].input_tensors])
            for layer in model.layers]


# -- the numbers ------------------------------------------------------------------------------------
def weight_values(model, seed=0):
    """Values for each of `model`'s weights, of the scale its initializers give: kernels that keep the
    activations' scale (He), batch normalization near the identity but not equal to it. A depthwise
    kernel's fan-in is its window alone: each channel is filtered on its own."""
    rng = np.random.default_rng(seed)
    values = {}  # id(weight): value, returned in the order of model.weights (that set_weights takes)
    for layer in model.layers:
        depthwise = type(layer).__name__ == "DepthwiseConv2D"
        for weight in layer.weights:
            shape, name = tuple(weight.shape), weight.name
            if name.endswith("kernel"):
                fan_in = np.prod(shape[:2] if depthwise or name == "depthwise_kernel" else shape[:-1])
                value = rng.normal(size=shape) * np.sqrt(2 / fan_in)
            elif name == "gamma":
                value = 1 + 0.1 * rng.normal(size=shape)
            elif name in ("moving_variance", "variance"):
                value = rng.uniform(0.8, 1.2, size=shape)
            elif name == "count":
                value = np.zeros(shape)
            else:  # bias, beta, moving_mean, mean
                value = 0.1 * rng.normal(size=shape)
            values[id(weight)] = value.astype(weight.dtype)
    return [values[id(weight)] for weight in model.weights]


def assert_same_predictions(ours, theirs, images):
    """Equal outputs for two images at four depths (10%, 40%, 70% of the layers, and the last). A deep
    network with random weights maps different images to nearly the same output (each ReLU layer
    makes them more alike), so the early outputs, where the images still differ, are compared too."""
    names = [theirs.layers[round(f * (len(theirs.layers) - 1))].name for f in (0.1, 0.4, 0.7, 1.0)]
    expected = keras.Model(theirs.inputs, [theirs.get_layer(n).output for n in names]).predict(images, verbose=0)
    found = kerasbook.Model(ours.inputs, [ours.get_layer(n).output for n in names]).predict(images, verbose=0)
    first = np.asarray(expected[0])
    assert np.abs(first[0] - first[1]).max() > 0.05 * np.abs(first).max()  # the images are told apart
    for name, mine, theirs_ in zip(names, found, expected):
        theirs_ = np.asarray(theirs_)
        np.testing.assert_allclose(np.asarray(mine), theirs_, rtol=1e-4, atol=1e-4 * np.abs(theirs_).max(),
                                   err_msg=name)


def assert_same_predictions_with_the_same_weights(theirs, ours, size, module):
    """Both models given the same random weights predict alike for two random `(size, size, 3)` images,
    preprocessed by `kerasbook.applications.<module>.preprocess_input`."""
    values = weight_values(theirs)
    theirs.set_weights(values)
    ours.set_weights(values)
    pixels = np.random.default_rng(0).random((2, size, size, 3)).astype("float32") * 255
    assert_same_predictions(ours, theirs, getattr(kerasbook.applications, module).preprocess_input(pixels))


# -- the checks each file runs over its own table of models ---------------------------------------------
def assert_module_as_keras(module, models):
    """`keras.applications.<module>` has exactly `models`, decode_predictions and preprocess_input, and
    kerasbook's module has them with the same signatures; its models are kerasbook.applications'."""
    theirs = getattr(keras.applications, module)
    ours = getattr(kerasbook.applications, module)
    public = sorted(name for name in dir(theirs) if not name.startswith("_"))
    assert public == sorted(models + ["decode_predictions", "preprocess_input"])
    for name in public:
        assert inspect.signature(getattr(ours, name)) == inspect.signature(getattr(theirs, name)), name
    for name in models:  # keras.applications.ResNet50 is keras.applications.resnet.ResNet50
        assert getattr(kerasbook.applications, name) is getattr(ours, name)


def assert_same_value_error_as_keras(name, kwargs):
    """`<name>(**kwargs)` raises the ValueError Keras's raises, word for word."""
    with pytest.raises(ValueError) as theirs:
        with keras.StatelessScope(initialize_variables=False):  # some errors come after the model is built
            getattr(keras.applications, name)(**kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(kerasbook.applications, name)(**kwargs)
    assert str(ours.value) == str(theirs.value)


def assert_asks_for_keras_file(name, kwargs, url, file_hash, path):
    """Without network, `<name>(**kwargs)` says which file it needs (`url`) and where to put it (`path`,
    in KERAS_HOME); a file there with another hash (md5, or sha256 where `file_hash` has 64 digits) is
    refused. A `file_hash` of None: Keras has no hash for the file."""
    with pytest.raises(OSError) as missing:
        getattr(kerasbook.applications, name)(**kwargs)
    assert url in str(missing.value) and f"copy it to {path}" in str(missing.value)
    if file_hash:
        path.write_bytes(b"not the weights")
        kind = "sha256" if len(file_hash) == 64 else "md5"
        with pytest.raises(OSError, match=f"expected {kind} hash {file_hash}"):
            getattr(kerasbook.applications, name)(**kwargs)


def decode_predictions_as_keras(modules, monkeypatch):
    """Random predictions `(3, 1000)`, decoded alike by each module's decode_predictions in both
    libraries with SMALL_INDEX as the class index of both; returns the predictions and the last
    module's decoding."""
    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", SMALL_INDEX)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", SMALL_INDEX)
    preds = np.random.default_rng(4).random((3, 1000)).astype("float32")
    for module in modules:
        ours = getattr(kerasbook.applications, module).decode_predictions(preds, top=3)
        assert ours == getattr(keras.applications, module).decode_predictions(preds, top=3), module
    return preds, ours


# -- weight files and a server to download them from -------------------------------------------------
def write_keras_h5(path, model):
    """`model`'s weights in Keras's own writer of the HDF5 layout its ImageNet files have."""
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


class Server:
    """A file server on 127.0.0.1 for the duration of a test: proves the download path works."""

    def __init__(self, folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """`(folder, url)`: files written to the folder are served at url + their name."""
    (tmp_path / "served").mkdir()
    running = Server(tmp_path / "served")
    yield tmp_path / "served", running.url
    running.close()
