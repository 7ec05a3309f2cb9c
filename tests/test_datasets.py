"""keras.datasets.mnist: Keras's file, address, hash and cache place; the shipped offline sample."""

import inspect

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

mnist = kerasbook.datasets.mnist


def fake_mnist(path, train=6, test=3):
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.integers(0, 256, (train, 28, 28), dtype="uint8"),
                  y_train=rng.integers(0, 10, train, dtype="uint8"),
                  x_test=rng.integers(0, 256, (test, 28, 28), dtype="uint8"),
                  y_test=rng.integers(0, 10, test, dtype="uint8"))
    np.savez_compressed(path, **arrays)
    return arrays


def test_same_address_and_hash_as_keras():
    source = inspect.getsource(keras.src.datasets.mnist.load_data)
    assert mnist.ORIGIN.rsplit("/", 1)[0] + "/" in source and "mnist.npz" in source
    assert mnist.FILE_HASH in source
    assert inspect.signature(mnist.load_data).parameters["path"].default == "mnist.npz"


def test_offline_without_the_file_says_where_it_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(OSError) as error:
        mnist.load_data()
    message = str(error.value)
    assert mnist.ORIGIN in message
    assert f"copy it to {tmp_path / 'datasets' / 'mnist.npz'}" in message
    assert "load_data(offline_ok=True)" in message and "load_sample()" in message
    assert list((tmp_path / "datasets").iterdir()) == []


def test_a_cached_file_with_the_wrong_hash_is_not_used(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    fake_mnist(tmp_path / "datasets" / "mnist.npz")
    with pytest.raises(OSError, match=f"does not have the expected sha256 hash {mnist.FILE_HASH}"):
        mnist.load_data()
    assert "downloaded again" in capsys.readouterr().out
    # With offline_ok, the shipped sample stands in for it.
    (x_train, y_train), (x_test, y_test) = mnist.load_data(offline_ok=True)
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert "5,000-digit sample" in capsys.readouterr().out


def test_a_file_in_keras_layout_is_read_as_keras_reads_it(tmp_path):
    arrays = fake_mnist(tmp_path / "mnist.npz")
    (x_train, y_train), (x_test, y_test) = mnist.read_npz(tmp_path / "mnist.npz")
    for name, value in dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test).items():
        assert value.dtype == np.uint8
        np.testing.assert_array_equal(value, arrays[name])


def test_the_shipped_sample_is_mnist_shaped_balanced_and_disjoint():
    (x_train, y_train), (x_test, y_test) = mnist.load_sample()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == \
        ((4000, 28, 28), (4000,), (1000, 28, 28), (1000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("uint8")}
    assert np.bincount(y_train).tolist() == [400] * 10 and np.bincount(y_test).tolist() == [100] * 10
    assert len(set(y_train[:20])) > 5  # shuffled, not in digit order
    assert x_train.max() == 255 and x_train.min() == 0
    # Real digits: ink in the middle, a blank border, roughly MNIST's mean intensity (about 33).
    assert x_train[:, :, :2].max() == 0 or x_train[:, :2, :].mean() < 1
    assert 25 < x_train.mean() < 40
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_a_small_network_learns_the_sample():
    (x_train, y_train), (x_test, y_test) = mnist.load_sample()
    kerasbook.utils.set_random_seed(0)
    model = kerasbook.Sequential([kerasbook.Input((28, 28)), kerasbook.layers.Flatten(),
                                  kerasbook.layers.Dense(64, activation="relu"),
                                  kerasbook.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train / 255.0, y_train, epochs=3, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(x_test / 255.0, y_test, verbose=0)
    assert accuracy > 0.85
