"""keras.utils: image_dataset_from_directory, text_dataset_from_directory, split_dataset, Progbar.

Keras 3.15 builds these datasets with TensorFlow (not installed here), but the parts that decide the
result are plain Python in Keras and run here as oracles: `index_directory` (which files, labels and
order, for a seed), `get_training_or_validation_split`, `_load_image_grain` (Pillow and
`keras.ops.image.resize` on JAX: each image's values) and `_rescale_dataset_split_sizes`.
"""

import os
import random
import re

import numpy as np
import pytest
from PIL import Image

import kerasbook

import keras  # the oracle
from keras.src.utils import dataset_utils as keras_dataset_utils
from keras.src.utils import image_dataset_utils as keras_image_utils

utils = kerasbook.utils


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Three classes of small photos of different sizes and formats, one in a nested folder, plus
    files that are not images (skipped) and a hidden folder (not a class)."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for c, name in enumerate(["cat", "dog", "horse"]):
        (root / name / "more").mkdir(parents=True)
        for i in range(5 + c):
            height, width = (int(v) for v in rng.integers(12, 40, 2))
            pixels = rng.integers(0, 256, (height, width, 3), dtype="uint8")
            fmt = ["png", "jpg", "bmp"][i % 3]
            folder = root / name / ("more" if i == 0 else "")
            Image.fromarray(pixels).save(folder / f"{name}_{i}.{fmt}")
        (root / name / "notes.txt").write_text("not an image")
    (root / ".cache").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(root / ".cache" / "hidden.png")
    return str(root)


def keras_index(directory, **kwargs):
    return keras_dataset_utils.index_directory(directory, kwargs.pop("labels", "inferred"),
                                               formats=keras_image_utils.ALLOWLIST_FORMATS, **kwargs)


@pytest.mark.parametrize("arguments", [dict(shuffle=False), dict(seed=3), dict(seed=3, class_names=["horse", "cat"]),
                                       dict(seed=8, labels=None)])
def test_files_labels_and_order_are_kerass(photos, arguments):
    labels = arguments.pop("labels", "inferred")
    ds = utils.image_dataset_from_directory(photos, labels=labels, batch_size=4, image_size=(16, 16), **arguments)
    paths, keras_labels, class_names = keras_index(photos, labels=labels, verbose=False,
                                                   shuffle=arguments.get("shuffle", True), seed=arguments.get("seed"),
                                                   class_names=arguments.get("class_names"))
    assert ds.file_paths == paths and ds.class_names == class_names
    if labels is None:
        assert not isinstance(ds[0], tuple) and ds[0].shape == (4, 16, 16, 3)
        return
    got = np.concatenate([ds[i][1] for i in range(len(ds))])
    np.testing.assert_array_equal(got, keras_labels)
    assert got.dtype == np.int32


def test_images_have_kerass_values(photos):
    """Each image as Keras's Pillow + ops.image.resize path gives it, for every option."""
    for options in [dict(), dict(crop_to_aspect_ratio=True), dict(pad_to_aspect_ratio=True),
                    dict(interpolation="nearest"), dict(interpolation="bicubic"), dict(interpolation="lanczos3"),
                    dict(color_mode="grayscale", image_size=(20, 10)), dict(color_mode="rgba"),
                    dict(data_format="channels_first", crop_to_aspect_ratio=True)]:
        size = options.pop("image_size", (24, 18))
        color_mode = options.get("color_mode", "rgb")
        ds = utils.image_dataset_from_directory(photos, image_size=size, batch_size=5, seed=1, **options)
        images, _ = ds[1]
        assert images.dtype == np.float32
        for image, path in zip(images, ds.file_paths[5:10]):
            expected = keras_image_utils._load_image_grain(
                path, size, {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode], options.get("interpolation", "bilinear"),
                options.get("data_format", "channels_last"), options.get("crop_to_aspect_ratio", False),
                options.get("pad_to_aspect_ratio", False))
            assert image.shape == tuple(expected.shape)
            np.testing.assert_allclose(image, np.asarray(expected), atol=1e-3)  # pixels 0-255


def test_label_modes_batches_and_the_last_smaller_batch(photos):
    n = 5 + 6 + 7
    for label_mode, check in [("int", lambda y: y.dtype == np.int32 and y.shape == (4,)),
                              ("categorical", lambda y: y.dtype == np.float32 and y.shape == (4, 3)
                               and (y.sum(axis=1) == 1).all())]:
        ds = utils.image_dataset_from_directory(photos, label_mode=label_mode, batch_size=4, image_size=(8, 8),
                                                seed=0, verbose=False)
        assert len(ds) == 5 and isinstance(ds, utils.PyDataset)
        assert check(ds[0][1]) and ds[4][0].shape == (n - 16, 8, 8, 3)
    binary = utils.image_dataset_from_directory(photos, label_mode="binary", class_names=["dog", "cat"],
                                                image_size=(8, 8), seed=0, verbose=False)
    x, y = binary[0]
    assert y.dtype == np.float32 and y.shape == (11, 1) and set(y[:, 0]) == {0.0, 1.0}
    with pytest.raises(ValueError, match="exactly 2"):
        utils.image_dataset_from_directory(photos, label_mode="binary")
    one_at_a_time = utils.image_dataset_from_directory(photos, batch_size=None, image_size=(8, 8), seed=0)
    assert len(one_at_a_time) == n and one_at_a_time[0][0].shape == (8, 8, 3) and one_at_a_time[0][1].shape == ()


def test_validation_split_gives_kerass_disjoint_subsets(photos, capsys):
    train = utils.image_dataset_from_directory(photos, validation_split=0.3, subset="training", seed=5,
                                               image_size=(8, 8))
    val = utils.image_dataset_from_directory(photos, validation_split=0.3, subset="validation", seed=5,
                                             image_size=(8, 8))
    both = utils.image_dataset_from_directory(photos, validation_split=0.3, subset="both", seed=5, image_size=(8, 8))
    paths, labels, _ = keras_index(photos, seed=5, verbose=False)
    expected_train, _ = keras_dataset_utils.get_training_or_validation_split(paths, labels, 0.3, "training")
    expected_val, _ = keras_dataset_utils.get_training_or_validation_split(paths, labels, 0.3, "validation")
    assert train.file_paths == both[0].file_paths == expected_train
    assert val.file_paths == both[1].file_paths == expected_val
    assert not set(train.file_paths) & set(val.file_paths)
    assert "Found 18 files belonging to 3 classes." in capsys.readouterr().out
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        utils.image_dataset_from_directory(photos, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`subset` is set, `validation_split` must be set"):
        utils.image_dataset_from_directory(photos, subset="training", seed=1)


def test_each_epoch_reshuffles_the_training_files_only(photos):
    train, val = utils.image_dataset_from_directory(photos, validation_split=0.3, subset="both", seed=5,
                                                    image_size=(8, 8), batch_size=4)
    first = [train[i][1].tolist() for i in range(len(train))]
    first_val = [val[i][0].sum() for i in range(len(val))]
    train.on_epoch_end(), val.on_epoch_end()
    assert [train[i][1].tolist() for i in range(len(train))] != first
    assert [val[i][0].sum() for i in range(len(val))] == first_val


def test_fit_trains_on_a_folder_of_images(photos):
    train = utils.image_dataset_from_directory(photos, image_size=(16, 16), batch_size=6, seed=2, verbose=False)
    kerasbook.utils.set_random_seed(0)
    model = kerasbook.Sequential([kerasbook.Input((16, 16, 3)), kerasbook.layers.Rescaling(1 / 255),
                                  kerasbook.layers.Conv2D(4, 3, activation="relu"),
                                  kerasbook.layers.GlobalAveragePooling2D(), kerasbook.layers.Dense(3)])
    model.compile("adam", kerasbook.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert model.predict(train, verbose=0).shape == (18, 3)
    images, labels = train.take(1)[0]
    assert images.shape == (6, 16, 16, 3) and labels.shape == (6,)


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    root = tmp_path_factory.mktemp("reviews")
    texts = {"neg": ["awful film", "boring and long", "the worst ending", "héroïne bad"],
             "pos": ["a great film", "wonderful acting", "loved the ending", "great great great", "fine"]}
    for label, items in texts.items():
        (root / label).mkdir()
        for i, text in enumerate(items):
            (root / label / f"{i}.txt").write_text(text, encoding="utf-8")
        (root / label / "skip.md").write_text("not a .txt file")
    return str(root)


def test_text_dataset_reads_kerass_files_as_strings(reviews):
    ds = utils.text_dataset_from_directory(reviews, batch_size=3, seed=4, max_length=8)
    paths, labels, names = keras_dataset_utils.index_directory(reviews, "inferred", formats=(".txt",), seed=4,
                                                               verbose=False)
    assert ds.file_paths == paths and ds.class_names == names == ["neg", "pos"]
    texts, got = ds[0]
    assert texts.dtype == object and texts.shape == (3,)
    assert list(texts) == [open(p, encoding="utf-8").read()[:8] for p in paths[:3]]
    np.testing.assert_array_equal(np.concatenate([ds[i][1] for i in range(len(ds))]), labels)


def test_text_dataset_mapped_through_text_vectorization_trains(reviews):
    raw = utils.text_dataset_from_directory(reviews, batch_size=4, seed=1, label_mode="binary", verbose=False)
    vectorize = kerasbook.layers.TextVectorization(max_tokens=30, output_sequence_length=6)
    vectorize.adapt(np.concatenate([raw[i][0] for i in range(len(raw))]))
    train = raw.map(lambda texts, labels: (vectorize(texts), labels))
    x, y = train[0]
    assert np.asarray(x).shape == (4, 6) and y.shape == (4, 1)
    kerasbook.utils.set_random_seed(0)
    model = kerasbook.Sequential([kerasbook.Input((6,), dtype="int64"), kerasbook.layers.Embedding(30, 4),
                                  kerasbook.layers.GlobalAveragePooling1D(),
                                  kerasbook.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    assert len(model.fit(train, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("left, right", [(0.8, None), (None, 0.25), (3, None), (None, 4), (0.5, 0.3), (2, 5)])
def test_split_dataset_sizes_and_rows_as_keras(left, right):
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    (x_left, y_left), (x_right, y_right) = utils.split_dataset((x, y), left_size=left, right_size=right,
                                                               shuffle=True, seed=7)
    sizes = keras_dataset_utils._rescale_dataset_split_sizes(left, right, 10)
    assert (len(x_left), len(x_right)) == sizes
    order = list(range(10))
    random.seed(7)
    random.shuffle(order)  # what Keras's split does with seed=7
    np.testing.assert_array_equal(y_left, np.array(order[:sizes[0]]) * 10)
    np.testing.assert_array_equal(y_right, np.array(order[-sizes[1]:]) * 10)
    np.testing.assert_array_equal(x_left[:, 0], y_left // 5)
    first, second = utils.split_dataset(x, left_size=0.6)
    np.testing.assert_array_equal(first, x[:6]) and np.testing.assert_array_equal(second, x[6:])


@pytest.mark.parametrize("left, right, error", [(None, None, "At least one"), (0, None, "left_size"),
                                                (1.5, None, "left_size"), (0.7, 0.6, "greater than 1"),
                                                (8, 5, "should be smaller"), ("a", None, "Type")])
def test_split_dataset_errors_as_keras(left, right, error):
    with pytest.raises((ValueError, TypeError), match=error):
        utils.split_dataset(np.zeros((10, 2)), left_size=left, right_size=right)


def drawn_values(text):
    """The `name: value` pairs of every line a progress bar drew, in order."""
    return re.findall(r"- (\w+): ([-\d.e+]+)", text)


@pytest.mark.parametrize("arguments", [dict(), dict(stateful_metrics=["acc"]), dict(stateless_metrics=["loss"]),
                                       dict(verbose=2)])
def test_progbar_shows_kerass_averages(capsys, arguments):
    steps = [(1, [("loss", 4.0), ("acc", 0.25)]), (3, [("loss", 1.0), ("acc", 0.5)]),
             (4, [("loss", 0.5), ("acc", 0.75)]), (6, [("loss", 0.1), ("acc", 1.0)])]
    lines = []
    for library in (keras, kerasbook):
        bar = library.utils.Progbar(6, interval=0, **arguments)
        for current, values in steps:
            bar.update(current, values=values)
        lines.append(capsys.readouterr().out)
    assert drawn_values(lines[1]) == drawn_values(lines[0]) != []
    assert lines[1].endswith("\n") and ("/step" in lines[1])


def test_progbar_add_and_unknown_target(capsys):
    bar = utils.Progbar(None, interval=0, unit_name="file")
    bar.add(2, values=[("loss", 1.0)])
    bar.add(2, values=[("loss", 3.0)])
    out = capsys.readouterr().out
    assert "4/Unknown" in out and "/file" in out and drawn_values(out)[-1] == ("loss", "2.0000")
