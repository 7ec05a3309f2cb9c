"""BackupAndRestore in real fits: a run interrupted by an error resumes, in a second fit, at the right
epoch with the same weights and optimizer state, and ends where an uninterrupted run ends; backups
every N batches; the previous backup kept and used when the latest is damaged; the folder deleted
at the end (or kept). The files are Keras's: Keras's own BackupAndRestore resumes from them."""

import inspect
import json
import os

import keras
import numpy as np
import pytest

import kerasbook
from kerasbook.core.training import callbacks

RNG = np.random.default_rng(3)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [2.0]], "float32")).astype("float32")


class Interrupt(Exception):
    pass


class InterruptAt(callbacks.Callback):
    """Raises at the end of batch `batch` of epoch `epoch`, like a crash in the middle of training."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise Interrupt(f"epoch {self.epoch}, batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch and self.batch is None:
            raise Interrupt(f"after epoch {epoch}")


def _model(library=kerasbook):
    model = library.Sequential([library.Input((3,)), library.layers.Dense(4, activation="tanh"),
                                library.layers.Dense(1)])
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), "float32") for i, w in enumerate(model.get_weights())])
    model.compile(library.optimizers.Adam(0.05), "mse")
    return model


def _fit(model, epochs, extra=(), backup=None):
    return model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=([backup] if backup else []) + list(extra))


def _optimizer_state(model):
    return [np.asarray(v.value) for v in model.optimizer.variables]


def test_signature_equals_keras():
    ours = inspect.signature(callbacks.BackupAndRestore).parameters
    theirs = inspect.signature(keras.callbacks.BackupAndRestore).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
    assert kerasbook.callbacks.BackupAndRestore is callbacks.BackupAndRestore


def test_interrupted_fit_resumes_at_the_next_epoch_with_the_same_state(tmp_path):
    reference = _model()
    _fit(reference, 5)

    model = _model()
    backup = callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(Interrupt):
        _fit(model, 5, [InterruptAt(epoch=2)], backup)  # the backup of epoch 2 is written, then the crash
    metadata = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert metadata == {"epoch": 3, "batch": 0}
    saved_weights = model.get_weights()
    saved_optimizer = _optimizer_state(model)

    resumed = _model()  # a new process: fresh weights, an optimizer not built yet
    history = _fit(resumed, 5, backup=callbacks.BackupAndRestore(tmp_path / "backup"))
    assert history.epoch == [3, 4]  # epochs 0-2 are not run again
    assert not os.path.exists(tmp_path / "backup")  # a finished run deletes its backup
    for ours, theirs in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    for ours, theirs in zip(_optimizer_state(resumed), _optimizer_state(reference)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert int(resumed.optimizer.iterations.numpy()) == 5 * 4
    # the state restored was the one saved at the crash
    restored = _model()
    restored.optimizer.build(restored.trainable_variables)
    restored.load_weights(_backup_copy(tmp_path, saved_weights, saved_optimizer))
    assert int(restored.optimizer.iterations.numpy()) == 3 * 4


def _backup_copy(tmp_path, weights, optimizer_values):
    model = _model()
    model.optimizer.build(model.trainable_variables)
    model.set_weights(weights)
    for variable, value in zip(model.optimizer.variables, optimizer_values):
        variable.assign(value)
    path = tmp_path / "copy.weights.h5"
    model.save_weights(path)
    return path


def test_backups_every_n_batches_resume_mid_epoch_state(tmp_path):
    """save_freq=3 with 4 batches an epoch: backups after steps 3 and 6 (epoch 1, batch 1); a crash at
    epoch 1, batch 3 leaves the second, taken mid-epoch: the weights and optimizer after 6 steps."""
    model = _model()
    backup = callbacks.BackupAndRestore(tmp_path / "b", save_freq=3, delete_checkpoint=False)
    with pytest.raises(Interrupt):
        _fit(model, 3, [InterruptAt(epoch=1, batch=3)], backup)
    stored = _model()
    stored.optimizer.build(stored.trainable_variables)
    stored.load_weights(tmp_path / "b" / "latest.weights.h5")
    assert int(stored.optimizer.iterations.numpy()) == 6  # written mid-epoch, with the running state
    reference = _model()
    _fit(reference, 1)
    reference.fit(X[:16], Y[:16], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(stored.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    meta = json.loads((tmp_path / "b" / "training_metadata.json").read_text())
    assert meta == {"epoch": 1, "batch": 1}  # Keras's record: the epoch being run, the batch reached
    _fit(_model(), 3, backup=callbacks.BackupAndRestore(tmp_path / "b", save_freq=3, delete_checkpoint=False))
    assert os.path.exists(tmp_path / "b" / "latest.weights.h5")  # delete_checkpoint=False keeps it


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    model = _model()
    backup = callbacks.BackupAndRestore(tmp_path / "d", double_checkpoint=True)
    with pytest.raises(Interrupt):
        _fit(model, 5, [InterruptAt(epoch=2)], backup)
    assert json.loads((tmp_path / "d" / "training_metadata.json.bkp").read_text())["epoch"] == 2
    (tmp_path / "d" / "latest.weights.h5").write_bytes(b"not an h5 file")  # a crash while writing it
    resumed = _model()
    history = _fit(resumed, 4, backup=callbacks.BackupAndRestore(tmp_path / "d", double_checkpoint=True))
    assert history.epoch == [2, 3]  # from the previous backup: epochs 0 and 1 done


def test_keras_resumes_from_a_kerasbook_backup(tmp_path):
    """The files are Keras's format: Keras's BackupAndRestore picks up where kerasbook stopped."""
    model = _model()
    with pytest.raises(Interrupt):
        _fit(model, 4, [InterruptAt(epoch=1)], callbacks.BackupAndRestore(tmp_path / "k"))
    theirs = _model(keras)
    theirs.build((None, 3))
    history = theirs.fit(X, Y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                         callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "k"))])
    assert history.epoch == [2, 3]
    reference = _model()
    _fit(reference, 4)
    for ours, expected in zip(theirs.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)


def test_arguments_checked_as_keras_checks_them():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore("x", save_freq="often")
