"""Callbacks driven by hand, as `fit` drives them, on a minimal stand-in for a model; EarlyStopping's
decisions compared with Keras's own EarlyStopping on the same logs; the progress bar's text."""

import io
import os
import re

import keras
import numpy as np
import pytest

import kerasbook
from kerasbook.core.training import callbacks, optimizers
from kerasbook.core.training.progbar import Progbar


class TinyModel:
    """The few attributes callbacks use: a stand-in until a real model is passed."""

    def __init__(self, optimizer=None):
        self.stop_training = False
        self.weights = [np.zeros(2)]
        self.optimizer = optimizer
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, path, overwrite=True):
        self.saved.append(("model", path))

    def save_weights(self, path, overwrite=True):
        self.saved.append(("weights", path))


def _run(callback, model, epoch_logs, batches=0):
    """Drive `callback` like fit: returns the epoch at which the model was told to stop (or None)."""
    cbs = callbacks.CallbackList([callback], model=model, epochs=len(epoch_logs), steps=batches, verbose=0)
    cbs.on_train_begin()
    stopped = None
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for batch in range(batches):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, {"loss": logs.get("loss", 0.0)})
        model.weights = [np.full(2, float(epoch))]  # "training" changes the weights
        cbs.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            stopped = epoch
            break
    cbs.on_train_end()
    return stopped


class KerasStandIn:
    stop_training = False

    def get_weights(self):
        return []

    def set_weights(self, weights):
        pass


def _keras_stopped(kwargs, epoch_logs):
    callback = keras.callbacks.EarlyStopping(**kwargs)
    model = KerasStandIn()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callback.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            return epoch
    return None


LOSSES = [1.0, 0.8, 0.81, 0.79, 0.795, 0.9, 0.7, 0.71, 0.72, 0.73]


@pytest.mark.parametrize("kwargs", [
    {}, {"patience": 2}, {"patience": 1, "min_delta": 0.05}, {"patience": 2, "start_from_epoch": 3},
    {"patience": 1, "baseline": 0.75}, {"monitor": "val_accuracy", "mode": "max", "patience": 1},
    {"monitor": "val_accuracy", "mode": "min"},
])
def test_early_stopping_stops_when_keras_does(kwargs):
    epoch_logs = [{"val_loss": v, "val_accuracy": 1 - v} for v in LOSSES]
    model = TinyModel()
    assert _run(callbacks.EarlyStopping(**kwargs), model, epoch_logs) == _keras_stopped(kwargs, epoch_logs)


def test_early_stopping_auto_mode_maximizes_accuracy():
    epoch_logs = [{"val_accuracy": 1 - v} for v in LOSSES]
    assert _run(callbacks.EarlyStopping("val_accuracy", patience=1), TinyModel(), epoch_logs) == \
        _keras_stopped({"monitor": "val_accuracy", "mode": "max", "patience": 1}, epoch_logs)


def test_early_stopping_restores_best_weights():
    model = TinyModel()
    callback = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    stopped = _run(callback, model, [{"val_loss": v} for v in [1.0, 0.5, 0.6, 0.7, 0.8]])
    assert stopped == 3 and callback.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # the weights after epoch 1


def test_history_records_epochs_and_params():
    history = callbacks.History()
    model = TinyModel()
    _run(history, model, [{"loss": 0.5, "val_loss": 0.6}, {"loss": 0.4, "val_loss": 0.5}])
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}
    assert history.params["epochs"] == 2 and history.model is model


def test_terminate_on_nan(capsys):
    model = TinyModel()
    assert _run(callbacks.TerminateOnNaN(), model, [{"loss": 1.0}, {"loss": float("nan")}], batches=2) == 1
    assert "Invalid loss" in capsys.readouterr().out


def test_terminate_on_nan_can_raise_as_keras_does():
    """`TerminateOnNaN(raise_error=True)` (Keras 3.10+): a RuntimeError at the batch, in a real fit."""
    import inspect
    assert [(p.name, p.default) for p in inspect.signature(callbacks.TerminateOnNaN).parameters.values()] == \
        [(p.name, p.default) for p in inspect.signature(keras.callbacks.TerminateOnNaN).parameters.values()]
    model = kerasbook.Sequential([kerasbook.Input((2,)), kerasbook.layers.Dense(1)])
    model.compile(kerasbook.optimizers.SGD(1e30), "mse")  # diverges at once
    x = np.ones((8, 2), "float32")
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
        model.fit(x, x[:, :1] * 1e20, batch_size=2, epochs=3, verbose=0,
                  callbacks=[callbacks.TerminateOnNaN(raise_error=True)])
    history = model.fit(x, x[:, :1] * 1e20, batch_size=2, epochs=3, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1


def test_lambda_callback_batch_and_epoch_hooks():
    seen = []
    callback = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
                                        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch)))
    _run(callback, TinyModel(), [{"loss": 1.0}], batches=2)
    assert seen == [("batch", 0), ("batch", 1), ("epoch", 0)]
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_finish'"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_learning_rate_scheduler_sets_the_optimizer():
    model = TinyModel(optimizers.SGD(learning_rate=0.1))
    logs = [{"loss": 1.0}, {"loss": 1.0}, {"loss": 1.0}]
    history = callbacks.History()
    cbs = callbacks.CallbackList([callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5), history],
                                 model=model)
    cbs.on_train_begin()
    for epoch, epoch_logs in enumerate(logs):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, dict(epoch_logs))
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.0125)
    by_epoch = TinyModel(optimizers.Adam())
    _run(callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1)), by_epoch, logs[:2])
    assert float(by_epoch.optimizer.learning_rate.numpy()) == pytest.approx(0.02)


def test_model_checkpoint_paths_and_best_only():
    model = TinyModel()
    epoch_logs = [{"val_loss": v} for v in [0.5, 0.6, 0.4]]
    _run(callbacks.ModelCheckpoint("ckpt-{epoch:02d}-{val_loss:.2f}.keras"), model, epoch_logs)
    assert model.saved == [("model", "ckpt-01-0.50.keras"), ("model", "ckpt-02-0.60.keras"),
                           ("model", "ckpt-03-0.40.keras")]
    best = TinyModel()
    _run(callbacks.ModelCheckpoint("best.weights.h5", save_best_only=True, save_weights_only=True),
         best, epoch_logs)
    assert best.saved == [("weights", "best.weights.h5")] * 2  # epochs 1 and 3 improved
    every_two = TinyModel()
    _run(callbacks.ModelCheckpoint("b{batch}.keras", save_freq=2), every_two, epoch_logs[:1], batches=4)
    assert every_two.saved == [("model", "b1.keras"), ("model", "b3.keras")]
    with pytest.raises(ValueError, match=".weights.h5"):
        callbacks.ModelCheckpoint("w.keras", save_weights_only=True)


def test_progbar_lines_look_like_keras():
    plain = re.compile(r"\x1b\[[0-9;]*m")
    stream = io.StringIO()
    bar = Progbar(938, verbose=1, interval=0.0, stream=stream)
    bar.update(469, {"loss": 0.5})
    bar.finish({"loss": 0.1234, "val_loss": 0.00012})
    text = plain.sub("", stream.getvalue())
    first, final = text.split("\r")[1:]
    assert re.fullmatch(r"469/938 ━{20} \d+(s|ms|us) \d+(s|ms|us)/step - loss: 0\.5000", first)
    assert re.fullmatch(r"938/938 ━{20} \d+s \d+(s|ms|us)/step - loss: 0\.1234 - val_loss: 1\.2000e-04\s*\n",
                        final)
    stream = io.StringIO()
    Progbar(938, verbose=2, stream=stream).finish({"loss": 0.1234})
    assert re.fullmatch(r"938/938 - \d+s - \d+(s|ms|us)/step - loss: 0\.1234\n", stream.getvalue())


def test_progress_logger_prints_epochs(capsys):
    cbs = callbacks.CallbackList([], add_progbar=True, model=TinyModel(), epochs=2, steps=3, verbose=2)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for batch in range(3):
            cbs.on_train_batch_end(batch, {"loss": 1.0})
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    out = capsys.readouterr().out
    assert out.count("Epoch 1/2\n") == 1 and out.count("3/3 - ") == 2 and "\r" not in out


def test_a_learning_rate_set_at_epoch_begin_applies_to_that_epoch():
    """LearningRateScheduler sets the rate in on_epoch_begin; the steps of that epoch must use it."""
    model = kerasbook.Sequential([kerasbook.Input((3,)), kerasbook.layers.Dense(2)])
    model.compile(optimizer=kerasbook.optimizers.SGD(0.1), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0,
              callbacks=[kerasbook.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def _lr_schedule(library, kwargs, epoch_logs):
    """The learning rate ReduceLROnPlateau of `library` leaves after each epoch's logs."""
    optimizer = library.optimizers.SGD(learning_rate=1.0)
    model = TinyModel(optimizer)
    callback = library.callbacks.ReduceLROnPlateau(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, logs in enumerate(epoch_logs):
        logs = dict(logs)
        callback.on_epoch_end(epoch, logs)
        rates.append((logs["learning_rate"], float(np.asarray(optimizer.learning_rate))))
    return rates


@pytest.mark.parametrize("kwargs", [
    {"patience": 1}, {"patience": 2, "factor": 0.5}, {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 1, "min_delta": 0.05, "min_lr": 0.05}, {"monitor": "val_accuracy", "mode": "max", "patience": 1},
    {"patience": 0, "factor": 0.3, "min_lr": 0.02},
])
def test_reduce_lr_on_plateau_reduces_when_keras_does(kwargs):
    epoch_logs = [{"val_loss": v, "val_accuracy": 1 - v} for v in LOSSES + LOSSES[::-1]]
    assert _lr_schedule(kerasbook, kwargs, epoch_logs) == _lr_schedule(keras, kwargs, epoch_logs)


def test_reduce_lr_on_plateau_checks_its_arguments():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        kerasbook.callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        _lr_schedule(kerasbook, {}, [{"loss": 1.0}])


def _fit_with_callbacks(library, tmp_path, make_callbacks, **fit_kwargs):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 5)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    keras.utils.set_random_seed(1)
    start = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)]).get_weights()
    model = library.Sequential([library.Input((5,)), library.layers.Dense(4, activation="relu"),
                                library.layers.Dense(1)])
    model.set_weights(start)
    model.compile(optimizer=library.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    path = tmp_path / f"{library.__name__}.csv"
    history = model.fit(x, y, batch_size=16, shuffle=False, verbose=0,
                        callbacks=make_callbacks(library, path), **fit_kwargs)
    return history.history, path.read_bytes().decode()


def _same_table(ours, theirs):
    """Same header and epochs byte for byte; the numbers within float32 rounding."""
    assert ours.endswith("\r\n") and theirs.endswith("\r\n")
    ours, theirs = ours.split("\r\n")[:-1], theirs.split("\r\n")[:-1]
    assert len(ours) == len(theirs) and ours[0] == theirs[0]
    for a, b in zip(ours[1:], theirs[1:]):
        a, b = a.split(","), b.split(",")
        assert a[0] == b[0] and [c == "NA" for c in a] == [c == "NA" for c in b]
        np.testing.assert_allclose([float(c) for c in a if c != "NA"], [float(c) for c in b if c != "NA"],
                                   rtol=1e-5)


def test_reduce_lr_on_plateau_and_csv_logger_in_fit_match_keras(tmp_path, capsys):
    """The same fit in both libraries: the rate falls at the same epochs, history records it under
    `learning_rate`, the CSV files agree, and the verbose messages are Keras's."""
    def make(library, path):
        return [library.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10,
                                                    cooldown=1, min_lr=0.01, verbose=1),
                library.callbacks.CSVLogger(path)]

    ours, our_csv = _fit_with_callbacks(kerasbook, tmp_path, make, epochs=6, validation_split=0.25)
    our_out = capsys.readouterr().out
    theirs, their_csv = _fit_with_callbacks(keras, tmp_path, make, epochs=6, validation_split=0.25)
    assert our_out == capsys.readouterr().out and "reducing learning rate to 0.01." in our_out
    assert list(ours) == list(theirs) == ["loss", "mae", "val_loss", "val_mae", "learning_rate"]
    assert ours["learning_rate"] == theirs["learning_rate"]
    assert len(set(ours["learning_rate"])) == 4  # 0.05, 0.025, 0.0125, then min_lr
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)
    assert our_csv.splitlines()[0] == "epoch,learning_rate,loss,mae,val_loss,val_mae"
    _same_table(our_csv, their_csv)


def test_csv_logger_without_validation_appending_with_a_separator(tmp_path):
    """Without validation data Keras still writes val_ columns (as NA); append adds rows under the
    existing header; the separator is Keras's `separator`."""
    def make(library, path):
        return [library.callbacks.CSVLogger(path, separator=";", append=True)]

    for library in (kerasbook, keras):
        (tmp_path / f"{library.__name__}.csv").write_text("")
        _fit_with_callbacks(library, tmp_path, make, epochs=2)
    ours, theirs = (_fit_with_callbacks(library, tmp_path, make, epochs=3)[1] for library in (kerasbook, keras))
    assert ours.splitlines()[0] == "epoch;loss;mae;val_loss;val_mae"
    assert ours.splitlines()[1:] and len(ours.splitlines()) == len(theirs.splitlines()) == 6
    _same_table(ours.replace(";", ","), theirs.replace(";", ","))


def test_csv_logger_writes_list_values_as_keras_does(tmp_path):
    for library in (kerasbook, keras):
        callback = library.callbacks.CSVLogger(tmp_path / f"{library.__name__}.csv")
        callback.on_train_begin()
        callback.on_epoch_end(0, {"loss": np.float32(0.5), "per_class": np.array([0.25, 0.75]), "note": "ok"})
        callback.on_train_end()
    assert (tmp_path / "kerasbook.csv").read_bytes() == (tmp_path / "keras.csv").read_bytes()


def _checkpoint_fit(tmp_path, checkpoint, epochs=4):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    model = kerasbook.Sequential([kerasbook.Input((3,)), kerasbook.layers.Dense(4, activation="tanh"),
                                  kerasbook.layers.Dense(1)], name="regressor")
    model.compile(kerasbook.optimizers.Adam(0.05), "mse", metrics=["mae"])
    weights_seen = []
    remember = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: weights_seen.append(model.get_weights()))
    history = model.fit(x, y, batch_size=8, epochs=epochs, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=[checkpoint, remember])
    return model, history.history, weights_seen, x


def test_model_checkpoint_writes_real_keras_files_named_by_epoch_and_val_loss(tmp_path):
    """Each epoch's model, in a .keras file named from the logs, loads (in kerasbook and Keras) with that
    epoch's weights, compile config and optimizer."""
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    model, history, weights_seen, x = _checkpoint_fit(tmp_path, callbacks.ModelCheckpoint(pattern))
    expected = [f"ckpt-{epoch + 1:02d}-{loss:.2f}.keras" for epoch, loss in enumerate(history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    second = tmp_path / expected[1]
    ours = kerasbook.saving.load_model(second)
    for saved, at_epoch in zip(ours.get_weights(), weights_seen[1]):
        np.testing.assert_array_equal(saved, at_epoch)
    assert ours.optimizer.iterations.numpy() == 2 * 4  # two epochs of 4 batches (30 samples, batch 8)
    theirs = keras.saving.load_model(second)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert theirs.get_compile_config()["loss"] == "mse"


@pytest.mark.parametrize("monitor,mode", [("val_loss", "auto"), ("val_mae", "min"), ("loss", "max")])
def test_model_checkpoint_save_best_only_keeps_the_best_weights(tmp_path, monitor, mode):
    """save_best_only with save_weights_only: the one file holds the weights of the best epoch by
    `monitor` in `mode` (with "max" on a loss: the worst, to show the direction is obeyed)."""
    path = tmp_path / "best.weights.h5"
    checkpoint = callbacks.ModelCheckpoint(path, monitor=monitor, mode=mode, save_best_only=True,
                                           save_weights_only=True)
    model, history, weights_seen, _ = _checkpoint_fit(tmp_path, checkpoint, epochs=5)
    values = history[monitor]
    best = int(np.argmax(values) if mode == "max" else np.argmin(values))
    assert os.listdir(tmp_path) == ["best.weights.h5"]
    model.load_weights(path)
    for loaded, at_best in zip(model.get_weights(), weights_seen[best]):
        np.testing.assert_array_equal(loaded, at_best)
    assert checkpoint.best == pytest.approx(values[best])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    theirs.load_weights(path)  # Keras reads the same file
    for loaded, at_best in zip(theirs.get_weights(), weights_seen[best]):
        np.testing.assert_array_equal(loaded, at_best)


def test_model_checkpoint_every_n_batches_saves_the_weights_of_that_batch(tmp_path):
    """save_freq=3 (batches), 4 batches an epoch: files after steps 3 and 6; the second, written at
    batch 1 of epoch 2, holds the weights and optimizer state after 6 steps, not those of epoch 1's end."""
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "b-{epoch}-{batch}.weights.h5"), save_freq=3,
                                           save_weights_only=True)
    model, history, weights_seen, _ = _checkpoint_fit(tmp_path, checkpoint, epochs=2)
    assert sorted(os.listdir(tmp_path)) == ["b-1-2.weights.h5", "b-2-1.weights.h5"]
    model.load_weights(tmp_path / "b-2-1.weights.h5")
    assert int(model.optimizer.iterations.numpy()) == 6


# -- RemoteMonitor (issue 17) ---------------------------------------------------------------------------

class _Recorder:
    """A real HTTP server on localhost that keeps every POST it receives: (path, headers, body)."""

    def __enter__(self):
        import http.server
        import threading
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()


def _posted(body, headers):
    """What a POST carried, decoded: the JSON body, or the form's fields with their JSON."""
    import json
    import urllib.parse
    if headers["Content-Type"] == "application/json":
        return json.loads(body)
    return {k: json.loads(v[0]) for k, v in urllib.parse.parse_qs(body.decode()).items()}


@pytest.mark.parametrize("kwargs", [{}, {"send_as_json": True, "path": "/logs", "headers": {"X-Run": "7"}},
                                    {"field": "metrics"}], ids=repr)
def test_remote_monitor_posts_what_keras_posts(kwargs):
    logs = {"loss": np.float32(0.5), "accuracy": 0.75, "val_loss": np.array(0.25)}
    with _Recorder() as server:
        for library in (keras, kerasbook):
            monitor = library.callbacks.RemoteMonitor(root=server.root, **kwargs)
            monitor.on_epoch_end(3, dict(logs))
    (their_path, their_headers, their_body), (our_path, our_headers, our_body) = server.received
    assert our_path == their_path == kwargs.get("path", "/publish/epoch/end/")
    assert our_headers["Content-Type"] == their_headers["Content-Type"]
    assert our_headers.get("X-Run") == their_headers.get("X-Run")
    assert _posted(our_body, our_headers) == _posted(their_body, their_headers)
    assert "epoch" in str(_posted(our_body, our_headers))
    import inspect
    assert str(inspect.signature(kerasbook.callbacks.RemoteMonitor)) == str(inspect.signature(keras.callbacks.RemoteMonitor))


def test_remote_monitor_in_fit_and_without_a_server():
    x, y = np.ones((16, 3), "float32"), np.ones((16, 1), "float32")
    model = kerasbook.Sequential([kerasbook.Input((3,)), kerasbook.layers.Dense(1)])
    model.compile("sgd", "mse")
    with _Recorder() as server:
        model.fit(x, y, epochs=2, verbose=0, callbacks=[kerasbook.callbacks.RemoteMonitor(root=server.root)])
    assert [_posted(body, headers)["data"]["epoch"] for _, headers, body in server.received] == [0, 1]
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        kerasbook.callbacks.RemoteMonitor(root="http://127.0.0.1:9").on_epoch_end(0, {"loss": 1.0})
