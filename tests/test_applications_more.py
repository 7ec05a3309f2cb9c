"""The remaining ImageNet applications (DenseNet, MobileNet v1 and v3, InceptionResNetV2, ConvNeXt,
EfficientNetV2, NASNet) beside Keras 3.15's.

Kept fast as tests/test_applications.py is: each architecture is built once, at the smallest input it
accepts, and compared layer by layer with Keras's model built in `keras.StatelessScope` (variables
without values); numbers are compared for one configuration per family; full-size parameter counts
are Keras's (each checked against Keras 3.15's model, built without values, when the list was written).
"""

import functools
import hashlib
import inspect
import json
import re

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

from application_helpers import (KERAS_SOURCES, ROOT, assert_asks_for_keras_file, assert_module_as_keras,
                                 assert_same_predictions_with_the_same_weights, assert_same_value_error_as_keras,
                                 build_pair, decode_predictions_as_keras, keras_model, layer_table, server,
                                 weight_values, wiring, write_keras_h5)

CONFIGS = {  # the smallest inputs each accepts, one with the top and one pooled per family
    "densenet121_top": ("DenseNet121", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                            classifier_activation=None)),
    "densenet169_pooled": ("DenseNet169", dict(include_top=False, input_shape=(32, 32, 3), pooling="max")),
    "mobilenet_top": ("MobileNet", dict(include_top=True, input_shape=(32, 32, 3), alpha=0.5, classes=10,
                                        classifier_activation=None)),
    "mobilenet_pooled": ("MobileNet", dict(include_top=False, input_shape=(33, 33, 3), depth_multiplier=2,
                                           pooling="avg")),
    "mobilenetv3small_top": ("MobileNetV3Small", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                                      classifier_activation=None)),
    # minimalistic: no squeeze-and-excite, ReLU throughout; alpha > 1 widens the classifier too
    "mobilenetv3large_top": ("MobileNetV3Large", dict(include_top=True, input_shape=(33, 33, 3), alpha=1.25,
                                                      minimalistic=True, classes=10, classifier_activation=None)),
    "mobilenetv3large_pooled": ("MobileNetV3Large", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg",
                                                         include_preprocessing=False)),
    "inceptionresnetv2_top": ("InceptionResNetV2", dict(include_top=True, input_shape=(75, 75, 3), classes=10,
                                                        classifier_activation=None)),
    "inceptionresnetv2_pooled": ("InceptionResNetV2", dict(include_top=False, input_shape=(76, 77, 3),
                                                           pooling="max")),
    "convnexttiny_top": ("ConvNeXtTiny", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                              classifier_activation=None)),
    "convnextsmall_pooled": ("ConvNeXtSmall", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg",
                                                   include_preprocessing=False)),
    "efficientnetv2b0_top": ("EfficientNetV2B0", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                                      classifier_activation=None)),
    "efficientnetv2b3_pooled": ("EfficientNetV2B3", dict(include_top=False, input_shape=(33, 33, 3), pooling="max")),
    # S, M and L rescale to [-1, 1) instead of normalizing (M and L: their stages are compared with Keras's
    # DEFAULT_BLOCKS_ARGS and their full-size counts below)
    "efficientnetv2s_pooled": ("EfficientNetV2S", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    "nasnetmobile_top": ("NASNetMobile", dict(include_top=True, input_shape=(32, 32, 3), classes=10,
                                              classifier_activation=None)),
    "nasnetlarge_pooled": ("NASNetLarge", dict(include_top=False, input_shape=(33, 33, 3), pooling="avg")),
}


@functools.cache
def pair(config):
    """`build_pair` for one of CONFIGS, once for the module."""
    return build_pair(*CONFIGS[config])


def weight_name(weight):
    """A Keras weight's name, where kerasbook names it alike: Keras numbers the weights created without
    a name across the session (ConvNeXt's LayerScale: variable, variable_1, ...); kerasbook calls each
    one "variable" (the layer's path tells them apart)."""
    return re.sub(r"^variable_\d+$", "variable", weight.name)


def as_json(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("config", CONFIGS)
def test_every_layer_name_shape_count_input_and_config_as_in_keras(config):
    theirs, ours = pair(config)
    assert ours.name == theirs.name
    assert layer_table(ours) == layer_table(theirs)
    assert wiring(ours) == wiring(theirs)
    assert [layer.get_config() for layer in ours.layers if not isinstance(layer, kerasbook.Model)] == \
        [layer.get_config() for layer in theirs.layers if not isinstance(layer, keras.Model)]
    # ConvNeXt's inner Sequential models: kerasbook writes their layers' build shapes as lists, Keras as
    # tuples; the same once written as JSON, as in a .keras file
    assert [as_json(layer.get_config()) for layer in ours.layers if isinstance(layer, kerasbook.Model)] == \
        [as_json(layer.get_config()) for layer in theirs.layers if isinstance(layer, keras.Model)]
    assert ours.count_params() == theirs.count_params()
    assert [(w.name, w.shape) for w in ours.weights] == [(weight_name(w), tuple(w.shape)) for w in theirs.weights]
    assert [w.shape for w in ours.non_trainable_weights] == [tuple(w.shape) for w in theirs.non_trainable_weights]


def summary_text(model):
    lines = []
    model.summary(print_fn=lambda text, line_break=False: lines.append(text))
    return "\n".join(lines).rstrip("\n")  # Keras hands print_fn a trailing newline


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.endswith("_top")])
def test_summary_as_in_keras(config, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich (Keras's table renderer) reads the console width
    theirs, ours = pair(config)
    assert summary_text(ours) == summary_text(theirs)


@pytest.mark.slow
@pytest.mark.parametrize("config,size,module", [("densenet121_top", 32, "densenet"),
                                                ("mobilenet_pooled", 33, "mobilenet"),
                                                ("mobilenetv3small_top", 32, "mobilenet_v3"),
                                                ("inceptionresnetv2_top", 75, "inception_resnet_v2"),
                                                ("convnexttiny_top", 32, "convnext"),
                                                ("efficientnetv2b0_top", 32, "efficientnet_v2"),
                                                ("nasnetmobile_top", 32, "nasnet")])
def test_same_predictions_as_keras_with_the_same_weights(config, size, module):
    assert_same_predictions_with_the_same_weights(*pair(config), size, module)


@pytest.mark.parametrize("name,kwargs,count", [
    ("DenseNet121", {}, 8_062_504), ("DenseNet121", {"include_top": False}, 7_037_504),
    ("DenseNet169", {}, 14_307_880), ("DenseNet201", {}, 20_242_984),
    ("MobileNet", {}, 4_253_864), ("MobileNet", {"include_top": False}, 3_228_864),
    ("MobileNet", {"alpha": 0.25, "input_shape": (128, 128, 3)}, 475_544),
    ("MobileNetV3Small", {}, 2_554_968), ("MobileNetV3Small", {"include_top": False}, 939_120),
    ("MobileNetV3Small", {"alpha": 0.75}, 2_051_552), ("MobileNetV3Large", {}, 5_507_432),
    ("MobileNetV3Large", {"minimalistic": True}, 3_948_688), ("MobileNetV3Large", {"alpha": 1.25}, 8_286_760),
    ("InceptionResNetV2", {}, 55_873_736), ("InceptionResNetV2", {"include_top": False}, 54_336_736),
    ("ConvNeXtTiny", {}, 28_589_128), ("ConvNeXtTiny", {"include_top": False}, 27_820_128),
    ("ConvNeXtSmall", {}, 50_223_688), ("ConvNeXtBase", {}, 88_591_464), ("ConvNeXtLarge", {}, 197_767_336),
    ("ConvNeXtXLarge", {}, 350_196_968),
    ("EfficientNetV2B0", {}, 7_200_312), ("EfficientNetV2B0", {"include_top": False}, 5_919_312),
    ("EfficientNetV2B1", {}, 8_212_124), ("EfficientNetV2B2", {}, 10_178_374), ("EfficientNetV2B3", {}, 14_467_622),
    ("EfficientNetV2S", {}, 21_612_360), ("EfficientNetV2M", {}, 54_431_388), ("EfficientNetV2L", {}, 119_027_848),
    ("NASNetMobile", {}, 5_326_716), ("NASNetMobile", {"include_top": False}, 4_269_716),
    ("NASNetLarge", {}, 88_949_818), ("NASNetLarge", {"include_top": False}, 84_887_922),
])
def test_parameter_counts_at_full_size(name, kwargs, count):
    """Keras's counts (each checked against Keras 3.15's model, built without values, when written)."""
    model = getattr(kerasbook.applications, name)(weights=None, **kwargs)
    assert model.count_params() == count


MODULES = {  # keras.applications.<module>: its models
    "densenet": ["DenseNet121", "DenseNet169", "DenseNet201"], "mobilenet": ["MobileNet"],
    "inception_resnet_v2": ["InceptionResNetV2"],
    "efficientnet_v2": [f"EfficientNetV2{size}" for size in ("B0", "B1", "B2", "B3", "L", "M", "S")],
    "nasnet": ["NASNetLarge", "NASNetMobile"],
    "convnext": ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge"],
    "mobilenet_v3": [],  # Keras exports MobileNetV3Small and MobileNetV3Large from keras.applications only
}
MODELS = sorted(name for names in MODULES.values() for name in names) + ["MobileNetV3Large", "MobileNetV3Small"]


def test_every_keras_application_and_module_is_here():
    """keras.applications' public names, models and modules alike."""
    theirs = {name for name in dir(keras.applications) if not name.startswith("_")}
    assert theirs <= set(dir(kerasbook.applications))
    assert set(MODELS) <= theirs


@pytest.mark.parametrize("name", MODELS)
def test_model_signatures_as_keras(name):
    assert inspect.signature(getattr(kerasbook.applications, name)) == \
        inspect.signature(getattr(keras.applications, name))


@pytest.mark.parametrize("module", MODULES)
def test_module_names_and_signatures_as_keras(module):
    assert_module_as_keras(module, MODULES[module])


@pytest.mark.parametrize("module", [m for m in MODULES])
@pytest.mark.parametrize("shape,dtype", [((2, 5, 5, 3), "float32"), ((5, 4, 3), "uint8")])
def test_preprocess_input_as_keras(module, shape, dtype):
    images = (np.random.default_rng(1).random(shape) * 255).astype(dtype)
    expected = getattr(keras.applications, module).preprocess_input(images.copy())
    ours = getattr(kerasbook.applications, module).preprocess_input(images)
    assert np.asarray(ours).dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-6)


def test_decode_predictions_as_keras(monkeypatch):
    decode_predictions_as_keras(MODULES, monkeypatch)


@pytest.mark.parametrize("name,kwargs", [
    ("DenseNet121", dict(weights="imagenet", classes=10)),
    ("DenseNet169", dict(weights="no/such/file.h5")),
    ("DenseNet201", dict(weights=None, include_top=False, input_shape=(31, 31, 3))),
    ("MobileNet", dict(weights="imagenet", classes=10)),
    ("MobileNet", dict(weights="no/such/file.h5")),
    ("MobileNet", dict(weights="imagenet", alpha=0.6)),
    ("MobileNet", dict(weights="imagenet", depth_multiplier=2)),
    ("MobileNet", dict(weights="imagenet", input_shape=(100, 100, 3))),
    ("MobileNetV3Small", dict(weights="imagenet", classes=10)),
    ("MobileNetV3Large", dict(weights="no/such/file.h5")),
    ("MobileNetV3Large", dict(weights="imagenet", alpha=0.5)),
    ("MobileNetV3Small", dict(weights="imagenet", alpha=0.75, minimalistic=True)),
    ("MobileNetV3Small", dict(weights=None, input_shape=(31, 40, 3))),
    ("InceptionResNetV2", dict(weights="imagenet", classes=10)),
    ("InceptionResNetV2", dict(weights="no/such/file.h5")),
    ("InceptionResNetV2", dict(weights=None, include_top=False, input_shape=(74, 80, 3))),
    ("ConvNeXtTiny", dict(weights="imagenet", classes=10)),
    ("ConvNeXtBase", dict(weights="no/such/file.h5")),
    ("ConvNeXtSmall", dict(weights="imagenet", name="my_convnext", include_top=False, input_shape=(32, 32, 3))),
    ("EfficientNetV2B0", dict(weights="imagenet", classes=10)),
    ("EfficientNetV2L", dict(weights="no/such/file.h5")),
    ("EfficientNetV2S", dict(weights="imagenet", input_shape=(224, 224, 3))),
    ("NASNetMobile", dict(weights="imagenet", classes=10)),
    ("NASNetLarge", dict(weights="no/such/file.h5")),
    ("NASNetLarge", dict(weights="imagenet", include_top=False, input_shape=(None, None, 3))),
    ("NASNetMobile", dict(weights=None, include_top=False, input_shape=(31, 31, 3))),
])
def test_argument_errors_as_keras(name, kwargs):
    assert_same_value_error_as_keras(name, kwargs)


CACHED_NAMES = {"NASNet-mobile.h5": "nasnet_mobile.h5", "NASNet-large-no-top.h5": "nasnet_large_no_top.h5"}


@pytest.mark.parametrize("name,kwargs,url,md5", [
    ("DenseNet121", {}, ROOT + "densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5",
     "9d60b8095a5708f2dcce2bca79d332c7"),
    ("DenseNet201", dict(include_top=False), ROOT + "densenet/densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "c13680b51ded0fb44dff2d8f86ac8bb1"),
    ("MobileNet", dict(alpha=0.25, input_shape=(128, 128, 3)), ROOT + "mobilenet/mobilenet_2_5_128_tf.h5", None),
    ("MobileNet", dict(include_top=False, input_shape=(160, 160, 3), alpha=0.75),
     ROOT + "mobilenet/mobilenet_7_5_160_tf_no_top.h5", None),
    ("MobileNetV3Small", dict(alpha=0.75, input_shape=(224, 224, 3)),
     ROOT + "mobilenet_v3/weights_mobilenet_v3_small_224_0.75_float.h5",
     "cb65d4e5be93758266aa0a7f2c6708b7"),
    ("MobileNetV3Large", dict(include_top=False, minimalistic=True, input_shape=(224, 224, 3)),
     ROOT + "mobilenet_v3/weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5",
     "ec5221f64a2f6d1ef965a614bdae7973"),
    ("InceptionResNetV2", {}, ROOT + "inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
     "e693bd0210a403b3192acc6073ad2e96"),
    ("ConvNeXtXLarge", dict(include_top=False), ROOT + "convnext/convnext_xlarge_notop.h5",
     "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
    ("EfficientNetV2B2", {}, ROOT + "efficientnet_v2/efficientnetv2-b2.h5", "424e49f28180edbde1e94797771950a7"),
    ("EfficientNetV2M", dict(include_top=False), ROOT + "efficientnet_v2/efficientnetv2-m_notop.h5",
     "1b8dc055df72dde80d614482840fe342"),
    ("NASNetMobile", {}, ROOT + "nasnet/NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
    ("NASNetLarge", dict(include_top=False), ROOT + "nasnet/NASNet-large-no-top.h5",
     "d81d89dc07e6e56530c4e77faddd61b5"),
    ("ConvNeXtTiny", dict(name="convnext_tiny_mine"), ROOT + "convnext/convnext_tiny_mine.h5",
     "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff"),
])
def test_imagenet_weights_are_asked_for_by_keras_file_name_address_and_hash(name, kwargs, url, md5, tmp_path,
                                                                          monkeypatch):
    """The file Keras's model of these arguments downloads (NASNet's is cached under another name
    than the URL's); without network the error says where to
    put it, and a file with another md5 hash is refused. MobileNet's files have no hash in Keras."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    file_name = url.rsplit("/", 1)[1]
    assert_asks_for_keras_file(name, kwargs, url, md5, tmp_path / "models" / CACHED_NAMES.get(file_name, file_name))


def test_weight_file_addresses_and_hashes_are_keras_own():
    ours = kerasbook.applications
    assert ours.densenet.BASE_WEIGHTS_PATH == KERAS_SOURCES.densenet.BASE_WEIGHTS_PATH
    assert ours.mobilenet.BASE_WEIGHT_PATH == KERAS_SOURCES.mobilenet.BASE_WEIGHT_PATH
    assert ours.mobilenet_v3.BASE_WEIGHT_PATH == KERAS_SOURCES.mobilenet_v3.BASE_WEIGHT_PATH
    assert ours.mobilenet_v3.WEIGHTS_HASHES == KERAS_SOURCES.mobilenet_v3.WEIGHTS_HASHES
    assert ours.inception_resnet_v2.BASE_WEIGHT_URL == KERAS_SOURCES.inception_resnet_v2.BASE_WEIGHT_URL
    assert ours.convnext.BASE_WEIGHTS_PATH == KERAS_SOURCES.convnext.BASE_WEIGHTS_PATH
    assert ours.convnext.WEIGHTS_HASHES == KERAS_SOURCES.convnext.WEIGHTS_HASHES
    assert ours.convnext.MODEL_CONFIGS == KERAS_SOURCES.convnext.MODEL_CONFIGS
    assert ours.efficientnet_v2.BASE_WEIGHTS_PATH == KERAS_SOURCES.efficientnet_v2.BASE_WEIGHTS_PATH
    assert ours.efficientnet_v2.WEIGHTS_HASHES == KERAS_SOURCES.efficientnet_v2.WEIGHTS_HASHES
    assert ours.efficientnet_v2.DEFAULT_BLOCKS_ARGS == KERAS_SOURCES.efficientnet_v2.DEFAULT_BLOCKS_ARGS
    for path in ("NASNET_MOBILE_WEIGHT_PATH", "NASNET_MOBILE_WEIGHT_PATH_NO_TOP", "NASNET_LARGE_WEIGHT_PATH",
                 "NASNET_LARGE_WEIGHT_PATH_NO_TOP"):
        assert getattr(ours.nasnet, path) == getattr(KERAS_SOURCES.nasnet, path)


def test_nasnet_mobile_loads_keras_imagenet_file_from_a_server(tmp_path, server, monkeypatch):
    """NASNet's layers are mostly unnamed (activation_93, ...): a file Keras wrote for its model loads
    into kerasbook's, value for value, downloaded under Keras's cache name; the md5 of the served file
    stands in for Keras's (the real hashes are checked above)."""
    served, url = server
    source = keras_model("NASNetMobile", weights=None, include_top=False, input_shape=(32, 32, 3))
    values = weight_values(source, seed=6)
    source.set_weights(values)
    write_keras_h5(served / "NASNet-mobile-no-top.h5", source)
    md5 = hashlib.md5((served / "NASNet-mobile-no-top.h5").read_bytes()).hexdigest()
    monkeypatch.setitem(kerasbook.applications.nasnet.WEIGHT_FILES, (224, False),
                        ("nasnet_mobile_no_top.h5", url + "NASNet-mobile-no-top.h5", md5))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kerasbook_home"))
    kerasbook.backend.clear_session()
    ours = kerasbook.applications.NASNetMobile(include_top=False, input_shape=(32, 32, 3))
    assert [p.name for p in (tmp_path / "kerasbook_home" / "models").iterdir()] == ["nasnet_mobile_no_top.h5"]
    assert len(ours.get_weights()) == len(values)
    for mine, value in zip(ours.get_weights(), values):
        np.testing.assert_array_equal(mine, value)
