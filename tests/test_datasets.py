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


# -- the other datasets: Keras's addresses and hashes, downloads from a local server ---------------
# Each dataset is made here in its real format (CIFAR's pickled batches in a tar.gz, IDX files, npz
# files with ragged lists), served by an http.server on 127.0.0.1, and loaded twice: by kerasbook, with
# the module's address and hash pointed at the local file, and by Keras 3, whose own get_file is given
# the same local address and hash. Only the address and the hash change; the download, the hash
# check, the cache and the unpacking run for real.

import functools
import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import tarfile
import threading
import zipfile

from kerasbook.core import utils_files

datasets = kerasbook.datasets


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path, monkeypatch):
    """(folder, url): files written to the folder are served at the url; KERAS_HOME is a fresh folder."""
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def keras_reads_from(monkeypatch, keras_module, url, cache_dir):
    """Keras's dataset module downloads through Keras's real get_file, from `url` instead of its own
    address, checking the local file's sha256 instead of the real file's hash."""
    real_get_file = keras.src.utils.file_utils.get_file

    def local(fname=None, origin=None, **kwargs):
        served_file = url + origin.rsplit("/", 1)[1]
        kwargs.update(file_hash=local_hashes.get(origin.rsplit("/", 1)[1]), cache_dir=str(cache_dir))
        return real_get_file(fname, served_file, **kwargs)

    local_hashes = {}
    os.makedirs(cache_dir, exist_ok=True)  # else Keras falls back to /tmp/.keras
    monkeypatch.setattr(keras_module, "get_file", local)
    return local_hashes


def keras_constants(module):
    return inspect.getsource(module)


def cifar_batch(rng, count, label_keys):
    batch = {b"batch_label": b"made by the tests", b"data": rng.integers(0, 256, (count, 3072), dtype="uint8"),
             b"filenames": [f"{i}.png".encode() for i in range(count)]}
    for key, classes in label_keys.items():
        batch[key.encode()] = [int(c) for c in rng.integers(0, classes, count)]
    # Not protocol 2: from Python 3 it writes bytes through _codecs, which CIFAR's Python 2 files do not.
    return pickle.dumps(batch)


def write_tar_gz(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def test_cifar10_downloads_unpacks_and_reads_keras_archive(served, monkeypatch, tmp_path):
    folder, url = served
    rng = np.random.default_rng(1)
    batches = {f"cifar-10-batches-py/data_batch_{i}": cifar_batch(rng, 3, {"labels": 10}) for i in range(1, 6)}
    batches["cifar-10-batches-py/test_batch"] = cifar_batch(rng, 2, {"labels": 10})
    write_tar_gz(folder / "cifar-10-python.tar.gz", batches)
    source = keras_constants(keras.src.datasets.cifar10)
    assert datasets.cifar10.ORIGIN in source and datasets.cifar10.FILE_HASH in source
    assert f'"{datasets.cifar10.DIRNAME}"' in source
    monkeypatch.setattr(datasets.cifar10, "ORIGIN", url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(datasets.cifar10, "FILE_HASH", sha256(folder / "cifar-10-python.tar.gz"))
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    # Keras's cache layout: the archive, and the folder it unpacks into.
    cache = tmp_path / "home" / "datasets"
    assert sorted(p.name for p in cache.iterdir()) == ["cifar-10-batches-py-target",
                                                      "cifar-10-batches-py-target_archive"]
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == \
        ((15, 32, 32, 3), (15, 1), (2, 32, 32, 3), (2, 1))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("uint8")}
    # Keras's own code fills 10,000 images per batch file, so it cannot read this small archive:
    # the expected arrays are computed here from the batches as written (red, green, blue planes).
    first = pickle.loads(batches["cifar-10-batches-py/data_batch_1"])
    np.testing.assert_array_equal(x_train[:3], first[b"data"].reshape(3, 3, 32, 32).transpose(0, 2, 3, 1))
    assert y_train[:3, 0].tolist() == first[b"labels"]
    last = pickle.loads(batches["cifar-10-batches-py/test_batch"])
    np.testing.assert_array_equal(x_test[:, 5, 7, 2], last[b"data"][:, 2 * 1024 + 5 * 32 + 7])
    # Cached now: loads with the server gone (the archive is not downloaded again).
    (folder / "cifar-10-python.tar.gz").unlink()
    np.testing.assert_array_equal(datasets.cifar10.load_data()[0][0], x_train)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_equals_keras_on_the_same_archive(served, monkeypatch, tmp_path, label_mode):
    folder, url = served
    rng = np.random.default_rng(2)
    labels = {"fine_labels": 100, "coarse_labels": 20}
    write_tar_gz(folder / "cifar-100-python.tar.gz",
                 {"cifar-100-python/train": cifar_batch(rng, 5, labels),
                  "cifar-100-python/test": cifar_batch(rng, 3, labels)})
    digest = sha256(folder / "cifar-100-python.tar.gz")
    source = keras_constants(keras.src.datasets.cifar100)
    assert datasets.cifar100.ORIGIN in source and datasets.cifar100.FILE_HASH in source
    monkeypatch.setattr(datasets.cifar100, "ORIGIN", url + "cifar-100-python.tar.gz")
    monkeypatch.setattr(datasets.cifar100, "FILE_HASH", digest)
    keras_reads_from(monkeypatch, keras.src.datasets.cifar100, url, tmp_path / "keras")[
        "cifar-100-python.tar.gz"] = digest
    ours = datasets.cifar100.load_data(label_mode=label_mode)
    theirs = keras.datasets.cifar100.load_data(label_mode=label_mode)
    for got, want in zip(tree_leaves(ours), tree_leaves(theirs)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert sorted(os.listdir(tmp_path / "home" / "datasets")) == sorted(os.listdir(tmp_path / "keras" / "datasets"))
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


def tree_leaves(pairs):
    return [array for pair in pairs for array in pair]


def idx_gz(path, values, header):
    with gzip.open(path, "wb") as f:
        f.write(header + values.tobytes())


def test_fashion_mnist_equals_keras_on_the_same_files(served, monkeypatch, tmp_path):
    folder, url = served
    rng = np.random.default_rng(3)
    for name, count in (("train", 7), ("t10k", 4)):
        idx_gz(folder / f"{name}-labels-idx1-ubyte.gz", rng.integers(0, 10, count, dtype="uint8"), b"\0" * 8)
        idx_gz(folder / f"{name}-images-idx3-ubyte.gz", rng.integers(0, 256, (count, 28, 28), dtype="uint8"),
               b"\0" * 16)
    source = keras_constants(keras.src.datasets.fashion_mnist)
    assert datasets.fashion_mnist.ORIGIN_FOLDER in source
    assert all(name in source for name in datasets.fashion_mnist.FILES)
    monkeypatch.setattr(datasets.fashion_mnist, "ORIGIN_FOLDER", url)
    keras_reads_from(monkeypatch, keras.src.datasets.fashion_mnist, url, tmp_path / "keras")
    ours, theirs = datasets.fashion_mnist.load_data(), keras.datasets.fashion_mnist.load_data()
    for got, want in zip(tree_leaves(ours), tree_leaves(theirs)):
        assert got.dtype == want.dtype == np.uint8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert ours[0][0].shape == (7, 28, 28)
    # The same cache folder as Keras: datasets/fashion-mnist
    assert sorted(os.listdir(tmp_path / "home" / "datasets" / "fashion-mnist")) == sorted(datasets.fashion_mnist.FILES)


@pytest.mark.parametrize("module, arguments", [
    ("boston_housing", {}), ("boston_housing", dict(test_split=0.3, seed=7)),
    ("california_housing", {}), ("california_housing", dict(version="small", test_split=0.25, seed=1))])
def test_housing_datasets_equal_keras_on_the_same_file(served, monkeypatch, tmp_path, module, arguments):
    folder, url = served
    rng = np.random.default_rng(4)
    features = 13 if module == "boston_housing" else 8
    np.savez(folder / f"{module}.npz", x=rng.normal(size=(700, features)), y=rng.normal(size=700))
    ours_module, keras_module = getattr(datasets, module), getattr(keras.src.datasets, module)
    source = keras_constants(keras_module)
    assert ours_module.ORIGIN.rsplit("/", 1)[0] in source and ours_module.FILE_HASH in source
    assert inspect.signature(ours_module.load_data) == inspect.signature(keras_module.load_data)
    digest = sha256(folder / f"{module}.npz")
    monkeypatch.setattr(ours_module, "ORIGIN", url + f"{module}.npz")
    monkeypatch.setattr(ours_module, "FILE_HASH", digest)
    keras_reads_from(monkeypatch, keras_module, url, tmp_path / "keras")[f"{module}.npz"] = digest
    ours, theirs = ours_module.load_data(**arguments), keras_module.load_data(**arguments)
    for got, want in zip(tree_leaves(ours), tree_leaves(theirs)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="test_split"):
        ours_module.load_data(test_split=1.0)


def ragged_npz(path, rng, **counts):
    """An npz in IMDB's and Reuters's layout: ragged lists of word ids (object arrays) and labels."""
    arrays = {}
    for name, (count, classes) in counts.items():
        sequences = np.empty(count, dtype="object")
        sequences[:] = [[int(w) for w in rng.integers(1, 60, rng.integers(3, 25))] for _ in range(count)]
        arrays[f"x{name}"], arrays[f"y{name}"] = sequences, rng.integers(0, classes, count)
    np.savez(path, **arrays)


WORDS_ARGUMENTS = [{}, dict(num_words=20), dict(num_words=30, skip_top=5, maxlen=15),
                   dict(start_char=None, oov_char=None, index_from=0, seed=3),
                   dict(num_words=25, oov_char=None, maxlen=20, start_char=None)]


@pytest.mark.parametrize("arguments", WORDS_ARGUMENTS)
def test_imdb_equals_keras_on_the_same_file(served, monkeypatch, tmp_path, arguments):
    folder, url = served
    ragged_npz(folder / "imdb.npz", np.random.default_rng(5), _train=(40, 2), _test=(30, 2))
    json.dump({"the": 1, "and": 2, "film": 3}, open(folder / "imdb_word_index.json", "w"))
    source = keras_constants(keras.src.datasets.imdb)
    for constant in (datasets.imdb.ORIGIN_FOLDER, datasets.imdb.FILE_HASH, datasets.imdb.WORD_INDEX_HASH):
        assert constant in source
    hashes = {"imdb.npz": sha256(folder / "imdb.npz"), "imdb_word_index.json": sha256(folder / "imdb_word_index.json")}
    monkeypatch.setattr(datasets.imdb, "ORIGIN_FOLDER", url)
    monkeypatch.setattr(datasets.imdb, "FILE_HASH", hashes["imdb.npz"])
    monkeypatch.setattr(datasets.imdb, "WORD_INDEX_HASH", hashes["imdb_word_index.json"])
    keras_reads_from(monkeypatch, keras.src.datasets.imdb, url, tmp_path / "keras").update(hashes)
    assert_same_word_data(datasets.imdb.load_data(**arguments), keras.datasets.imdb.load_data(**arguments))
    assert datasets.imdb.get_word_index() == keras.datasets.imdb.get_word_index() == {"the": 1, "and": 2, "film": 3}
    with pytest.raises(TypeError, match="num_word"):
        datasets.imdb.load_data(num_word=10)


@pytest.mark.parametrize("arguments", WORDS_ARGUMENTS + [dict(test_split=0.5, num_words=40)])
def test_reuters_equals_keras_on_the_same_file(served, monkeypatch, tmp_path, arguments):
    folder, url = served
    ragged_npz(folder / "reuters.npz", np.random.default_rng(6), **{"": (60, 46)})
    json.dump({"the": 1, "of": 2}, open(folder / "reuters_word_index.json", "w"))
    source = keras_constants(keras.src.datasets.reuters)
    for constant in (datasets.reuters.ORIGIN_FOLDER, datasets.reuters.FILE_HASH, datasets.reuters.WORD_INDEX_HASH):
        assert constant in source
    hashes = {"reuters.npz": sha256(folder / "reuters.npz"),
              "reuters_word_index.json": sha256(folder / "reuters_word_index.json")}
    monkeypatch.setattr(datasets.reuters, "ORIGIN_FOLDER", url)
    monkeypatch.setattr(datasets.reuters, "FILE_HASH", hashes["reuters.npz"])
    monkeypatch.setattr(datasets.reuters, "WORD_INDEX_HASH", hashes["reuters_word_index.json"])
    keras_reads_from(monkeypatch, keras.src.datasets.reuters, url, tmp_path / "keras").update(hashes)
    assert_same_word_data(datasets.reuters.load_data(**arguments), keras.datasets.reuters.load_data(**arguments))
    assert datasets.reuters.get_word_index() == keras.datasets.reuters.get_word_index()
    assert datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


def assert_same_word_data(ours, theirs):
    for got, want in zip(tree_leaves(ours), tree_leaves(theirs)):
        assert got.dtype == want.dtype and got.shape == want.shape
        if got.dtype == object:
            assert [list(x) for x in got] == [list(x) for x in want]
        else:
            np.testing.assert_array_equal(got, want)


def test_word_datasets_refuse_pickles_that_run_code(tmp_path):
    class Payload:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    archive = tmp_path / "evil.npz"
    with zipfile.ZipFile(archive, "w") as z:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.array([Payload()], dtype="object"), allow_pickle=True)
        z.writestr("x.npy", buffer.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize `posix.system`"):
        datasets.safe_pickle.load_npz(archive)


def test_a_cached_archive_with_the_wrong_hash_is_downloaded_again_and_unpacked(served, monkeypatch, tmp_path):
    folder, url = served
    write_tar_gz(folder / "data.tar.gz", {"data/a.txt": b"new"})
    digest = sha256(folder / "data.tar.gz")
    cache = tmp_path / "home" / "datasets"
    cache.mkdir(parents=True)
    write_tar_gz(cache / "data_archive", {"data/a.txt": b"old"})  # a different version, cached
    (cache / "data").mkdir()
    path = kerasbook.utils.get_file("data", url + "data.tar.gz", extract=True, file_hash=digest)
    assert path == str(cache / "data") == keras.utils.get_file("data", url + "data.tar.gz", extract=True,
                                                                file_hash=digest, cache_dir=str(tmp_path / "home"))
    assert open(os.path.join(path, "data", "a.txt")).read() == "new"
    # A name with a dot keeps the archive under its name and unpacks into name_extracted, as Keras.
    assert kerasbook.utils.get_file("data.tar.gz", url + "data.tar.gz", extract=True) == str(cache / "data_extracted")
    assert (cache / "data.tar.gz").exists()


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_an_archive_that_writes_outside_its_folder_is_refused(tmp_path, kind):
    archive = tmp_path / f"evil.{kind}"
    if kind == "tar":
        write_tar_gz(archive, {"../escaped.txt": b"x"})
    else:
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("../escaped.txt", "x")
    with pytest.raises(Exception, match="outside|escaped"):
        utils_files.extract_archive(str(archive), str(tmp_path / "out" / "inner"))
    assert not (tmp_path / "out" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out" / "inner").exists()


def test_without_network_each_dataset_says_which_file_and_where_it_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets.cifar10, "ORIGIN", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    with pytest.raises(OSError) as error:
        datasets.cifar10.load_data()
    assert f"copy it to {tmp_path / 'datasets' / 'cifar-10-batches-py-target_archive'}" in str(error.value)
