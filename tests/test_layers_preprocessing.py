"""Preprocessing and augmentation layers against Keras 3: configs, shapes, inference values, files;
random layers act only in training, follow their seeds and keep Keras's value ranges."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle
from layer_twins import assert_files_pass_both_ways, assert_same_config, twins

rng = np.random.default_rng(0)
IMAGES = (rng.random(size=(3, 10, 12, 3)) * 255).astype("float32")

DETERMINISTIC = [
    ("Rescaling", (1 / 255,), {}), ("Rescaling", (1 / 127.5,), {"offset": -1}),
    ("Rescaling", ([0.5, 1.0, 2.0],), {}),
    ("Resizing", (5, 6), {}), ("Resizing", (15, 8), {"interpolation": "nearest"}),
    ("Resizing", (6, 6), {"crop_to_aspect_ratio": True}), ("Resizing", (6, 6), {"pad_to_aspect_ratio": True}),
    ("Resizing", (4, 14), {"pad_to_aspect_ratio": True, "fill_value": 7.0}),
    ("Resizing", (7, 9), {"interpolation": "bicubic", "antialias": True}),
    ("CenterCrop", (4, 5), {}), ("CenterCrop", (10, 12), {}), ("CenterCrop", (14, 9), {}),
    ("Normalization", (), {"mean": 3.0, "variance": 4.0}),
    ("Normalization", (), {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}),
    ("Normalization", (), {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0], "invert": True}),
]


@pytest.mark.parametrize("name,args,kwargs", DETERMINISTIC)
def test_deterministic_layers_equal_keras(name, args, kwargs):
    ours, theirs = twins(name, *args, **kwargs)
    expected = np.asarray(theirs(IMAGES))
    np.testing.assert_allclose(np.asarray(ours(IMAGES)), expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(ours(IMAGES[0])), np.asarray(theirs(IMAGES[0])), rtol=1e-5, atol=1e-4)
    assert_same_config(ours, theirs)
    assert ours.compute_output_shape((None, 10, 12, 3)) == tuple(theirs.compute_output_shape((None, 10, 12, 3)))


def test_rescaling_turns_integers_into_floats():
    out = kerasbook.layers.Rescaling(1 / 255)(np.array([[0, 255]], "uint8"))
    assert out.dtype == np.float32 and np.allclose(out, [[0, 1]])


@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_normalization_adapt_equals_keras(axis):
    data = rng.normal(3.0, 2.0, size=(40, 5, 3)).astype("float32")
    ours, theirs = twins("Normalization", axis=axis)
    ours.adapt(data)
    theirs.adapt(data)
    np.testing.assert_allclose(np.asarray(ours(data)), np.asarray(theirs(data)), rtol=1e-4, atol=1e-4)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert_same_config(ours, theirs)
    batches = [data[:13], data[13:30], data[30:]]  # adapt on batches merges them as one array
    merged = kerasbook.layers.Normalization(axis=axis)
    merged.adapt(batches)
    np.testing.assert_allclose(np.asarray(merged(data)), np.asarray(ours(data)), rtol=1e-4, atol=1e-4)


def test_normalization_invert_undoes_adapted_normalization():
    data = rng.normal(5.0, 3.0, size=(64, 4)).astype("float32")
    norm = kerasbook.layers.Normalization()
    norm.adapt(data)
    out = np.asarray(norm(data))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    back = kerasbook.layers.Normalization(mean=np.asarray(norm.adapt_mean.value),
                                          variance=np.asarray(norm.adapt_variance.value), invert=True)
    np.testing.assert_allclose(np.asarray(back(out)), data, rtol=1e-4, atol=1e-4)


def test_adapted_normalization_files_pass_both_ways(tmp_path):
    data = rng.normal(2.0, 3.0, size=(32, 4)).astype("float32")
    ours, theirs = twins("Normalization")
    ours.adapt(data)
    theirs.adapt(data)
    assert_files_pass_both_ways(tmp_path, ours, theirs, (4,), data, atol=1e-4)


@pytest.mark.parametrize("name,args", [("Rescaling", (0.5, 1.0)), ("Resizing", (5, 6)), ("CenterCrop", (4, 4)),
                                       ("RandomFlip", ()), ("RandomRotation", (0.2,)), ("RandomZoom", (0.3,)),
                                       ("RandomTranslation", (0.1, 0.2)), ("RandomContrast", (0.4,)),
                                       ("RandomBrightness", (0.2,))])
def test_files_pass_both_ways(tmp_path, name, args):
    """In a saved model, random layers are identities at inference: both packages agree."""
    ours, theirs = twins(name, *args)
    assert_files_pass_both_ways(tmp_path, ours, theirs, (10, 12, 3), IMAGES, atol=1e-3)


RANDOM = [("RandomFlip", (), {}), ("RandomFlip", ("horizontal",), {}), ("RandomRotation", (0.2,), {}),
          ("RandomRotation", ((-0.1, 0.3),), {"fill_mode": "constant", "fill_value": 1.0}),
          ("RandomZoom", (0.3,), {}), ("RandomZoom", ((-0.4, -0.2), (0.1, 0.2)), {"interpolation": "nearest"}),
          ("RandomTranslation", (0.2, 0.1), {"fill_mode": "wrap"}), ("RandomCrop", (4, 5), {}),
          ("RandomContrast", (0.5,), {}), ("RandomContrast", ((0.2, 0.6),), {"value_range": (0, 1)}),
          ("RandomBrightness", (0.3,), {}), ("RandomBrightness", ((-0.5, 0.1),), {"value_range": [0, 1]})]


@pytest.mark.parametrize("name,args,kwargs", RANDOM)
def test_random_layers_act_only_in_training(name, args, kwargs):
    ours, theirs = twins(name, *args, seed=3, **kwargs)
    config = ours.get_config()
    assert_same_config(ours, theirs)
    assert config["seed"] == 3
    # inference: unchanged, as Keras (RandomCrop too: Keras 3 passes images through in inference)
    np.testing.assert_array_equal(np.asarray(ours(IMAGES, training=False)), np.asarray(theirs(IMAGES, training=False)))
    model = kerasbook.Sequential([kerasbook.Input((10, 12, 3)), ours])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    # training (a direct call counts as training, as in Keras): changed, shaped and ranged as Keras's
    data = IMAGES / 255 if kwargs.get("value_range") in ((0, 1), [0, 1]) else IMAGES
    changed = [np.asarray(ours(data)) for _ in range(4)]
    expected = np.asarray(theirs(data))
    assert changed[0].shape == expected.shape and changed[0].dtype == expected.dtype
    assert any(not np.allclose(c, data) if c.shape == data.shape else True for c in changed)
    low, high = data.min(), data.max()
    if "value_range" in kwargs:
        low, high = kwargs["value_range"]
    elif name in ("RandomContrast", "RandomBrightness"):
        low, high = 0, 255
    for c in changed:
        assert low - 1e-3 <= c.min() and c.max() <= high + 1e-3
    # the same seed gives the same changes
    again = getattr(kerasbook.layers, name)(*args, seed=3, **kwargs)
    np.testing.assert_array_equal(np.asarray(again(data)), changed[0])


def test_random_layers_change_pictures_as_their_names_say():
    ramp = np.tile(np.arange(8, dtype="float32"), (8, 1))[None, :, :, None]  # columns 0..7
    flipped = np.asarray(kerasbook.layers.RandomFlip("horizontal", seed=0)(np.repeat(ramp, 16, axis=0)))
    kinds = {tuple(f[0, :, 0]) for f in flipped}
    assert kinds == {tuple(range(8)), tuple(range(7, -1, -1))}  # some flipped, some not, nothing else
    quarter = kerasbook.layers.RandomRotation((0.25, 0.25), interpolation="nearest")(ramp)
    np.testing.assert_allclose(np.asarray(quarter)[0, :, :, 0], np.rot90(ramp[0, :, :, 0]), atol=1e-4)
    shifted = kerasbook.layers.RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant")(ramp.transpose(0, 2, 1, 3))
    assert np.allclose(np.asarray(shifted)[0, :2, :, 0], 0) and np.allclose(np.asarray(shifted)[0, 2, :, 0], 0)
    zoom_in = np.asarray(kerasbook.layers.RandomZoom((-0.5, -0.5))(ramp))[0, 0, :, 0]
    assert zoom_in.min() > 1 and zoom_in.max() < 6  # the middle columns fill the picture


def test_augmentation_runs_in_fit():
    model = kerasbook.Sequential([kerasbook.Input((10, 12, 3)), kerasbook.layers.RandomFlip(seed=1),
                                  kerasbook.layers.RandomRotation(0.1, seed=1), kerasbook.layers.RandomCrop(8, 8, seed=1),
                                  kerasbook.layers.Rescaling(1 / 255), kerasbook.layers.Flatten(),
                                  kerasbook.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(IMAGES, np.zeros((3, 2)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_bad_factors_fail():
    with pytest.raises(ValueError, match="factor"):
        kerasbook.layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="mode"):
        kerasbook.layers.RandomFlip("sideways")


TOKENS = np.array([[0, 1, 1, 3], [2, 2, 2, 2], [3, 0, 1, 2]])
ENCODINGS = [({"num_tokens": 4}, TOKENS), ({"num_tokens": 5, "output_mode": "count"}, TOKENS),
             ({"num_tokens": 4, "output_mode": "one_hot"}, TOKENS),
             ({"num_tokens": 4, "output_mode": "one_hot"}, TOKENS[:, :1]),
             ({"num_tokens": 4, "output_mode": "one_hot"}, TOKENS[:, 0]),
             ({"num_tokens": 4, "output_mode": "binary"}, TOKENS)]


@pytest.mark.parametrize("kwargs,tokens", ENCODINGS)
def test_category_encoding_equals_keras(kwargs, tokens):
    ours, theirs = twins("CategoryEncoding", **kwargs)
    expected = np.asarray(theirs(tokens))
    out = np.asarray(ours(tokens))
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype
    assert_same_config(ours, theirs)
    assert ours.compute_output_shape((None,) + tokens.shape[1:]) == tuple(
        theirs.compute_output_shape((None,) + tokens.shape[1:]))


def test_category_encoding_counts_weights_as_keras():
    weights = rng.random(TOKENS.shape).astype("float32")
    ours, theirs = twins("CategoryEncoding", 4, output_mode="count")
    np.testing.assert_allclose(np.asarray(ours(TOKENS, count_weights=weights)),
                               np.asarray(theirs(TOKENS, count_weights=weights)), rtol=1e-6)


NUMBERS = np.array([[-1.5, 0.0, 0.3, 1.0], [2.0, 5.0, -0.1, 1.9]], "float32")


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_equals_keras(mode):
    ours, theirs = twins("Discretization", bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
    x = NUMBERS if mode in ("int", "multi_hot", "count") else NUMBERS[:, :1]
    expected = np.asarray(theirs(x))
    np.testing.assert_array_equal(np.asarray(ours(x)), expected)
    assert np.asarray(ours(x)).dtype == expected.dtype
    assert_same_config(ours, theirs)


def test_discretization_adapt_puts_as_many_values_in_each_bin(tmp_path):
    """Keras 3.15's adapt needs TensorFlow (not installed): checked on its meaning, then in Keras."""
    data = rng.normal(size=(4000, 1)).astype("float32")
    ours = kerasbook.layers.Discretization(num_bins=4)
    ours.adapt(data)
    np.testing.assert_allclose(ours.bin_boundaries, [-0.674, 0.0, 0.674], atol=0.06)  # normal quartiles
    counts = np.bincount(np.asarray(ours(data)).ravel(), minlength=4)
    assert counts.min() >= 999 and counts.max() <= 1001
    model = kerasbook.Sequential([kerasbook.Input((1,)), ours])
    model.save(tmp_path / "d.keras")
    loaded = keras.models.load_model(tmp_path / "d.keras")  # boundaries travel in the config
    assert loaded.layers[-1].bin_boundaries == ours.bin_boundaries
    np.testing.assert_array_equal(loaded.predict(data[:50], verbose=0), model.predict(data[:50], verbose=0))


def test_adapted_normalization_trains_in_a_model_and_keeps_its_statistics():
    data = rng.normal(50.0, 10.0, size=(64, 3)).astype("float32")
    norm = kerasbook.layers.Normalization()
    norm.adapt(data)
    model = kerasbook.Sequential([kerasbook.Input((3,)), norm, kerasbook.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(data, data[:, :1] / 50, epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0]
    assert norm.trainable_weights == [] and len(norm.non_trainable_weights) == 3
    np.testing.assert_allclose(np.asarray(norm.adapt_mean.value), data.mean(axis=0), rtol=1e-5)
