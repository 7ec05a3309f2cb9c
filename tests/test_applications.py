"""ImageNet applications: Keras's architecture, counts, numbers, argument errors and weight files.

Keras's own models are the oracle. Building one the usual way is slow (JAX compiles Keras's random
initializer once per weight shape: 87 s for EfficientNetB0), so Keras's models are built in a
`keras.StatelessScope(initialize_variables=False)`, where Keras creates its variables without values;
the numbers tests then give both models the same values. Each architecture is built once for the
module, at a small input size. The helpers both this file and tests/test_applications_more.py use are
in tests/application_helpers.py.
"""

import functools
import hashlib
import json

import h5py
import numpy as np
import pytest

import kerasbook

import keras  # the oracle
from keras.src.applications import imagenet_utils as keras_imagenet_utils

from kerasbook.core.applications import imagenet_utils
from kerasbook.core.engine import naming
from application_helpers import (KERAS_SOURCES, ROOT, SMALL_INDEX, assert_asks_for_keras_file, assert_module_as_keras,
                                 assert_same_predictions, assert_same_predictions_with_the_same_weights,
                                 assert_same_value_error_as_keras, build_pair, decode_predictions_as_keras,
                                 keras_model, layer_table, server, weight_values, wiring, write_keras_h5)

CONFIGS = {  # small inputs keep the builds and the compiled predictions small
    "vgg19_top": ("VGG19", dict(include_top=True, input_shape=(32, 32, 3), classifier_activation=None)),
    "vgg16_pooled": ("VGG16", dict(include_top=False, pooling="max")),
    "xception_top": ("Xception", dict(include_top=True, input_shape=(71, 71, 3), classes=10,
                                      classifier_activation=None)),
    "xception_pooled": ("Xception", dict(include_top=False, pooling="avg")),
    "resnet50_top": ("ResNet50", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                      classifier_activation=None)),
    "resnet50v2_pooled": ("ResNet50V2", dict(include_top=False, input_shape=(32, 32, 3), pooling="max")),
    "mobilenetv2_top": ("MobileNetV2", dict(include_top=True, input_shape=(32, 32, 3), alpha=0.35, classes=10,
                                            classifier_activation=None)),
    # odd sizes: the explicit padding before each halving differs; alpha > 1 widens the last convolution
    "mobilenetv2_pooled": ("MobileNetV2", dict(include_top=False, input_shape=(33, 33, 3), alpha=1.3,
                                               pooling="avg")),
    "efficientnetb0_top": ("EfficientNetB0", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                                  classifier_activation=None)),
    "efficientnetb2_pooled": ("EfficientNetB2", dict(include_top=False, pooling="max")),  # width 1.1, depth 1.2
    "inceptionv3_top": ("InceptionV3", dict(include_top=True, input_shape=(75, 75, 3), classes=10,
                                            classifier_activation=None)),
}


@functools.cache
def pair(config):
    """`build_pair` for one of CONFIGS, once for the module."""
    return build_pair(*CONFIGS[config])


@pytest.mark.parametrize("config", CONFIGS)
def test_every_layer_name_shape_count_input_and_config_as_in_keras(config):
    theirs, ours = pair(config)
    assert ours.name == theirs.name
    assert layer_table(ours) == layer_table(theirs)
    assert wiring(ours) == wiring(theirs)
    assert [layer.get_config() for layer in ours.layers] == [layer.get_config() for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.shape for w in ours.non_trainable_weights] == [tuple(w.shape) for w in theirs.non_trainable_weights]


@pytest.mark.parametrize("name,kwargs,count", [
    ("VGG19", {}, 143_667_240), ("VGG19", {"include_top": False}, 20_024_384),
    ("VGG16", {}, 138_357_544), ("VGG16", {"include_top": False}, 14_714_688),
    ("Xception", {}, 22_910_480), ("Xception", {"include_top": False}, 20_861_480),
    ("ResNet50", {}, 25_636_712), ("ResNet50", {"include_top": False}, 23_587_712),
    ("ResNet101", {}, 44_707_176), ("ResNet152", {}, 60_419_944),
    ("ResNet50V2", {}, 25_613_800), ("ResNet50V2", {"include_top": False}, 23_564_800),
    ("ResNet101V2", {}, 44_675_560), ("ResNet152V2", {}, 60_380_648),
    ("MobileNetV2", {}, 3_538_984), ("MobileNetV2", {"include_top": False}, 2_257_984),
    ("MobileNetV2", {"alpha": 1.4}, 6_156_712), ("MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3)}, 1_691_208),
    ("InceptionV3", {}, 23_851_784), ("InceptionV3", {"include_top": False}, 21_802_784),
    ("EfficientNetB0", {}, 5_330_571), ("EfficientNetB0", {"include_top": False}, 4_049_571),
    ("EfficientNetB1", {}, 7_856_239), ("EfficientNetB2", {}, 9_177_569), ("EfficientNetB3", {}, 12_320_535),
    ("EfficientNetB4", {}, 19_466_823), ("EfficientNetB5", {}, 30_562_527), ("EfficientNetB6", {}, 43_265_143),
    ("EfficientNetB7", {}, 66_658_687)])
def test_parameter_counts_at_full_size(name, kwargs, count):
    """Keras's counts (each checked against Keras 3.15's model when this list was written)."""
    model = getattr(kerasbook.applications, name)(weights=None, **kwargs)
    assert model.count_params() == count


@pytest.mark.slow
@pytest.mark.parametrize("config,size", [("vgg19_top", 32), ("xception_top", 71), ("resnet50_top", 32),
                                         ("resnet50v2_pooled", 32), ("mobilenetv2_pooled", 33),
                                         ("inceptionv3_top", 75)])
def test_same_predictions_as_keras_with_the_same_weights(config, size):
    """(EfficientNet's numbers are compared with its ImageNet layers, further down.)"""
    theirs, ours = pair(config)
    module = {"ResNet50V2": "resnet_v2", "MobileNetV2": "mobilenet_v2", "InceptionV3": "inception_v3"}.get(
        CONFIGS[config][0], theirs.name)
    assert_same_predictions_with_the_same_weights(theirs, ours, size, module)


MODULES = {  # keras.applications.<module>: its models
    "vgg16": ["VGG16"], "vgg19": ["VGG19"], "xception": ["Xception"],
    "resnet": ["ResNet50", "ResNet101", "ResNet152"], "resnet50": ["ResNet50"],
    "resnet_v2": ["ResNet50V2", "ResNet101V2", "ResNet152V2"], "mobilenet_v2": ["MobileNetV2"],
    "inception_v3": ["InceptionV3"], "efficientnet": [f"EfficientNetB{i}" for i in range(8)],
}


@pytest.mark.parametrize("module", MODULES)
def test_module_names_and_signatures_as_keras(module):
    assert_module_as_keras(module, MODULES[module])
    ours = getattr(kerasbook.applications, module)
    namespace = __import__(f"kerasbook.applications.{module}", fromlist=["preprocess_input"])
    assert namespace.preprocess_input is ours.preprocess_input


@pytest.mark.parametrize("module", ["vgg16", "vgg19", "xception", "resnet50", "resnet_v2", "mobilenet_v2",
                                    "inception_v3"])
@pytest.mark.parametrize("shape,dtype", [((2, 5, 5, 3), "float32"), ((5, 4, 3), "uint8"), ((1, 3, 3, 3), "float64")])
def test_preprocess_input_as_keras(module, shape, dtype):
    images = (np.random.default_rng(1).random(shape) * 255).astype(dtype)
    expected = getattr(keras.applications, module).preprocess_input(images.copy())
    ours = getattr(kerasbook.applications, module).preprocess_input(images)
    assert isinstance(ours, np.ndarray) and ours.dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(getattr(kerasbook.applications, module).preprocess_input(
        kerasbook.ops.convert_to_tensor(images))), expected, rtol=1e-5)


def test_efficientnet_preprocess_input_returns_its_input_as_keras():
    """EfficientNet scales pixels inside the model: its preprocess_input is the identity, as in Keras."""
    images = np.random.default_rng(1).random((2, 4, 4, 3)) * 255
    assert kerasbook.applications.efficientnet.preprocess_input(images) is images
    assert keras.applications.efficientnet.preprocess_input(images) is images


def test_preprocess_input_channels_first_as_keras():
    images = np.random.default_rng(2).random((2, 3, 4, 4)).astype("float32") * 255
    for module in ("vgg19", "xception"):
        np.testing.assert_allclose(
            getattr(kerasbook.applications, module).preprocess_input(images, data_format="channels_first"),
            getattr(keras.applications, module).preprocess_input(images.copy(), data_format="channels_first"),
            rtol=1e-6)


@pytest.mark.parametrize("name,kwargs", [
    ("VGG19", dict(weights="imagenet", classes=10)),
    ("VGG16", dict(weights="no/such/file.h5")),
    ("VGG19", dict(weights="imagenet", input_shape=(32, 32, 3))),
    ("Xception", dict(weights=None, include_top=False, input_shape=(32, 32, 3))),
    ("Xception", dict(weights=None, include_top=False, input_shape=(80, 80))),
    ("VGG16", dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1))),
    ("VGG19", dict(weights=None, input_shape=(None, None, 3))),
    ("ResNet50", dict(weights="imagenet", classes=10)),
    ("ResNet50V2", dict(weights="no/such/file.h5")),
    ("ResNet101", dict(weights=None, include_top=False, input_shape=(31, 31, 3))),
    ("InceptionV3", dict(weights="imagenet", classes=10)),
    ("InceptionV3", dict(weights="no/such/file.h5")),
    ("InceptionV3", dict(weights=None, include_top=False, input_shape=(74, 75, 3))),
    ("MobileNetV2", dict(weights="imagenet", classes=10)),
    ("MobileNetV2", dict(weights="no/such/file.h5")),
    ("MobileNetV2", dict(weights="imagenet", alpha=0.6)),
    ("MobileNetV2", dict(weights="imagenet", input_shape=(100, 100, 3))),
    ("MobileNetV2", dict(input_tensor=np.zeros((1, 32, 32, 3)), input_shape=(32, 32, 3))),
    ("EfficientNetB0", dict(weights="imagenet", classes=10)),
    ("EfficientNetB3", dict(weights="no/such/file.h5")),
    ("EfficientNetB1", dict(weights="imagenet", input_shape=(224, 224, 3))),
])
def test_argument_errors_as_keras(name, kwargs):
    assert_same_value_error_as_keras(name, kwargs)


def test_classifier_activation_must_suit_pretrained_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="Only `None` and `softmax`.*classifier_activation=relu"):
        kerasbook.applications.Xception(weights="imagenet", classifier_activation="relu")


def test_a_missing_weights_file_fails_before_any_layer_is_built(tmp_path, monkeypatch):
    """Offline with an empty Keras cache, the real `get_file` fails at once (no network here), and
    before the model's first layer: no automatic name is used, not even the `Input`'s
    ("input_layer") or Xception's unnamed shortcut Conv2D and BatchNormalization."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    names_used = dict(naming._counts)
    with pytest.raises(OSError, match="Cannot download xception_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        kerasbook.applications.Xception(weights="imagenet", include_top=False, input_shape=(71, 71, 3))
    assert naming._counts == names_used


def test_mobilenet_v2_takes_its_size_and_name_from_an_input_tensor_as_keras():
    """Without `input_shape`, a square input tensor of a size Keras has weights for sets the size the
    classifier is built for, and so the name (and the weights file); given both, they must agree."""
    ours = kerasbook.applications.MobileNetV2(weights=None, input_tensor=kerasbook.Input((96, 96, 3)))
    theirs = keras_model("MobileNetV2", weights=None, input_tensor=keras.Input((96, 96, 3)))
    assert (ours.name, theirs.name) == ("mobilenetv2_1.00_96", "mobilenetv2_1.00_96")
    with pytest.raises(ValueError, match=r"^input_tensor.shape\[2\] must equal input_shape\[1\]; Received "
                                         r"`input_tensor.shape=\(None, 96, 96, 3\)`, `input_shape=\(64, 64, 3\)`$"):
        kerasbook.applications.MobileNetV2(weights=None, input_tensor=kerasbook.Input((96, 96, 3)),
                                           input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match=r"^input_tensor.shape\[2\] must equal input_shape\[1\]; Received "
                                         r"`input_tensor.shape=\(None, 96, 96, 3\)`, `input_shape=\(64, 64, 3\)`$"):
        keras.applications.MobileNetV2(weights=None, input_tensor=keras.Input((96, 96, 3)), input_shape=(64, 64, 3))


def test_input_tensor_keeps_what_came_before_it():
    image = kerasbook.Input((64, 64, 3), name="image")  # halved to 32: VGG16's five poolings leave 1 x 1
    halved = kerasbook.layers.MaxPooling2D(name="halve")(image)
    model = kerasbook.applications.VGG16(weights=None, include_top=False, input_tensor=halved, pooling="avg")
    assert model.inputs[0] is image
    assert [layer.name for layer in model.layers[:3]] == ["image", "halve", "block1_conv1"]
    assert model.predict(np.zeros((1, 64, 64, 3), "float32"), verbose=0).shape == (1, 512)


def write_legacy_h5(path, model, offset=0.0):
    """Keras 2's HDF5 weights layout, as Keras's ImageNet files have it: root attribute `layer_names`,
    one group per layer with attribute `weight_names` ("layer/kernel:0"), the datasets under those."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in model.layers:
            group = f.create_group(layer.name)
            weight_names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = [n.encode() for n in weight_names]
            for name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(name, data=value + offset)


def small_model(module, renamed=""):
    inputs = module.Input((6, 6, 3))
    x = module.layers.Conv2D(4, 3, name=f"{renamed}conv")(inputs)
    x = module.layers.BatchNormalization(name=f"{renamed}bn")(x)
    x = module.layers.GlobalMaxPooling2D()(x)
    outputs = module.layers.Dense(2, name=f"{renamed}dense")(x)
    return module.Model(inputs, outputs)


def test_legacy_h5_weights_load_by_layer_order_as_keras_reads_them(tmp_path):
    source = small_model(kerasbook)
    path = str(tmp_path / "legacy.h5")
    write_legacy_h5(path, source, offset=0.5)
    ours, theirs = small_model(kerasbook, renamed="other_"), small_model(keras)
    ours.load_weights(path)
    theirs.load_weights(path)
    for mine, keras_value, saved in zip(ours.get_weights(), theirs.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(mine, saved + 0.5)
        np.testing.assert_array_equal(mine, keras_value)


def test_legacy_h5_mismatches_are_named(tmp_path):
    path = str(tmp_path / "legacy.h5")
    write_legacy_h5(path, small_model(kerasbook))
    fewer = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(2, name="only")])
    with pytest.raises(ValueError, match="3 layers"):
        fewer.load_weights(path)
    wider = kerasbook.Sequential([kerasbook.Input((6, 6, 3)), kerasbook.layers.Conv2D(5, 3, name="wide"),
                                  kerasbook.layers.BatchNormalization(), kerasbook.layers.GlobalMaxPooling2D(),
                                  kerasbook.layers.Dense(2)])
    with pytest.raises(ValueError, match=r'"wide".*\(3, 3, 3, 5\)'):
        wider.load_weights(path)


def test_weights_argument_loads_a_legacy_file(tmp_path):
    source = kerasbook.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "vgg16_notop.h5")
    write_legacy_h5(path, source, offset=1.0)
    model = kerasbook.applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    np.testing.assert_array_equal(model.get_weights()[-1], source.get_weights()[-1] + 1.0)


def test_imagenet_weights_come_from_the_keras_cache_with_keras_name_and_hash(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    url = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" \
          "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert kerasbook.applications.vgg19.WEIGHTS_PATH_NO_TOP == keras.src.applications.vgg19.WEIGHTS_PATH_NO_TOP == url
    path = tmp_path / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    # No file and no network: the error says which file, from where, and where to put it.
    with pytest.raises(OSError) as missing:
        kerasbook.applications.VGG19(include_top=False)
    assert url in str(missing.value) and f"copy it to {path}" in str(missing.value)
    # The right name in the right place, but not Keras's file: the md5 hash gives it away.
    path.write_bytes(b"not the VGG19 weights")
    with pytest.raises(OSError) as wrong:
        kerasbook.applications.VGG19(include_top=False)
    assert "does not have the expected md5 hash 253f8cb515780f3b799900260a226db6" in str(wrong.value)
    assert "downloaded again" in capsys.readouterr().out
    assert path.read_bytes() == b"not the VGG19 weights"  # a failed download leaves the cache alone
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_weight_file_addresses_and_hashes_are_keras_own():
    ours = kerasbook.applications
    assert ours.resnet.BASE_WEIGHTS_PATH == KERAS_SOURCES.resnet.BASE_WEIGHTS_PATH
    assert ours.resnet.WEIGHTS_HASHES.items() <= KERAS_SOURCES.resnet.WEIGHTS_HASHES.items()
    assert ours.efficientnet.BASE_WEIGHTS_PATH == KERAS_SOURCES.efficientnet.BASE_WEIGHTS_PATH
    assert ours.efficientnet.WEIGHTS_HASHES == KERAS_SOURCES.efficientnet.WEIGHTS_HASHES
    assert ours.mobilenet_v2.BASE_WEIGHT_PATH == KERAS_SOURCES.mobilenet_v2.BASE_WEIGHT_PATH
    assert ours.inception_v3.WEIGHTS_PATH == KERAS_SOURCES.inception_v3.WEIGHTS_PATH
    assert ours.inception_v3.WEIGHTS_PATH_NO_TOP == KERAS_SOURCES.inception_v3.WEIGHTS_PATH_NO_TOP


@pytest.mark.parametrize("name,kwargs,url,md5", [
    ("ResNet50", dict(include_top=False), ROOT + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "4d473c1dd8becc155b73f8504c6f6626"),
    ("ResNet152V2", {}, ROOT + "resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels.h5",
     "a49b44d1979771252814e80f8ec446f9"),
    ("InceptionV3", {}, ROOT + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
     "9a0d58056eeedaa3f26cb7ebd46da564"),
    ("InceptionV3", dict(include_top=False), ROOT + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "bcbd6486424b2319ff4ef7d526e38f63"),
    ("EfficientNetB0", dict(include_top=False), "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
     "50bc09e76180e00e4465e1a485ddc09d"),
    ("EfficientNetB1", {}, "https://storage.googleapis.com/keras-applications/efficientnetb1.h5",
     "1d254153d4ab51201f1646940f018540"),
    ("MobileNetV2", dict(alpha=0.35, input_shape=(96, 96, 3)),
     ROOT + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5", None),
    ("MobileNetV2", dict(include_top=False, input_shape=(192, 192, 3)),
     ROOT + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_192_no_top.h5", None),
])
def test_imagenet_weights_are_asked_for_by_keras_file_name_address_and_hash(name, kwargs, url, md5, tmp_path,
                                                                          monkeypatch):
    """The file Keras's model of these arguments downloads (names, URLs and hashes as in Keras's
    sources); without network the error says where to put it. MobileNetV2's files have no hash."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert_asks_for_keras_file(name, kwargs, url, md5, tmp_path / "models" / url.rsplit("/", 1)[1])


def use_keras_home(folder, monkeypatch):
    """Keras's cache folder for this test (Keras reads KERAS_HOME once, on import). It must exist:
    Keras falls back to /tmp/.keras for a folder it cannot write to."""
    folder.mkdir()
    monkeypatch.setattr(keras.src.backend.config, "_KERAS_DIR", str(folder))


def test_mobilenet_v2_downloads_the_file_keras_downloads_for_its_width_and_size(tmp_path, server, monkeypatch):
    """Both libraries download from a local server. For a non-square image both warn and fall back to
    the weights for 224 x 224 (without the top, weights fit any size); the file and the values agree."""
    served, url = server
    source = keras_model("MobileNetV2", weights=None, alpha=0.35, include_top=False, input_shape=(32, 32, 3))
    values = weight_values(source, seed=3)
    source.set_weights(values)
    write_keras_h5(served / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5", source)
    monkeypatch.setattr(KERAS_SOURCES.mobilenet_v2, "BASE_WEIGHT_PATH", url)
    monkeypatch.setattr(kerasbook.applications.mobilenet_v2, "BASE_WEIGHT_PATH", url)
    use_keras_home(tmp_path / "keras_home", monkeypatch)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kerasbook_home"))
    with pytest.warns(UserWarning, match="non-square"):
        theirs = keras_model("MobileNetV2", alpha=0.35, include_top=False, input_shape=(100, 120, 3))
    with pytest.warns(UserWarning, match="non-square"):
        ours = kerasbook.applications.MobileNetV2(alpha=0.35, include_top=False, input_shape=(100, 120, 3))
    assert ours.name == theirs.name == "mobilenetv2_0.35_224"  # named after the weights' size
    for mine, value in zip(ours.get_weights(), values):
        np.testing.assert_array_equal(mine, value)
    cached = {home: sorted(p.name for p in (tmp_path / home / "models").iterdir())
              for home in ("keras_home", "kerasbook_home")}
    assert cached["kerasbook_home"] == cached["keras_home"] == sorted(p.name for p in served.iterdir())


@pytest.mark.slow
def test_efficientnet_imagenet_model_rescales_as_keras_with_its_weights(tmp_path, server, monkeypatch):
    """With ImageNet weights EfficientNet has one more layer (a Rescaling by 1/sqrt(std) per channel).
    Both libraries load a file Keras wrote, from a local server, under Keras's name; its md5 hash stands
    in for Keras's (the real hashes are checked above)."""
    served, url = server
    source = keras_model("EfficientNetB0", weights=None, include_top=False, input_shape=(32, 32, 3))
    values = weight_values(source, seed=4)
    source.set_weights(values)
    write_keras_h5(served / "efficientnetb0_notop.h5", source)
    hashes = {"b0": (None, hashlib.md5((served / "efficientnetb0_notop.h5").read_bytes()).hexdigest())}
    for module in (KERAS_SOURCES.efficientnet, kerasbook.applications.efficientnet):
        monkeypatch.setattr(module, "BASE_WEIGHTS_PATH", url)
        monkeypatch.setattr(module, "WEIGHTS_HASHES", hashes)
    use_keras_home(tmp_path / "keras_home", monkeypatch)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kerasbook_home"))
    theirs = keras_model("EfficientNetB0", include_top=False, input_shape=(32, 32, 3), pooling="avg")
    kerasbook.backend.clear_session()
    ours = kerasbook.applications.EfficientNetB0(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    assert layer_table(ours) == layer_table(theirs) and wiring(ours) == wiring(theirs)
    assert [type(layer).__name__ for layer in ours.layers[1:5]] == ["Rescaling", "Normalization", "Rescaling",
                                                                    "ZeroPadding2D"]
    for mine, value in zip(ours.get_weights(), values):
        np.testing.assert_array_equal(mine, value)
    theirs.set_weights(values)  # Keras loaded the file inside the stateless scope: its values were not kept
    assert_same_predictions(ours, theirs, np.random.default_rng(5).random((2, 32, 32, 3)).astype("float32") * 255)


def test_get_file_downloads_checks_the_hash_and_caches(tmp_path, server):
    served, url = server
    content = b"kerasbook" * 1000
    (served / "data.bin").write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()
    cache = str(tmp_path / "cache")
    path = kerasbook.utils.get_file("data.bin", url + "data.bin", file_hash=sha256, cache_dir=cache)
    assert path == keras.utils.get_file("data.bin", url + "data.bin", file_hash=sha256, cache_dir=cache)
    assert path == str(tmp_path / "cache" / "datasets" / "data.bin")
    assert open(path, "rb").read() == content
    (served / "data.bin").unlink()  # cached now: no download needed, md5 accepted too
    assert kerasbook.utils.get_file("data.bin", url + "data.bin", file_hash=sha256, cache_dir=cache) == path
    md5 = hashlib.md5(content).hexdigest()
    assert kerasbook.utils.get_file("data.bin", url + "data.bin", md5_hash=md5, cache_dir=cache) == path
    # A damaged cached file is downloaded again and replaced.
    (served / "data.bin").write_bytes(content)
    open(path, "wb").write(b"damaged")
    assert kerasbook.utils.get_file("data.bin", url + "data.bin", file_hash=sha256, cache_dir=cache) == path
    assert open(path, "rb").read() == content
    # A download with the wrong hash is refused and not kept.
    (served / "other.bin").write_bytes(b"something else")
    with pytest.raises(ValueError, match=f"expected sha256 hash {sha256}"):
        kerasbook.utils.get_file("other.bin", url + "other.bin", file_hash=sha256, cache_dir=cache)
    assert sorted(p.name for p in (tmp_path / "cache" / "datasets").iterdir()) == ["data.bin"]
    # fname defaults to the URL's last part; cache_subdir as Keras.
    (served / "named.txt").write_bytes(b"hello")
    assert kerasbook.utils.get_file(origin=url + "named.txt", cache_subdir="models", cache_dir=cache) == \
        str(tmp_path / "cache" / "models" / "named.txt")


def test_get_file_without_network_fails_fast_and_says_where_the_file_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(OSError) as error:
        kerasbook.utils.get_file("missing.bin", "http://127.0.0.1:9/x")
    message = str(error.value)
    assert "Cannot download missing.bin from http://127.0.0.1:9/x" in message
    assert f"copy it to {tmp_path / 'home' / 'datasets' / 'missing.bin'}" in message
    assert list((tmp_path / "home" / "datasets").iterdir()) == []  # no partial file left behind


def test_decode_predictions_as_keras(monkeypatch):
    """The same class index in both caches (Keras's module global and ours): the same decoding."""
    preds, ours = decode_predictions_as_keras(MODULES, monkeypatch)
    assert ours[0][0][:2] == tuple(SMALL_INDEX[str(preds[0].argmax())])
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        kerasbook.applications.xception.decode_predictions(preds[:, :10])


def test_decode_predictions_reads_the_class_index_from_the_keras_cache(tmp_path, monkeypatch):
    """Only Keras's own file is used: a different JSON in its place is rejected by the md5 hash."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "imagenet_class_index.json").write_text(json.dumps(SMALL_INDEX))
    with pytest.raises(OSError) as error:
        kerasbook.applications.vgg16.decode_predictions(np.ones((1, 1000)))
    message = str(error.value)
    assert str(tmp_path / "models" / "imagenet_class_index.json") in message
    assert "c2c37ea517e94d9795004a39431a14cb" in message and imagenet_utils.CLASS_INDEX_PATH in message
    assert imagenet_utils.CLASS_INDEX_PATH == keras_imagenet_utils.CLASS_INDEX_PATH
