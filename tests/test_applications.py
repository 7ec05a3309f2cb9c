"""VGG16, VGG19 and Xception: Keras's architecture and counts, its numbers, its weight files."""

import functools
import hashlib
import http.server
import threading

import h5py
import numpy as np
import pytest

import kerasbook

import keras  # the oracle


@pytest.mark.parametrize("name,include_top,count", [("VGG19", True, 143_667_240), ("VGG19", False, 20_024_384),
                                                     ("VGG16", True, 138_357_544), ("Xception", False, 20_861_480)])
def test_parameter_counts_and_layer_names(name, include_top, count):
    ours = getattr(kerasbook.applications, name)(weights=None, include_top=include_top)
    assert ours.count_params() == count
    named = [l.name for l in ours.layers if l.name.startswith("block") or l.name in ("fc1", "fc2", "predictions")]
    assert named[:2] == ["block1_conv1", "block1_conv1_bn" if name == "Xception" else "block1_conv2"]


@pytest.mark.parametrize("name,size", [("VGG19", 32), ("Xception", 71)])
def test_same_numbers_as_keras_with_keras_weights(name, size):
    theirs = getattr(keras.applications, name)(weights=None, include_top=False, input_shape=(size, size, 3),
                                               pooling="avg")
    ours = getattr(kerasbook.applications, name)(weights=None, include_top=False, input_shape=(size, size, 3),
                                                 pooling="avg")
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).random((2, size, size, 3)).astype("float32") * 255
    module = getattr(kerasbook.applications, name.lower())
    prepared = module.preprocess_input(x)
    np.testing.assert_allclose(prepared, getattr(keras.applications, name.lower()).preprocess_input(x.copy()),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.predict(prepared, verbose=0)),
                               np.asarray(theirs.predict(prepared, verbose=0)), rtol=1e-4, atol=1e-4)


def test_keras_argument_errors():
    with pytest.raises(ValueError, match="classes.*1000"):
        kerasbook.applications.VGG19(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 71"):
        kerasbook.applications.Xception(weights=None, include_top=False, input_shape=(32, 32, 3))


def _write_legacy_h5(path, model):
    """Keras 2's HDF5 weights layout, written by hand: what Keras's ImageNet files look like."""
    with h5py.File(path, "w") as f:
        names = [layer.name for layer in model.layers]
        f.attrs["layer_names"] = [n.encode() for n in names]
        for layer in model.layers:
            group = f.create_group(layer.name)
            weight_names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = weight_names
            for name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(name.decode(), data=value + 1.0)


def test_imagenet_weights_are_looked_up_in_the_keras_cache_and_hash_checked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    source = kerasbook.applications.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path.parent.mkdir()
    _write_legacy_h5(path, source)  # the right name in the right place, but not Keras's file
    with pytest.raises(OSError, match=rf"Cannot download .*copy the file to {path}"):
        kerasbook.applications.VGG19(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert "does not have the expected hash" in capsys.readouterr().out


def test_legacy_h5_loading_by_layer_order_and_shape_errors(tmp_path):
    model = kerasbook.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "weights.h5"
    _write_legacy_h5(path, model)
    clone = kerasbook.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    clone.load_weights(str(path))
    np.testing.assert_allclose(clone.get_weights()[0], model.get_weights()[0] + 1.0)
    other = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(2, name="only")])
    with pytest.raises(ValueError, match="13 layers"):
        other.load_weights(str(path))


def test_get_file_downloads_checks_the_hash_and_caches(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "data.bin").write_bytes(b"kerasbook" * 100)
    digest = hashlib.sha256((served / "data.bin").read_bytes()).hexdigest()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/data.bin"
        path = kerasbook.utils.get_file("data.bin", url, file_hash=digest, cache_dir=str(tmp_path / "cache"))
        assert open(path, "rb").read() == b"kerasbook" * 100
        (served / "data.bin").unlink()  # cached now: no download needed
        assert kerasbook.utils.get_file("data.bin", url, file_hash=digest, cache_dir=str(tmp_path / "cache")) == path
        with pytest.raises(ValueError, match="expected sha256 hash"):
            (served / "other.bin").write_bytes(b"x")
            kerasbook.utils.get_file("other.bin", url.replace("data", "other"), file_hash=digest,
                                     cache_dir=str(tmp_path / "cache"))
        assert not (tmp_path / "cache" / "datasets" / "other.bin").exists()
    finally:
        server.shutdown()
    with pytest.raises(OSError, match=r"Cannot download missing.bin.*copy the file to"):
        kerasbook.utils.get_file("missing.bin", "http://127.0.0.1:9/missing.bin", cache_dir=str(tmp_path / "c2"))
