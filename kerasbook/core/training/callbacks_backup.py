"""BackupAndRestore: a `fit` that was interrupted (an error, a killed kernel) starts again where the
last backup left it, with the same weights and optimizer state.

During training it writes, into `backup_dir`, the model's weights with its optimizer state
(`latest.weights.h5`) and how far training got (`training_metadata.json`: the next epoch to run),
at the end of each epoch or every `save_freq` batches. When `fit` starts again with the callback, it
loads them and `fit` skips the epochs already done. At the end of a finished run the backup is
deleted (unless `delete_checkpoint=False`). With `double_checkpoint=True` the previous backup is kept
as `*.bkp`, and used if the latest one cannot be read (a crash in the middle of writing it).
"""

import json
import os
import shutil

from kerasbook.core.training.callbacks import Callback


class BackupAndRestore(Callback):
    """Backs up training in `backup_dir` and restores it when `fit` is run again after a failure."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir, self.save_freq = backup_dir, save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._weights_path = os.path.join(backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._batches_seen_since_last_saving, self._last_batch_seen, self._current_epoch = 0, 0, 0

    def on_train_begin(self, logs=None):
        """Restore the latest backup, or the previous one if the latest cannot be read."""
        try:
            self._load_model()
        except (OSError, ValueError):  # kerasbook's load_weights names a damaged file in a ValueError
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call "
                             f"`fit()`. Model {self.model} is unbuilt. You can build it beforehand by calling "
                             "it on a batch of data.")
        if os.path.exists(self._weights_path):
            optimizer = self.model.optimizer
            if optimizer is not None and not optimizer.built:  # so its slots can take the saved state
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                self.model._initial_epoch = json.load(f)["epoch"]  # fit starts from there

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._last_batch_seen = epoch + 1, 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch):
        """Whether `save_freq` batches have passed since the last backup (counted across epochs)."""
        if self.save_freq == "epoch":
            return False
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self):
        """The weights (with the optimizer's state) and the next epoch; the previous pair kept as .bkp."""
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copy(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:  # mid-epoch, the latest state is still in the running fit
            sync()
        self.model.save_weights(self._weights_path, overwrite=True)
        with open(self._training_metadata_path, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
