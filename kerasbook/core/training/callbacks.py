"""Callbacks: code that `fit` runs at the start and end of training, epochs and batches.

A callback sees the model (`self.model`) and the logs (`{"loss": ..., "val_loss": ...}`). Batch logs
hold JAX arrays still on the device: reading one (`float(logs["loss"])`) waits for that step, so the
callbacks here read them only when they must, and the training loop stays ahead of Python.
"""

import csv
import math
import os
import time
import warnings

import numpy as np


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_BATCH_HOOKS = [f"on_{mode}_batch_{when}" for mode in ("train", "test", "predict")
                for when in ("begin", "end")]
_OTHER_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
                "on_test_end", "on_predict_begin", "on_predict_end"]


class CallbackList(Callback):
    """Calls every hook on each callback in order.

    Batch hooks go only to the callbacks that define them: most callbacks act once per epoch, and
    skipping them keeps the loop from waiting on Python at every step."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        self._listeners = {hook: [getattr(c, hook) for c in self.callbacks if _overrides(c, hook)]
                           for hook in _BATCH_HOOKS}
        if params:  # without, the callbacks keep theirs (fit's, while it validates)
            self.set_params(params)
        if model is not None:
            self.set_model(model)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        callback.set_params(self.params)
        if self.model is not None:
            callback.set_model(self.model)
        for hook in _BATCH_HOOKS:
            if _overrides(callback, hook):
                self._listeners[hook].append(getattr(callback, hook))

    def __iter__(self):
        return iter(self.callbacks)


def _forward(hook):
    """A CallbackList method calling `hook` of each callback, always with a dict of logs (`{}` when
    there are none yet, as Keras passes them: `on_train_begin` and the like never get None)."""
    if hook in _BATCH_HOOKS:
        def method(self, batch, logs=None):
            logs = {} if logs is None else logs
            for listener in self._listeners[hook]:
                listener(batch, logs)
    elif "epoch" in hook:
        def method(self, epoch, logs=None):
            logs = {} if logs is None else logs
            for callback in self.callbacks:
                getattr(callback, hook)(epoch, logs)
    else:
        def method(self, logs=None):
            logs = {} if logs is None else logs
            for callback in self.callbacks:
                getattr(callback, hook)(logs)
    method.__name__ = hook
    return method


for _hook in _BATCH_HOOKS + _OTHER_HOOKS:
    setattr(CallbackList, _hook, _forward(_hook))


def _overrides(callback, hook):
    """Whether `callback` does something in `hook` (a method of its class, or a LambdaCallback's)."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


class History(Callback):
    """Records the epoch logs: `model.fit(...)` returns this, `history.history["loss"]`."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


class TerminateOnNaN(Callback):
    """Stops training as soon as the loss is NaN or infinite (reads the loss at every batch). With
    `raise_error=True` it raises a RuntimeError there instead, so the failure cannot go unnoticed."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {float(loss)}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


def _direction(monitor, mode, who):
    """'min' or 'max' for `mode`; "auto" guesses from the name (losses and errors go down)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', received {mode!r}.")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    if any(word in name for word in ("acc", "auc", "precision", "recall", "fmeasure")):
        return "max"
    return "min"


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    With `baseline`, improvements that do not beat the baseline do not reset the patience. With
    `restore_best_weights`, the weights of the best epoch are put back at the end of training."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = _direction(monitor, mode, "EarlyStopping")
        self.min_delta = abs(min_delta) * (1 if self.mode == "max" else -1)
        self.wait, self.stopped_epoch, self.best_epoch, self.best_weights = 0, 0, 0, None
        self.best = -np.inf if self.mode == "max" else np.inf

    def _is_improvement(self, current, reference):
        if self.mode == "max":
            return current - self.min_delta > reference
        return current - self.min_delta < reference

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch, self.best_weights = 0, 0, 0, None
        self.best = -np.inf if self.mode == "max" else np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            print(f"EarlyStopping: the monitored metric '{self.monitor}' is not in the logs; "
                  f"available: {sorted(logs or {})}.")
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # so there is something to restore
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class LambdaCallback(Callback):
    """A callback from functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin, on_train_batch_end=on_train_batch_end,
                     **kwargs)
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; hooks are named like "
                                 "'on_epoch_end' or 'on_train_batch_end'.")
            if fn is not None:
                setattr(self, name, fn)


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of each epoch: `schedule(epoch, lr) -> new lr`
    (or `schedule(epoch)`), and records it in the logs as `learning_rate`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(np.asarray(optimizer.learning_rate))
        try:
            new = self.schedule(epoch, current)
        except TypeError:  # a schedule of the epoch only
            new = self.schedule(epoch)
        if not isinstance(new, (float, int, np.floating, np.integer)):
            raise ValueError(f"LearningRateScheduler: the schedule must return a float, received {new!r} "
                             f"for epoch {epoch}.")
        optimizer.learning_rate = float(new)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` has not improved by more than
    `min_delta` for `patience` epochs; then waits `cooldown` epochs before counting again, and never
    goes below `min_lr`. Records the learning rate in the logs as `learning_rate`, as Keras does."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.mode = _direction(monitor, mode, "ReduceLROnPlateau")
        self.min_delta = abs(min_delta) * (1 if self.mode == "max" else -1)
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def _is_improvement(self, current):
        if self.best is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > self.best
        return current - self.min_delta < self.best

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and self._reduce(optimizer, epoch):
                self.cooldown_counter, self.wait = self.cooldown, 0

    def _reduce(self, optimizer, epoch):
        """Lower the rate unless it is already at `min_lr` (compared in float32, as Keras)."""
        old = float(np.asarray(optimizer.learning_rate))
        if old <= np.float32(self.min_lr):
            return False
        new = max(old * self.factor, self.min_lr)
        optimizer.learning_rate = new  # read by the next epoch's compiled steps
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
        return True

    def in_cooldown(self):
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file: `epoch`, then the log names sorted (with a
    `val_` column for each when the first epoch has no validation), "NA" where a value is missing.
    With `append=True` a run continues an existing file (its header is written only once)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.csv_file, self.writer, self.keys, self.append_header = None, None, None, True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not f.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:  # the columns are fixed by the first epoch
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: _csv_value(logs.get(k, "NA")) for k in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    """A list or array becomes one quoted cell, "[1, 2]"; numbers and strings stay as they are."""
    if isinstance(value, str) or not hasattr(value, "__iter__") or np.ndim(value) == 0:
        return value
    return f'"[{", ".join(map(str, value))}]"'


class ModelCheckpoint(Callback):
    """Saves the model (`model.save`) or its weights (`model.save_weights`) every epoch (or every
    `save_freq` batches), optionally only when `monitor` improves. The path may name the epoch and the
    logs: `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, "
                             f"received {save_freq!r}.")
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("ModelCheckpoint: with save_weights_only=True the filepath must end in "
                             f"'.weights.h5', received {self.filepath!r}.")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError("ModelCheckpoint: the filepath must end in '.keras' (or '.weights.h5' with "
                             f"save_weights_only=True), received {self.filepath!r}.")
        self.save_freq = save_freq
        self.mode = _direction(monitor, mode, "ModelCheckpoint")
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            -np.inf if self.mode == "max" else np.inf)
        self._epoch, self._batches_seen = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = {k: float(np.asarray(v)) for k, v in (logs or {}).items()}
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None and batch is not None:  # mid-epoch, the latest weights are in the running fit
            sync()
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                print(f"ModelCheckpoint: can save best model only with '{self.monitor}' available; "
                      "skipping.")
                return
            improved = current > self.best if self.mode == "max" else current < self.best
            if not improved:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model")
            self.best = current
        path = self.filepath.format(epoch=epoch + 1, batch=batch, **logs)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
        if self.verbose > 0 and not self.save_best_only:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")


class ProgbarLogger(Callback):
    """Keras's progress output: a bar per epoch (verbose=1) or a line per epoch (verbose=2); the same
    for one pass of `evaluate` (with its logs) and `predict` (without: its outputs are no metrics)."""

    def _start(self):
        from kerasbook.core.training.progbar import Progbar
        self.verbose = self.params.get("verbose", 1)
        self.progbar = Progbar(self.params.get("steps"), verbose=self.verbose)

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:  # Keras names no epoch when there is only one
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self._start()

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self.progbar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            self.progbar.finish(logs or {})

    def on_test_begin(self, logs=None):
        self._start()

    on_test_batch_end = on_train_batch_end

    def on_test_end(self, logs=None):
        if self.verbose:
            self.progbar.finish(logs or {})

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self.progbar.update(batch + 1)

    def on_predict_end(self, logs=None):
        if self.verbose:
            self.progbar.finish({})


# Callbacks kept in their own modules (they import this one for `Callback`), loaded on first use.
_ELSEWHERE = {"TensorBoard": "callbacks_tensorboard", "BackupAndRestore": "callbacks_backup",
              "RemoteMonitor": "callbacks_remote"}


def __getattr__(name):
    if name in _ELSEWHERE:
        import importlib
        value = getattr(importlib.import_module(f"kerasbook.core.training.{_ELSEWHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_ELSEWHERE))
