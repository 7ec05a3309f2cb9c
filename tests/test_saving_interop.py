"""Files pass both ways between kerasbook and the real Keras 3: `.keras`, `.weights.h5`, configs."""

import warnings
import zipfile

import h5py
import numpy as np
import pytest

import kerasbook

import keras  # the oracle


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)


def functional(k):
    """Two inputs, two outputs, a shared layer, a nested Sequential model, BatchNormalization."""
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


TARGETS = [np.ones((16, 1)), np.zeros((16, 2))]


def trained(k):
    model = functional(k)
    model.compile(optimizer="adam", loss="mse")
    model.fit(data(), TARGETS, epochs=2, batch_size=8, verbose=0)
    return model


def layout(path):
    """Every group and dataset of an HDF5 file, with the datasets' shapes."""
    found = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.append((name, getattr(obj, "shape", None))))
    return found


def test_kerasbook_file_opens_in_keras(tmp_path):
    ours, x = trained(kerasbook), data()
    ours.save(tmp_path / "ours.keras")
    assert sorted(zipfile.ZipFile(tmp_path / "ours.keras").namelist()) == [
        "config.json", "metadata.json", "model.weights.h5"]
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    for a, b in zip(ours(x), theirs(x)):
        close(a, b)
    assert [v.shape for v in theirs.optimizer.variables] == [v.shape for v in ours.optimizer.variables]
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        close(a.numpy(), b.numpy())  # iteration 4, learning rate, Adam's moments in Keras's order
    assert [l.name for l in theirs.layers] == [l.name for l in ours.layers]


def test_keras_file_opens_in_kerasbook_and_training_resumes_identically(tmp_path):
    theirs, x = trained(keras), data()
    theirs.save(tmp_path / "theirs.keras")
    ours = kerasbook.models.load_model(tmp_path / "theirs.keras")
    for a, b in zip(ours(x), theirs(x)):
        close(a, b)
    assert int(ours.optimizer.iterations.numpy()) == 4
    h_ours = ours.fit(x, TARGETS, epochs=1, batch_size=8, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, TARGETS, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)


def sequential(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(8, activation="relu"), k.layers.Dropout(0.2),
                         k.layers.BatchNormalization(), k.layers.Dense(3, activation="softmax")], name="seq")


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_sequential_round_trip_both_ways(tmp_path, writer, reader):
    model = sequential(writer)
    rng = np.random.default_rng(2)
    bn = model.layers[2]  # moving statistics far from their initial values: they must travel too
    bn.set_weights([rng.uniform(0.5, 2, 8), rng.normal(size=8), rng.normal(size=8), rng.uniform(0.5, 2, 8)])
    model.save(tmp_path / "seq.keras")
    loaded = reader.models.load_model(tmp_path / "seq.keras")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    x = rng.normal(size=(10, 6)).astype("float32")
    close(loaded(x), model(x))


def test_weights_file_both_ways(tmp_path):
    ours, theirs, x = functional(kerasbook), functional(keras), data()
    ours(x)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    for a, b in zip(ours(x), theirs(x)):
        close(a, b)
    ours.save_weights(tmp_path / "o.weights.h5")
    assert layout(tmp_path / "o.weights.h5") == layout(tmp_path / "k.weights.h5")
    fresh = functional(keras)
    fresh.load_weights(tmp_path / "o.weights.h5")
    for a, b in zip(ours(x), fresh(x)):
        close(a, b)


# Keras compiles a random initializer per weight shape, which costs seconds: the Keras side of the
# layout tests starts from zeros (`fast`), and the values travel from kerasbook's random ones.
def fast(k, **names):
    return {name: "zeros" for name in names} if k is keras else {}


def subclassed(k):
    """A subclassed model holding layers the ways Keras's file layout distinguishes: a list (with a
    custom block inside), a dict, an attribute, an alias of it (saved once), a private attribute."""
    def dense(units):
        return k.layers.Dense(units, **fast(k, kernel_initializer=1))

    class Block(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = dense(3)
            self.bn = k.layers.BatchNormalization()

        def call(self, x):
            return self.bn(self.d(x))

    class Net(k.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [Block(), Block(), dense(2)]
            self.table = {"z": dense(2), "a": dense(2)}
            self.head = dense(1)
            self._hidden = dense(2)
            self.alias = self.head

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.table["z"](x) + self.table["a"](x) + self._hidden(x)
            return self.head(x) + self.alias(x)

    model = Net()
    model(np.zeros((1, 4), "float32"))
    return model


def recurrent(k):
    L, z = k.layers, fast(k, kernel_initializer=1, recurrent_initializer=1)
    return k.Sequential([k.Input((5, 3)), L.LSTM(4, return_sequences=True, **z),
                         L.Bidirectional(L.GRU(2, return_sequences=True, **z)),
                         L.TimeDistributed(L.Dense(3, **fast(k, kernel_initializer=1))), L.SimpleRNN(2, **z)])


def convolutional(k):
    L = k.layers
    return k.Sequential([k.Input((8, 8, 3)), L.Conv2D(4, 3, **fast(k, kernel_initializer=1)), L.BatchNormalization(),
                         L.SeparableConv2D(2, 3, **fast(k, depthwise_initializer=1, pointwise_initializer=1)),
                         L.DepthwiseConv2D(3, **fast(k, depthwise_initializer=1)), L.Flatten(),
                         L.Dense(2, **fast(k, kernel_initializer=1))])


@pytest.mark.parametrize("build", [subclassed, recurrent, convolutional])
def test_weights_layout_is_keras_own(tmp_path, build):
    """Same groups, same datasets, same shapes as Keras writes; values land in the same weights."""
    ours, theirs = build(kerasbook), build(keras)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.save_weights(tmp_path / "o.weights.h5")
    assert layout(tmp_path / "o.weights.h5") == layout(tmp_path / "k.weights.h5")
    theirs.load_weights(tmp_path / "o.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        close(a, b)
    if build is subclassed:
        x = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
        close(ours(x), theirs(x))


def nested_functional(k):
    """Integer input, Embedding, a nested functional model (with Dropout) called twice, dict outputs."""
    tokens = k.Input((5,), dtype="int32", name="tokens")
    flat = k.layers.Flatten()(k.layers.Embedding(20, 4, name="emb")(tokens))
    inner_in = k.Input((20,))
    inner = k.Model(inner_in, k.layers.Dense(3, name="idense")(k.layers.Dropout(0.5)(inner_in)), name="block")
    a, b = inner(flat), inner(k.layers.Dense(20, name="widen")(flat))
    return k.Model(tokens, {"sum": k.layers.Add(name="sum")([a, b]), "cat": k.layers.Concatenate(name="cat")([a, b])})


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_nested_functional_with_dict_outputs_both_ways(tmp_path, writer, reader):
    model = nested_functional(writer)
    model.save(tmp_path / "nested.keras")
    loaded = reader.models.load_model(tmp_path / "nested.keras")
    with zipfile.ZipFile(tmp_path / "nested.keras") as archive:
        archive.extract("model.weights.h5", tmp_path)
    assert ("layers/functional/layers/dense/vars/0", (20, 3)) in layout(tmp_path / "model.weights.h5")
    x = np.random.default_rng(0).integers(0, 20, (3, 5)).astype("int32")
    expected, received = model(x), loaded(x)
    assert sorted(received) == ["cat", "sum"]
    for key in expected:
        close(received[key], expected[key])


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
    assert type(theirs.layers[1]) is KerasScale
    x = np.ones((1, 3), "float32")
    close(theirs(x), [[3.0, 6.0, 9.0]])
    theirs.save(tmp_path / "back.keras")
    back = kerasbook.models.load_model(tmp_path / "back.keras")
    assert type(back.layers[1]) is OurScale and back.layers[1].factor == 3.0
    close(back(x), [[3.0, 6.0, 9.0]])


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_lambda_bytecode_both_ways_only_with_safe_mode_off(tmp_path, writer, reader):
    scale = 3.0  # a closure: its value travels in the record, as Keras stores it
    inputs = writer.Input((2,))
    model = writer.Model(inputs, writer.layers.Lambda(lambda t: t * scale + 1, name="affine")(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        reader.models.load_model(tmp_path / "lambda.keras")
    loaded = reader.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    close(loaded(np.ones((1, 2), "float32")), [[4.0, 4.0]])


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_compiled_untrained_model_both_ways_without_warnings(tmp_path, writer, reader):
    model = sequential(writer)
    model.compile(optimizer=writer.optimizers.SGD(0.05), loss="mse")
    model.save(tmp_path / "fresh.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = reader.models.load_model(tmp_path / "fresh.keras")
    assert type(loaded.optimizer).__name__ == "SGD"
    np.testing.assert_allclose(float(np.asarray(loaded.optimizer.learning_rate)), 0.05)


def objects(k):
    return {"initializer": k.initializers.GlorotUniform(seed=1), "regularizer": k.regularizers.L1L2(l1=0.1),
            "dense": k.layers.Dense(3, activation="relu", kernel_regularizer=k.regularizers.L2(0.01), name="d"),
            "embedding": k.layers.Embedding(10, 4, mask_zero=True, name="e"),
            "dropout": k.layers.Dropout(0.3, name="dr"), "concatenate": k.layers.Concatenate(axis=1, name="c"),
            "batch_normalization": k.layers.BatchNormalization(momentum=0.9, name="bn"),
            "optimizer": k.optimizers.Adam(1e-3, name="opt"), "loss": k.losses.MeanSquaredError()}


def test_serialized_objects_equal_keras_and_read_back():
    ours, theirs = objects(kerasbook), objects(keras)
    for key in ours:
        expected = keras.saving.serialize_keras_object(theirs[key])
        expected.get("config", {}).pop("quantization_config", None)  # kerasbook has no quantization
        assert kerasbook.saving.serialize_keras_object(ours[key]) == expected, key
        assert kerasbook.saving.get_registered_name(type(ours[key])) == keras.saving.get_registered_name(
            type(theirs[key]))
        rebuilt = kerasbook.saving.deserialize_keras_object(keras.saving.serialize_keras_object(theirs[key]))
        assert type(rebuilt) is type(ours[key])
        assert kerasbook.saving.serialize_keras_object(rebuilt) == expected, key
