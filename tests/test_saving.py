"""`.keras` files and `.weights.h5` in Keras 3's format, both ways with the real Keras, and bad files."""

import os
import zipfile

import numpy as np
import pytest

import kerasbook

import keras  # the oracle


def functional(k):
    a = k.Input((4,), name="a")
    b = k.Input((3,), name="b")
    shared = k.layers.Dense(5, activation="relu", name="shared")
    x = k.layers.concatenate([shared(a), shared(k.layers.Dense(4, name="lift")(b))])
    x = k.layers.BatchNormalization(name="bn")(x)
    inner = k.Sequential([k.Input((10,)), k.layers.Dense(6, name="inner_dense")], name="inner")
    y = inner(x)
    return k.Model([a, b], [k.layers.Dense(1, name="out1")(y), k.layers.Dense(2, name="out2")(y)])


def data(n=16):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")]


def _trained(k):
    model = functional(k)
    model.compile(optimizer="adam", loss="mse")
    x = data()
    model.fit(x, [np.ones((16, 1)), np.zeros((16, 2))], epochs=2, batch_size=8, verbose=0)
    return model, x


def test_kerasbook_file_opens_in_keras(tmp_path):
    ours, x = _trained(kerasbook)
    path = tmp_path / "ours.keras"
    ours.save(path)
    assert sorted(zipfile.ZipFile(path).namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    theirs = keras.models.load_model(path)
    for a, b in zip(ours.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(theirs.optimizer.iterations), 4)


def test_keras_file_opens_in_kerasbook_and_training_resumes_identically(tmp_path):
    theirs, x = _trained(keras)
    path = tmp_path / "theirs.keras"
    theirs.save(path)
    ours = kerasbook.models.load_model(path)
    for a, b in zip(ours.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-6, atol=1e-6)
    assert int(ours.optimizer.iterations.numpy()) == 4
    y = [np.ones((16, 1)), np.zeros((16, 2))]
    h_ours = ours.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)


def test_weights_file_both_ways(tmp_path):
    ours, theirs = functional(kerasbook), functional(keras)
    x = data()
    ours(x)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    for a, b in zip(ours(x), theirs(x)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)
    ours.save_weights(tmp_path / "o.weights.h5")
    fresh = functional(keras)
    fresh.load_weights(tmp_path / "o.weights.h5")
    for a, b in zip(ours(x), fresh(x)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)


def _scale_class(k):
    """The same custom layer, `Scale`, written for each library and registered under one name."""
    def __init__(self, factor=2.0, **kwargs):
        k.layers.Layer.__init__(self, **kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**k.layers.Layer.get_config(self), "factor": self.factor}

    cls = type("Scale", (k.layers.Layer,), {"__init__": __init__, "build": build, "call": call,
                                             "get_config": get_config})
    return k.saving.register_keras_serializable(package="Course", name="Scale")(cls)


OurScale, KerasScale = _scale_class(kerasbook), _scale_class(keras)


def test_registered_custom_layer_both_ways(tmp_path):
    inputs = kerasbook.Input((3,))
    ours = kerasbook.Model(inputs, OurScale(3.0)(inputs))
    ours.layers[1].w.assign([1.0, 2.0, 3.0])
    ours.save(tmp_path / "custom.keras")
    theirs = keras.models.load_model(tmp_path / "custom.keras")
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(np.asarray(theirs(x)), [[3.0, 6.0, 9.0]])
    theirs.save(tmp_path / "back.keras")
    back = kerasbook.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(np.asarray(back(x)), [[3.0, 6.0, 9.0]])


def test_bad_files_give_clear_errors(tmp_path):
    model = functional(kerasbook)
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match=r"notes.keras is not a .keras file"):
        kerasbook.models.load_model(text)
    model(data())
    good = tmp_path / "good.keras"
    model.save(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValueError, match="truncated.keras"):
        kerasbook.models.load_model(truncated)
    incomplete = tmp_path / "incomplete.keras"
    with zipfile.ZipFile(incomplete, "w") as archive:
        archive.writestr("config.json", zipfile.ZipFile(good).read("config.json"))
    with pytest.raises(ValueError, match=r"lacks \['model.weights.h5'\]"):
        kerasbook.models.load_model(incomplete)
    other = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.Dense(7, name="shared")])
    model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match=r'layer "shared", variable "kernel" has shape \(4, 7\), but the file holds'):
        other.load_weights(tmp_path / "m.weights.h5")


def test_a_save_that_fails_midway_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    model = functional(kerasbook)
    model(data())
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    from kerasbook.core.saving import weights_file

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_file, "write", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no partial file left behind


def sequential(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(8, activation="relu"), k.layers.Dropout(0.2),
                         k.layers.BatchNormalization(), k.layers.Dense(3, activation="softmax")], name="seq")


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_sequential_round_trip_both_ways(tmp_path, writer, reader):
    model = sequential(writer)
    x = np.random.default_rng(2).normal(size=(10, 6)).astype("float32")
    model.compile("sgd", "categorical_crossentropy")
    model.fit(x, np.eye(3)[np.arange(10) % 3], epochs=1, verbose=0)  # moves BatchNormalization statistics
    model.save(tmp_path / "seq.keras")
    loaded = reader.models.load_model(tmp_path / "seq.keras")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)),
                               rtol=1e-6, atol=1e-6)


def test_a_lambda_in_a_saved_model_needs_safe_mode_off(tmp_path):
    inputs = kerasbook.Input((2,))
    model = kerasbook.Model(inputs, kerasbook.layers.Lambda(lambda t: t * 3, name="triple")(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r'Lambda layer "triple".*safe_mode=False'):
        kerasbook.models.load_model(tmp_path / "lambda.keras")
    loaded = kerasbook.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(np.ones((1, 2), "float32"))), [[3.0, 3.0]])
