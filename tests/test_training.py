"""compile / fit / evaluate / predict, against Keras 3 on the same weights and data."""

import re

import numpy as np
import pytest

import kerasbook
from kerasbook import layers, ops

import keras  # the oracle (JAX backend, see conftest.py)


def mlp(k, seed_weights=None):
    inputs = k.Input((8,), name="features")
    x = k.layers.Dense(16, activation="relu")(inputs)
    outputs = k.layers.Dense(3, activation="softmax", name="probs")(x)
    return k.Model(inputs, outputs)


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = rng.integers(0, 3, size=(n,))
    return x, y


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_fit_matches_keras_epoch_by_epoch(optimizer):
    x, y = data()
    ours, theirs = mlp(kerasbook), mlp(keras)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert set(h_ours.history) == set(h_theirs.history) == {"loss", "accuracy"}
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(h_ours.history["accuracy"], h_theirs.history["accuracy"])
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-4)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_smaller_last_batches_in_fit_and_validation_match_keras():
    """70 rows in batches of 16 end with a batch of 6, and 20 validation rows with one of 4: those
    shapes are compiled separately (and with fewer optimizations) but compute the same numbers."""
    (x, y), (val_x, val_y) = data(70), data(20, seed=1)
    ours, theirs = mlp(kerasbook), mlp(keras)
    ours.set_weights(theirs.get_weights())
    histories = []
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        histories.append(model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                                   validation_data=(val_x, val_y)).history)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(histories[0][key], histories[1][key], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_predict_in_batches_equals_one_call_for_every_output():
    model = two_heads(kerasbook)
    rng = np.random.default_rng(2)
    x = [rng.integers(0, 50, (37, 10)), rng.normal(size=(37, 5)).astype("float32")]
    main, aux = model.predict(x, batch_size=8, verbose=0)
    expected = model(x)
    assert main.shape == aux.shape == (37, 1) and isinstance(main, np.ndarray)
    np.testing.assert_allclose(main, expected[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(aux, expected[1], rtol=1e-6, atol=1e-6)


def two_heads(k):
    main_input = k.Input(shape=(10,), dtype="int32", name="main_input")
    x = k.layers.Embedding(output_dim=8, input_dim=50)(main_input)
    x = k.layers.Flatten()(x)
    aux_output = k.layers.Dense(1, activation="sigmoid", name="aux_output")(x)
    aux_input = k.Input(shape=(5,), name="aux_input")
    x = k.layers.concatenate([x, aux_input])
    x = k.layers.Dense(8, activation="relu")(x)
    main_output = k.layers.Dense(1, activation="sigmoid", name="main_output")(x)
    return k.Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])


def test_two_inputs_two_outputs_with_dicts_and_loss_weights_match_keras():
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 50, size=(32, 10))
    extra = rng.normal(size=(32, 5)).astype("float32")
    labels = rng.integers(0, 2, size=(32, 1)).astype("float32")
    ours, theirs = two_heads(kerasbook), two_heads(keras)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="rmsprop",
                      loss={"main_output": "binary_crossentropy", "aux_output": "binary_crossentropy"},
                      loss_weights={"main_output": 1.0, "aux_output": 0.2})
    kwargs = dict(x={"main_input": tokens, "aux_input": extra},
                  y={"main_output": labels, "aux_output": labels}, epochs=2, batch_size=8,
                  shuffle=False, verbose=0)
    h_ours, h_theirs = ours.fit(**kwargs), theirs.fit(**kwargs)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    by_list = ours.predict([tokens, extra], verbose=0)
    by_dict = ours.predict({"main_input": tokens, "aux_input": extra}, verbose=0)
    np.testing.assert_allclose(by_list[0], by_dict[0])
    assert by_list[0].shape == (32, 1) and by_list[1].shape == (32, 1)


def test_single_loss_and_list_of_loss_weights_as_in_the_keras2_guide():
    model = two_heads(kerasbook)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1.0, 0.2])
    rng = np.random.default_rng(2)
    history = model.fit([rng.integers(0, 50, (16, 10)), rng.normal(size=(16, 5))],
                        [np.ones((16, 1)), np.zeros((16, 1))], epochs=1, batch_size=8, verbose=0)
    assert {"loss", "main_output_loss", "aux_output_loss"} <= set(history.history)


class ActivityRegularization(kerasbook.layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * ops.sum(inputs))
        return inputs


def test_add_loss_only_model_compiles_without_a_loss_and_trains():
    inputs = kerasbook.Input(shape=(3,))
    outputs = ActivityRegularization()(layers.Dense(1)(inputs))
    model = kerasbook.Model(inputs, outputs)
    model.compile(optimizer="adam")
    history = model.fit(np.random.random((2, 3)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((2, 3)), np.random.random((2, 1)), verbose=0)


def test_frozen_layers_are_not_updated_even_when_frozen_after_compile():
    model = kerasbook.Sequential([kerasbook.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                                  layers.Dense(32, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    model.fit(np.random.random((32, 784)), np.random.randint(0, 10, 32), epochs=1, verbose=0)
    after = model.get_weights()
    for i in range(4):
        np.testing.assert_array_equal(before[i], after[i])
    assert not np.allclose(before[4], after[4])


def test_dropout_sees_training_true_in_fit_and_false_in_predict():
    model = kerasbook.Sequential([kerasbook.Input((100,)), layers.Dropout(0.5)])
    x = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    out = np.asarray(model(x, training=True))
    assert 0.3 < (out == 0).mean() < 0.7 and set(np.unique(out)) <= {0.0, 2.0}


def test_validation_split_class_weight_and_early_stopping():
    x, y = data(100)
    model = mlp(kerasbook)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = kerasbook.callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0)
    history = model.fit(x, y, validation_split=0.2, epochs=5, verbose=0, callbacks=[stop],
                        class_weight={0: 1.0, 1: 2.0, 2: 1.0})
    assert "val_loss" in history.history and "val_accuracy" in history.history
    assert len(history.history["loss"]) < 5


def test_set_random_seed_makes_fit_reproducible():
    def run():
        kerasbook.utils.set_random_seed(7)
        model = kerasbook.Sequential([kerasbook.Input((8,)), layers.Dense(4), layers.Dropout(0.3),
                                      layers.Dense(1)])
        model.compile("adam", "mse")
        x, y = data(32)
        return model.fit(x, y.astype("float32"), epochs=2, verbose=0).history["loss"]
    assert run() == run()


def test_bad_input_errors():
    model = mlp(kerasbook)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = data(10)
    with pytest.raises(ValueError, match=r"cardinality.*x: 10.*y: 9"):
        model.fit(x, y[:9], verbose=0)
    with pytest.raises(ValueError, match=r"no input named \['feature'\]"):
        model.fit({"feature": x}, y, verbose=0)
    with pytest.raises(ValueError, match=r"no output named"):
        model.fit(x, {"nope": y}, verbose=0)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r'output "probs".*\(None, 5\).*\(None, 3\)'):
        model.fit(x, np.zeros((10, 5)), verbose=0)

    class Unbuilt(kerasbook.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = Unbuilt()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="need data"):
        model.fit(None, verbose=0)
    model.fit(x, y.astype("float32"), verbose=0)  # data with a shape builds the model
    assert model.built and model.count_params() == 9
    with pytest.raises(RuntimeError, match="compile"):
        mlp(kerasbook).fit(x, y, verbose=0)


def test_nan_loss_stops_with_terminate_on_nan():
    model = kerasbook.Sequential([kerasbook.Input((1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.array([[np.nan]] * 8, "float32")
    history = model.fit(x, np.ones((8, 1)), batch_size=2, epochs=3, verbose=0,
                        callbacks=[kerasbook.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])


def test_train_test_predict_on_batch():
    model = mlp(kerasbook)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(8)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert np.isfinite(model.test_on_batch(x, y)[0])
    assert model.predict_on_batch(x).shape == (8, 3)


def test_steps_return_no_copy_of_frozen_weights():
    import jax
    inputs = kerasbook.Input((8,))
    frozen = layers.Dense(16, name="frozen")
    outputs = layers.Dense(1)(layers.BatchNormalization()(frozen(inputs)))
    model = kerasbook.Model(inputs, outputs)
    frozen.trainable = False
    model.compile("sgd", "mse")
    model._prepare(np.zeros((2, 8), "float32"), np.zeros((2, 1), "float32"))
    batch = (jax.ShapeDtypeStruct((4, 8), "float32"), jax.ShapeDtypeStruct((4, 1), "float32"))
    # evaluate returns only what changed; the train step donates its inputs, so XLA updates them in
    # place and passes unchanged ones through without a copy.
    groups = model._state_variables("test")
    specs = tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups)
    _, new_values = jax.eval_shape(model._step("test", groups).jitted, specs, batch)
    assert [v for v, new in zip(groups[1], new_values[1]) if new is not None] == []
    groups = model._state_variables("train")
    specs = tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups)
    donated = model._step("train", groups).jitted.lower(specs, batch).args_info[0][0]  # (args, kwargs): the state
    assert all(arg.donated for arg in jax.tree.leaves(donated))
    x, y = data(8)[0], np.ones((8, 1), "float32")
    before = [w.copy() for w in frozen.get_weights()]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(frozen.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(model.evaluate(x, y, verbose=0))


def test_compile_options_unknown_to_this_jaxlib_fall_back_to_the_defaults():
    import jax
    from kerasbook.core.training.compiled_steps import compile_with_options
    lowered = jax.jit(lambda a: a * 2).lower(np.ones(3, "float32"))
    np.testing.assert_array_equal(compile_with_options(lowered, {"no_such_xla_option": True})(np.ones(3, "float32")), 2.0)


def test_an_array_given_as_x_and_y_is_sliced_once():
    from kerasbook.core.training import data as data_lib
    x = np.arange(12.0).reshape(6, 2)
    batch_x, batch_y, weights = data_lib.take((x, x, None), np.array([4, 1]))
    assert batch_x is batch_y and weights is None
    np.testing.assert_array_equal(batch_x, x[[4, 1]])


def test_predict_and_a_direct_call_share_one_compiled_function():
    model = mlp(kerasbook)
    x, _ = data(8)
    model(x)
    model.predict(x, batch_size=8, verbose=0)
    assert len(model._jit_cache) == 1
    model(x, training=True)  # a second program, kept beside the first
    assert len(model._jit_cache) == 2


def _final_progress_line(text):
    """The last line a terminal shows, with colours, erasing and timings taken out."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\b", "")
    last = text.rstrip("\n").split("\n")[-1].split("\r")[-1].rstrip()
    return re.sub(r"\d+(s|ms|us)\b", "<t>", last)


@pytest.mark.parametrize("verbose", ["auto", 1, 2, 0])
def test_predict_and_evaluate_show_keras_progress(capsys, verbose):
    """predict and evaluate print Keras's progress line (verbose "auto"/1: the bar; 2: one line;
    0: nothing), and call the predict/test hooks of callbacks."""
    x, y = np.ones((70, 3), "float32"), np.ones((70, 2), "float32")
    lines = {}
    for library in (keras, kerasbook):
        model = library.Sequential([library.Input((3,)), library.layers.Dense(2, kernel_initializer="ones")])
        model.compile("sgd", "mse")
        capsys.readouterr()
        model.predict(x, verbose=verbose)
        predicted = capsys.readouterr().out
        model.evaluate(x, y, verbose=verbose)
        evaluated = capsys.readouterr().out
        lines[library] = (_final_progress_line(predicted), _final_progress_line(evaluated))
    assert lines[kerasbook] == lines[keras]
    expected = {0: ("", ""), 2: ("3/3 - <t> - <t>/step", "3/3 - <t> - <t>/step - loss: 4.0000")}.get(
        verbose, ("3/3 ━━━━━━━━━━━━━━━━━━━━ <t> <t>/step", "3/3 ━━━━━━━━━━━━━━━━━━━━ <t> <t>/step - loss: 4.0000"))
    assert lines[kerasbook] == expected


class Recorder(kerasbook.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_predict_begin(self, logs=None): self.seen.append("predict_begin")
    def on_predict_batch_end(self, batch, logs=None): self.seen.append(("predict", batch, sorted(logs)))
    def on_predict_end(self, logs=None): self.seen.append("predict_end")
    def on_test_begin(self, logs=None): self.seen.append("test_begin")
    def on_test_batch_end(self, batch, logs=None): self.seen.append(("test", batch, sorted(logs)))
    def on_test_end(self, logs=None): self.seen.append(("test_end", sorted(logs)))


def test_predict_and_evaluate_call_their_callbacks():
    model = kerasbook.Sequential([kerasbook.Input((3,)), kerasbook.layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.ones((40, 3), "float32")
    recorder = Recorder()
    model.predict(x, verbose=0, callbacks=[recorder])
    assert recorder.seen == ["predict_begin", ("predict", 0, ["outputs"]), ("predict", 1, ["outputs"]),
                             "predict_end"]
    recorder.seen.clear()
    model.evaluate(x, np.ones((40, 2)), verbose=0, callbacks=[recorder])
    assert recorder.seen == ["test_begin", ("test", 0, ["loss"]), ("test", 1, ["loss"]), ("test_end", ["loss"])]


@pytest.mark.parametrize("epochs", [1, 2])
def test_fit_prints_and_records_logs_as_keras(capsys, epochs):
    """verbose=2 lines, history keys and evaluate's dict and list, in Keras's order: logs sorted by name
    (accuracy before loss), val_ logs after, "Epoch i/n" only when there are several; evaluate's list
    starts with the loss."""
    x, labels = data()
    y = np.eye(3, dtype="float32")[labels]
    start = mlp(keras).get_weights()
    results, listed = {}, {}
    for library in (keras, kerasbook):
        model = mlp(library)
        model.set_weights(start)
        model.compile("sgd", "categorical_crossentropy", metrics=["mae", "accuracy"])
        capsys.readouterr()
        history = model.fit(x, y, epochs=epochs, validation_split=0.25, shuffle=False, verbose=2)
        printed = re.sub(r"\d+(\.\d+)?(s|ms|us)\b", "<t>", capsys.readouterr().out)
        listed[library] = model.evaluate(x, y, verbose=0)
        results[library] = (printed, list(history.history),
                            list(model.evaluate(x, y, verbose=0, return_dict=True)))
    assert results[kerasbook] == results[keras]
    assert results[kerasbook][1] == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    assert ("Epoch 1/" in results[kerasbook][0]) == (epochs > 1)
    np.testing.assert_allclose(listed[kerasbook], listed[keras], rtol=1e-5)  # loss, mae, accuracy
