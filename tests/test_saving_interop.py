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


def lambda_activation(k):
    inputs = k.Input((2,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn that a lambda is being saved
        return k.Model(inputs, k.layers.Dense(2, activation=lambda t: t * 3.0, name="d")(inputs))


@pytest.mark.parametrize("writer", [kerasbook, keras])
def test_a_lambda_outside_a_lambda_layer_loads_only_with_safe_mode_off(tmp_path, writer):
    """A lambda activation is stored as bytecode too. kerasbook writes Keras's full `__lambda__`
    record, which both libraries refuse in safe mode and read with safe_mode=False; Keras writes the
    record's bare config, which Keras 3.15 cannot read back at all and kerasbook reads by the same rule."""
    model = lambda_activation(writer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(tmp_path / "act.keras")
    x = np.ones((1, 2), "float32")
    for reader in [kerasbook, keras] if writer is kerasbook else [kerasbook]:
        with pytest.raises((ValueError, TypeError), match="lambda"):
            reader.models.load_model(tmp_path / "act.keras")
        close(reader.models.load_model(tmp_path / "act.keras", safe_mode=False)(x), model(x))


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


def _library_pieces(k):
    """A function registered under one name in each library, and a custom layer left unregistered."""
    def cube(t):
        return t * t * t

    def get_config(self):
        return {**k.layers.Layer.get_config(self), "shift": self.shift}

    def __init__(self, shift=1.0, **kwargs):
        k.layers.Layer.__init__(self, **kwargs)
        self.shift = shift

    offset = type("Offset", (k.layers.Layer,), {"__init__": __init__, "get_config": get_config})
    return k.saving.register_keras_serializable(package="Course")(cube), offset


(OUR_CUBE, OurOffset), (KERAS_CUBE, KerasOffset) = _library_pieces(kerasbook), _library_pieces(keras)


def objects(k):
    cube, offset = (OUR_CUBE, OurOffset) if k is kerasbook else (KERAS_CUBE, KerasOffset)
    return {"initializer": k.initializers.GlorotUniform(seed=1), "regularizer": k.regularizers.L1L2(l1=0.1),
            "dense": k.layers.Dense(3, activation="relu", kernel_regularizer=k.regularizers.L2(0.01), name="d"),
            "embedding": k.layers.Embedding(10, 4, mask_zero=True, name="e"),
            "dropout": k.layers.Dropout(0.3, name="dr"), "concatenate": k.layers.Concatenate(axis=1, name="c"),
            "batch_normalization": k.layers.BatchNormalization(momentum=0.9, name="bn"),
            "optimizer": k.optimizers.Adam(1e-3, name="opt"), "loss": k.losses.MeanSquaredError(),
            "metric": k.metrics.MeanAbsoluteError(name="mae"),  # a loss class has the same name
            "schedule": k.optimizers.schedules.ExponentialDecay(0.1, 100, 0.9),
            "registered_layer": (OurScale if k is kerasbook else KerasScale)(2.0, name="scale"),
            "unregistered_layer": offset(2.0, name="offset"),
            "activation_function": k.activations.relu, "loss_function": k.losses.mean_squared_error,
            "registered_function": cube, "dense_with_registered_activation": k.layers.Dense(2, activation=cube,
                                                                                            name="dc")}


def test_serialized_objects_equal_keras_and_read_back():
    ours, theirs = objects(kerasbook), objects(keras)
    for key in ours:
        expected = keras.saving.serialize_keras_object(theirs[key])
        assert kerasbook.saving.serialize_keras_object(ours[key]) == expected, key
        named = theirs[key] if "function" in key else type(theirs[key])  # Keras names classes and functions
        assert kerasbook.saving.get_registered_name(ours[key] if "function" in key else type(ours[key])) == (
            keras.saving.get_registered_name(named)), key
        rebuilt = kerasbook.saving.deserialize_keras_object(keras.saving.serialize_keras_object(theirs[key]),
                                                            custom_objects={"Offset": OurOffset})
        assert rebuilt is ours[key] if "function" in key else type(rebuilt) is type(ours[key]), key
        assert kerasbook.saving.serialize_keras_object(rebuilt) == expected, key


def test_plain_values_serialize_as_keras_writes_them():
    """Numbers from numpy become plain numbers, arrays a `__numpy__` record, tuples stay tuples."""
    for value in [np.float32(0.5), np.int64(3), np.arange(3, dtype="int32"), np.ones((2, 2)), (1, "a"),
                  [None, {"k": 2.5}]]:
        expected = keras.saving.serialize_keras_object(value)
        received = kerasbook.saving.serialize_keras_object(value)
        assert received == expected and type(received) is type(expected), value
        back = kerasbook.saving.deserialize_keras_object(received)
        assert str(back) == str(keras.saving.deserialize_keras_object(expected)), value


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_training_resumes_from_a_file_as_if_never_interrupted(tmp_path, writer, reader):
    """2 epochs, save, 2 more epochs after loading (in the same library and in the other one) end
    where 4 uninterrupted epochs end: weights, BatchNormalization statistics, Adam's state, step count."""
    x, start = data(), functional(writer).get_weights()

    def compiled(model):
        model.compile(optimizer=writer.optimizers.Adam(0.01), loss="mse")
        return model

    def fit(model, epochs):
        model.fit(x, TARGETS, epochs=epochs, batch_size=8, shuffle=False, verbose=0)

    uninterrupted, first_half = compiled(functional(writer)), compiled(functional(writer))
    for model in uninterrupted, first_half:
        model.set_weights(start)
    fit(uninterrupted, 4)
    fit(first_half, 2)
    first_half.save(tmp_path / "half.keras")
    for library in writer, reader:
        resumed = library.models.load_model(tmp_path / "half.keras")
        fit(resumed, 2)
        assert int(resumed.optimizer.iterations.numpy()) == 8
        tolerance = 0 if library is writer else 1e-6
        for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)
        for a, b in zip(resumed(x), uninterrupted(x)):
            close(a, b)


def _custom_pieces(k):
    """A custom layer left unregistered, a registered activation, an unregistered one, and
    compile arguments that are a built-in loss function and a metric sharing a loss's class name."""
    @k.saving.register_keras_serializable(package="Course")
    def leaky(t):
        return k.ops.maximum(t, 0.1 * t)

    def halve(t):
        return t * 0.5

    class Offset(k.layers.Layer):
        def call(self, t):
            return t + 1.0

    inputs = k.Input((3,))
    h = k.layers.Dense(4, activation=leaky, name="d1")(inputs)
    h = k.layers.Dense(2, activation=halve, name="d2")(h)
    model = k.Model(inputs, Offset(name="offset")(h))
    model.compile(optimizer="sgd", loss=k.losses.mean_squared_error,
                  metrics=[k.metrics.MeanAbsoluteError(name="mae")])
    return model, {"halve": halve, "Offset": Offset}


@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_custom_functions_and_unregistered_layers_both_ways(tmp_path, writer, reader):
    model, _ = _custom_pieces(writer)
    _, custom_objects = _custom_pieces(reader)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(TypeError, match="Could not locate function 'halve'"):
        reader.models.load_model(tmp_path / "custom.keras")
    loaded = reader.models.load_model(tmp_path / "custom.keras", custom_objects=custom_objects)
    assert type(loaded.layers[-1]) is custom_objects["Offset"]
    assert loaded.layers[2].activation is custom_objects["halve"]
    x = np.random.default_rng(4).normal(size=(5, 3)).astype("float32")
    close(loaded(x), model(x))
    y = np.ones((5, 2), "float32")
    close(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0))  # loss and the mae metric


def test_keras_legacy_h5_files_give_kerasbook_their_weights(tmp_path):
    """Keras still writes Keras 2's `.h5` layout (`model.save("x.h5")`): a whole-model file whose
    `model_weights` group kerasbook reads, nested model and BatchNormalization statistics included."""
    theirs, x = trained(keras), data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.save(tmp_path / "legacy.h5")
    with h5py.File(tmp_path / "legacy.h5", "r") as f:
        assert "layer_names" in f["model_weights"].attrs
    ours = functional(kerasbook)
    ours.load_weights(tmp_path / "legacy.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ours(x), theirs(x)):
        close(a, b)


def optimizer(k, name):
    return {"sgd": lambda: k.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
            "rmsprop": lambda: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
            "adagrad": lambda: k.optimizers.Adagrad(0.1),
            "adamw": lambda: k.optimizers.AdamW(0.01, weight_decay=0.01, amsgrad=True)}[name]()


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adagrad", "adamw"])
@pytest.mark.parametrize("writer,reader", [(kerasbook, keras), (keras, kerasbook)])
def test_every_optimizer_state_crosses_over(tmp_path, writer, reader, name):
    """Each optimizer's slots (momentum, centered RMS, accumulators, AMSGrad maxima) land in the
    other library's optimizer: 2 epochs there after 2 here end where 4 uninterrupted epochs end."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.uniform(size=(32, 3)).astype("float32")

    def stack():  # `sequential` without its Dropout, whose random masks differ between libraries
        return writer.Sequential([writer.Input((6,)), writer.layers.Dense(8, activation="relu"),
                                  writer.layers.BatchNormalization(), writer.layers.Dense(3, activation="softmax")])

    def fit(model, epochs):
        model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)

    start, runs = stack().get_weights(), []
    for _ in range(2):
        model = stack()
        model.set_weights(start)
        model.compile(optimizer=optimizer(writer, name), loss="mse")
        runs.append(model)
    uninterrupted, first_half = runs
    fit(uninterrupted, 4)
    fit(first_half, 2)
    first_half.save(tmp_path / "half.keras")
    resumed = reader.models.load_model(tmp_path / "half.keras")
    assert type(resumed.optimizer).__name__ == type(uninterrupted.optimizer).__name__
    fit(resumed, 2)
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
