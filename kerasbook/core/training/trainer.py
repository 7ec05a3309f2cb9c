"""`compile`, `fit`, `evaluate`, `predict`, on Keras 3's JAX trainer contract.

A training step is a pure function of arrays, as in Keras 3 (`keras/src/backend/jax/trainer.py`):

    train_step(state, data) -> (logs, state)
    state = (trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables)

The built-in `train_step` differentiates `compute_loss_and_updates` (the model's `stateless_call`,
then `compute_loss`) with `jax.value_and_grad`, applies `optimizer.stateless_apply`, and updates the
metrics with `compute_metrics`; `test_step` and `predict_step` are the same without the update. A
model may override any of them, or only `compute_loss`, `compute_metrics` or `metrics`: `fit`
compiles whichever step the model has (compiled_steps.py). Between steps the values stay on the
device as JAX arrays; the step donates them (XLA updates them in place), and they are written back
into the `Variable`s at the end of each epoch, so Python does almost nothing per step. Under a
`keras.distribution` each batch is placed with the distribution's data layout and the steps are
compiled for the variables' layouts (training/distribution.py); without one, everything runs on
JAX's default device, as in Keras 3.
"""

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core import tree

from kerasbook.core.engine import state, tracking, variables
from kerasbook.core.training import data as data_lib
from kerasbook.core.training import distribution as distribution_lib
from kerasbook.core.training import divergence, fit_arguments
from kerasbook.core.training.compile_utils import CompileLoss, CompileMetrics
from kerasbook.core.training.compiled_steps import CompiledStep, batch_spec, check_step_signature, checked_step
from kerasbook.core.training.metrics import Mean, Metric, values_of

# Attributes holding the metrics `compile` made: `Model.metrics` lists them first, in Keras's order.
_TRAINER_METRICS = frozenset({"_loss_tracker", "_compile_metrics"})


class Trainer:
    """Mixed into `Model`."""

    compiled = False
    optimizer = None
    stop_training = False

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        from kerasbook.core.training import optimizers
        self.optimizer = optimizers.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16" and self.optimizer
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)):
            # float16 gradients of small losses underflow to 0: scale the loss up, the gradients back
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        self._loss_tracker = Mean(name="loss")
        self._compile_loss = CompileLoss(loss, loss_weights, self._output_names_for_training())
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, self._output_names_for_training())
        self._compile_metrics.output_loss_trackers = self._compile_loss.output_trackers  # the monitor reads them
        from kerasbook.core.saving.serialization import serialize_keras_object
        self._compile_config = {"loss": serialize_keras_object(loss), "loss_weights": loss_weights,
                                "metrics": serialize_keras_object(metrics)}
        self._step_cache = {}
        self.compiled = True
        self.stop_training = False

    def get_compile_config(self):
        """How the model was compiled, in Keras 3's form (what `.keras` files store)."""
        if not self.compiled:
            return None
        from kerasbook.core.saving.serialization import serialize_keras_object
        config = dict(self._compile_config)
        return {"optimizer": serialize_keras_object(self.optimizer), "loss": config["loss"],
                "loss_weights": config["loss_weights"], "metrics": config["metrics"],
                "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
                "jit_compile": True}

    def compile_from_config(self, config):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        optimizer = config.get("optimizer")
        if isinstance(optimizer, dict):
            from kerasbook.core.training import optimizers
            optimizer = optimizers.get(optimizer)
        loss = config.get("loss")
        if isinstance(loss, dict) and "class_name" in loss:
            loss = deserialize_keras_object(loss)
        self.compile(optimizer=optimizer or "rmsprop", loss=loss, loss_weights=config.get("loss_weights"),
                     metrics=config.get("metrics"))

    def _output_names_for_training(self):
        return list(getattr(self, "output_names", None) or ["output"])

    # -- Keras 3's contract: what a custom step reads and overrides ----------------------------
    @property
    def metrics(self):
        """The metrics a step updates, in Keras 3's order: the loss tracker (`loss`), the compiled
        metrics as one Metric (`compile_metrics`, whose result is a dict), each output's loss tracker,
        then the Metric attributes of the model and of its layers (`self.loss_tracker = Mean()`)."""
        found = []
        if self.compiled:
            found.append(self._loss_tracker)
            if self._compile_metrics.given:
                found.append(self._compile_metrics)
            found.extend(self._compile_loss.metrics)
        for layer in self._flatten_layers():
            for metric in tracking.find(layer, Metric, _TRAINER_METRICS):
                if all(metric is not known for known in found):
                    found.append(metric)
        return found

    @property
    def metrics_variables(self):
        """The variables of `self.metrics`, in order: the last part of a training step's state."""
        return [v for metric in self.metrics for v in metric.variables]

    @property
    def metrics_names(self):
        return [metric.name for metric in self.metrics]

    @property
    def losses(self):
        """As a Layer's, or, while a step computes the loss, the losses its model call returned."""
        override = self.__dict__.get("_losses_override")
        return list(override) if override else super().losses

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The loss of one batch: the compiled loss of `y` against `y_pred`, plus `self.losses`
        (`add_loss`, regularizers), each summed to a scalar. Override it to change the loss and keep
        the rest of `fit`."""
        del x, training  # the default loss uses neither
        losses = []
        compiled = self._compile_loss(y, y_pred, sample_weight)
        if compiled is not None:
            losses.append(compiled)
        losses.extend(jnp.sum(jnp.asarray(loss, "float32")) for loss in self.losses)
        if not losses:
            raise ValueError("The model has no loss to optimize: pass `loss=` to compile(), or add one "
                             "in a layer with `self.add_loss(...)`.")
        return functools.reduce(lambda a, b: a + b, losses)

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """`compute_loss`, also when an override leaves out `training` (added in Keras 3.3)."""
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables, metrics_variables,
                               x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`compute_loss` on given variable values (the regularizers read them). Returns
        `loss, (trainable_variables, non_trainable_variables, metrics_variables)`."""
        groups = (self.trainable_variables, self.non_trainable_variables, self.metrics_variables)
        values = (trainable_variables, non_trainable_variables, metrics_variables)
        with state.StatelessScope(_mapping(groups, values)) as scope:
            loss = self._compute_loss(x, y, y_pred, sample_weight, training)
        return loss, (trainable_variables, [scope.get(v) for v in groups[1]], [scope.get(v) for v in groups[2]])

    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, metrics_variables, x, y,
                                 sample_weight, training=False, optimizer_variables=None):
        """The forward pass and the loss, as a pure function for `jax.value_and_grad`. Returns
        `loss, (unscaled_loss, y_pred, non_trainable_variables, metrics_variables)`."""
        y_pred, non_trainable_variables, losses = self.stateless_call(
            trainable_variables, non_trainable_variables, x, return_losses=True, training=training)
        self.__dict__["_losses_override"] = losses  # what compute_loss sees as self.losses
        try:
            loss, (_, non_trainable_variables, metrics_variables) = self.stateless_compute_loss(
                trainable_variables, non_trainable_variables, metrics_variables, x=x, y=y, y_pred=y_pred,
                sample_weight=sample_weight, training=training)
        finally:
            self.__dict__["_losses_override"] = None
        scaled_loss = loss  # a LossScaleOptimizer's scale multiplies the gradients too (float16 training)
        if training and optimizer_variables is not None and hasattr(self.optimizer, "scale_loss"):
            with state.StatelessScope(dict(zip(self.optimizer.variables, optimizer_variables))):
                scaled_loss = self.optimizer.scale_loss(loss)
        return scaled_loss, (loss, y_pred, non_trainable_variables, metrics_variables)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch; return every metric's result (a dict).
        Override it to update metrics of your own."""
        del x
        if self._compile_metrics.given:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """`{name: value}` for each of `self.metrics`; a dict result (compile_metrics) is spread out."""
        results = {}
        for metric in self.metrics:
            result = values_of(metric.result())
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    def _update_metrics_variables(self, metrics_variables, loss, x, y, y_pred, sample_weight):
        """The loss tracker and `compute_metrics` run on `metrics_variables`: returns (logs, new values)."""
        metric_vars = self.metrics_variables
        with state.StatelessScope(dict(zip(metric_vars, metrics_variables))) as scope:
            batch_size = next(a for a in tree.flatten(x) if a is not None).shape[0]
            self._loss_tracker.update_state(loss, sample_weight=batch_size)
            logs = self.compute_metrics(x, y, y_pred, sample_weight)
        return logs, [scope.get(v) for v in metric_vars]

    def train_step(self, state, data):
        """One step of `fit`, a pure function: `state` is `(trainable_variables,
        non_trainable_variables, optimizer_variables, metrics_variables)` (lists of arrays), `data`
        one batch `(x, y, sample_weight)` (or `(x, y)`, or `x`). Returns `(logs, state)`."""
        trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
        x, y, sample_weight = data_lib.unpack_x_y_sample_weight(data)
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, aux), grads = grad_fn(trainable_variables, non_trainable_variables, metrics_variables, x, y,
                                     sample_weight, training=True, optimizer_variables=optimizer_variables)
        unscaled_loss, y_pred, non_trainable_variables, metrics_variables = aux
        trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        logs, metrics_variables = self._update_metrics_variables(metrics_variables, unscaled_loss, x, y,
                                                                 y_pred, sample_weight)
        return logs, (trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables)

    def test_step(self, state, data):
        """One step of `evaluate`: `state` is `(trainable_variables, non_trainable_variables,
        metrics_variables)`. Returns `(logs, state)`."""
        trainable_variables, non_trainable_variables, metrics_variables = state
        x, y, sample_weight = data_lib.unpack_x_y_sample_weight(data)
        loss, aux = self.compute_loss_and_updates(trainable_variables, non_trainable_variables,
                                                  metrics_variables, x, y, sample_weight, training=False)
        unscaled_loss, y_pred, non_trainable_variables, metrics_variables = aux
        logs, metrics_variables = self._update_metrics_variables(metrics_variables, unscaled_loss, x, y,
                                                                 y_pred, sample_weight)
        return logs, (trainable_variables, non_trainable_variables, metrics_variables)

    def predict_step(self, state, data):
        """One step of `predict`: `state` is `(trainable_variables, non_trainable_variables)`.
        Returns `(outputs, non_trainable_variables)`."""
        trainable_variables, non_trainable_variables = state
        x, _, _ = data_lib.unpack_x_y_sample_weight(data)
        return self.stateless_call(trainable_variables, non_trainable_variables, x, training=False)

    # -- state ---------------------------------------------------------------------------------
    def _state_variables(self, kind):
        """The variables behind each part of a `kind` step's state, as Keras 3 groups them."""
        if kind == "train":
            self.optimizer.build(self.trainable_variables)
            return (self.trainable_variables, self.non_trainable_variables, self.optimizer.variables,
                    self.metrics_variables)
        if kind == "test":
            return self.trainable_variables, self.non_trainable_variables, self.metrics_variables
        return self.trainable_variables, self.non_trainable_variables

    @staticmethod
    def _values(groups):
        variables.materialize([v for group in groups for v in group])
        return tuple([v.value for v in group] for group in groups)

    @classmethod
    def _step_inputs(cls, groups):
        """Copies of the values, for the train step to consume: it donates its inputs, so XLA
        updates weights and optimizer state in place, and the variables keep their own arrays."""
        values = cls._values(groups)  # copied without compiling a copy; in their own layouts
        return jax.device_put(values, distribution_lib.own_shardings(values), may_alias=False)

    def jax_state_sync(self):
        """Write the state of the running `fit` (weights, optimizer, metrics) into the variables now.
        `fit` does it at the end of each epoch; a callback that saves in the middle of one (a
        ModelCheckpoint or BackupAndRestore with `save_freq` in batches) calls this first, as in
        Keras's JAX trainer. The variables get copies: the next step reuses the arrays in place."""
        running = getattr(self, "_running_state", None)
        if running is not None and running.values is not None:
            values = running.values
            self._write_back(running.groups, jax.device_put(values, distribution_lib.own_shardings(values),
                                                            may_alias=False))

    @staticmethod
    def _write_back(groups, values):
        for group, group_values in zip(groups, values):
            for variable, value in zip(group, group_values):
                variable.assign(value)

    def _reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    # -- the compiled steps --------------------------------------------------------------------
    def _step(self, kind, groups):
        """`train_step`, `test_step` or `predict_step` (the model's own, or an override) compiled,
        kept while the variables stay the same."""
        distribution_lib.check_model(self)
        dist = distribution_lib.current()
        key = (kind, tuple(id(v) for group in groups for v in group), dist)  # dist held: its id stays its own
        fn = self._step_cache.get(key)
        if fn is None:
            check_step_signature(self, kind)
            fn = self._step_cache[key] = CompiledStep(checked_step(self, kind, groups), donate=kind == "train",
                                                      layout=distribution_lib.StepLayout(groups, dist, kind))
        return fn

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        from kerasbook.core import config
        from kerasbook.core.training import callbacks as callbacks_lib
        self._require_compiled("fit")
        _check_validation_freq(validation_freq)
        fit_arguments.check_fit(batch_size, epochs, validation_split, initial_epoch, steps_per_epoch,
                                validation_steps, validation_batch_size, validation_freq, class_weight)
        epochs, steps_per_epoch = config.capped(epochs, steps_per_epoch)  # keras.config.set_max_epochs
        batch_size = batch_size or 32
        if data_lib.is_py_dataset(x):
            data_lib.check_dataset_arguments("fit", y, sample_weight, validation_split)
            epoch_batches = self._dataset_batches(x, shuffle, steps_per_epoch, class_weight)
        else:
            epoch_batches, validation_data = self._array_batches(
                x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight, validation_split,
                validation_data)

        history = callbacks_lib.History()
        verbose = _verbosity(verbose, callbacks)
        callback_list = callbacks_lib.CallbackList(
            list(callbacks or []) + [history], add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=len(epoch_batches))
        groups = self._state_variables("train")
        step = self._step("train", groups)
        # Compile every batch shape the epoch will see, one after the other in a background thread
        # while the weights are initialized and the first batches run: the full batch first, then
        # the smaller last batch and the validation batches.
        for sample, size, once_per_epoch in epoch_batches.shapes_ahead():
            step.compile_ahead(groups, batch_spec(sample, size), trace_here=not once_per_epoch,
                               once_per_epoch=once_per_epoch)
        if data_lib.is_py_dataset(validation_data):
            val_x, val_y, val_weight = validation_data, None, None
        elif validation_data is not None:
            val_x, val_y, val_weight = self._standardize(*_unpack_validation(validation_data))
            self._compile_test_ahead(val_x, val_y, val_weight, validation_batch_size or batch_size)
        # The callbacks see the validation pass too (their test hooks), with fit's params kept.
        validation_callbacks = callbacks_lib.CallbackList(list(callbacks or []), model=self)
        self.stop_training = False
        # TerminateOnNaN already reports a loss that stops being a number, and stops there
        epoch_logs, diverged = {}, any(isinstance(c, callbacks_lib.TerminateOnNaN) for c in callbacks or [])
        self._initial_epoch = None  # BackupAndRestore sets it when it restores an interrupted run
        self._running_state = running = _RunningState(groups)  # for jax_state_sync
        callback_list.on_train_begin({})
        initial_epoch = self._initial_epoch or initial_epoch
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            callback_list.on_epoch_begin(epoch, {})  # may change weights or the learning rate
            values = self._step_inputs(groups)
            logs = {}
            for batch_index, batch in enumerate(epoch_batches.epoch()):
                callback_list.on_train_batch_begin(batch_index, {})
                logs, values = step(values, self._place(batch))
                running.values = values
                callback_list.on_train_batch_end(batch_index, _flat_logs(logs))
                if self.stop_training:
                    break
            epoch_logs = _to_python(logs)
            diverged = divergence.warn_if_not_finite(epoch_logs, epoch, diverged)
            self._write_back(groups, values)
            if validation_data is not None and _should_validate(epoch, validation_freq):
                val_logs = self.evaluate(val_x, val_y, sample_weight=val_weight,
                                         batch_size=validation_batch_size or batch_size, verbose=0,
                                         steps=validation_steps, return_dict=True,
                                         callbacks=validation_callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        running.values = None
        callback_list.on_train_end(epoch_logs)
        return history

    def _array_batches(self, x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight,
                       validation_split, validation_data):
        """fit's batches of arrays (validation_split taken off first), and its validation data."""
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        fit_arguments.check_sample_weight("fit", sample_weight, y)
        if class_weight is not None and sample_weight is not None:
            raise ValueError("Pass either `class_weight` or `sample_weight` to fit(), not both.")
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = data_lib.split_validation(
                x, y, sample_weight, validation_split)
        if class_weight is not None:  # for training only: the validation loss is not reweighted
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        n = data_lib.num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
        self._prepare(x, y)
        data = data_lib.pack_x_y_sample_weight(x, y, sample_weight)
        rng = np.random.default_rng(np.random.randint(0, 2**31 - 1))
        return data_lib.EpochBatches(data, n, batch_size, shuffle, rng, steps_per_epoch), validation_data

    def _dataset_batches(self, dataset, shuffle=False, steps=None, class_weight=None, inputs_only=False):
        """A PyDataset's batches, each standardized as arrays are (`inputs_only`: predict's `x`); the
        model built, and the targets checked, on its first batch."""
        if inputs_only:
            batches = data_lib.DatasetBatches(dataset, lambda x, y, w: self._standardize_inputs(x), shuffle, steps)
            self._ensure_built(batches.first)
            return batches
        batches = data_lib.DatasetBatches(
            dataset, lambda x, y, w: data_lib.pack_x_y_sample_weight(*self._standardize(x, y, w)), shuffle,
            steps, class_weight)
        self._prepare(*data_lib.unpack_x_y_sample_weight(batches.first)[:2])
        return batches

    def _compile_test_ahead(self, x, y, sample_weight, batch_size):
        """Start compiling the test step for validation batches of this size (and the last, smaller one)."""
        data = data_lib.pack_x_y_sample_weight(x, y, sample_weight)
        n = data_lib.num_samples(("x", x))
        size = min(batch_size, n)
        groups = self._state_variables("test")
        test_step = self._step("test", groups)
        test_step.compile_ahead(groups, batch_spec(data, size))
        if n % size:
            test_step.compile_ahead(groups, batch_spec(data, n % size), once_per_epoch=True)

    # -- evaluate and predict ------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        self._require_compiled("evaluate")
        fit_arguments.check_steps("evaluate", batch_size, steps)
        if data_lib.is_py_dataset(x):
            data_lib.check_dataset_arguments("evaluate", y, sample_weight)
            epoch_batches = self._dataset_batches(x, steps=steps)
        else:
            x, y, sample_weight = self._standardize(x, y, sample_weight)
            fit_arguments.check_sample_weight("evaluate", sample_weight, y)
            n = data_lib.num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
            self._prepare(x, y)
            data = data_lib.pack_x_y_sample_weight(x, y, sample_weight)
            epoch_batches = data_lib.EpochBatches(data, n, batch_size or 32, steps=steps)
        groups = self._state_variables("test")
        self._reset_metrics()
        step = self._step("test", groups)
        values = self._values(groups)
        logs = {}
        callback_list = self._callbacks_for_one_pass(callbacks, verbose, len(epoch_batches))
        callback_list.on_test_begin({})
        for batch_index, batch in enumerate(epoch_batches.epoch()):
            callback_list.on_test_batch_begin(batch_index, {})
            logs, values = step(values, self._place(batch))
            callback_list.on_test_batch_end(batch_index, _flat_logs(logs))
        self._write_back(groups[2:], values[2:])
        logs = _to_python(logs)
        callback_list.on_test_end(logs)
        return _result(logs, return_dict, self._log_order())

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        fit_arguments.check_steps("predict", batch_size, steps)
        if data_lib.is_py_dataset(x):
            epoch_batches = self._dataset_batches(x, steps=steps, inputs_only=True)
        else:
            x = self._standardize_inputs(x)
            self._ensure_built(x)
            epoch_batches = data_lib.EpochBatches(x, data_lib.num_samples(("x", x)), batch_size or 32,
                                                  steps=steps)
        run = self._predict_function()
        callback_list = self._callbacks_for_one_pass(callbacks, verbose, len(epoch_batches))
        callback_list.on_predict_begin({})
        outputs = []
        for batch_index, batch in enumerate(epoch_batches.epoch()):
            callback_list.on_predict_batch_begin(batch_index, {})
            outputs.append(run(self._place(batch)))
            callback_list.on_predict_batch_end(batch_index, {"outputs": outputs[-1]})
        callback_list.on_predict_end({})
        # Results come to the host once, at the end: meanwhile the device computes batch i while
        # Python slices batch i + 1.
        flat = [np.concatenate([distribution_lib.to_host(o) for o in parts]) for parts in
                zip(*[tree.flatten(o) for o in outputs])]
        return tree.pack_sequence_as(outputs[0], flat)

    def _predict_function(self):
        """batch -> outputs: `predict_step` compiled, the weights read once rather than at every batch.
        Without an override, the model's own compiled inference call (`model(x)` shares it)."""
        groups = self._state_variables("predict")
        distribution_lib.check_model(self)
        values = self._values(groups)
        if type(self).predict_step is Trainer.predict_step:
            call = self._compiled_call(False, groups)
            return lambda x: call(values, x)[0]
        step = self._step("predict", groups)
        return lambda x: step(values, (x,))[0]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        self._prepare(x, y)
        groups = self._state_variables("train")
        self._reset_metrics()
        logs, values = self._step("train", groups)(
            self._step_inputs(groups), self._place(data_lib.pack_x_y_sample_weight(x, y, sample_weight)))
        self._write_back(groups, values)
        return _result(_to_python(logs), return_dict, self._log_order())

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        return self.evaluate(x, y, batch_size=data_lib.num_samples(("x", self._standardize_inputs(x))),
                             sample_weight=sample_weight, verbose=0, return_dict=return_dict)

    def predict_on_batch(self, x):
        x = self._standardize_inputs(x)
        self._ensure_built(x)
        return tree.map_structure(np.asarray, self._predict_function()(self._place(x)))

    def _log_order(self):
        """The order of evaluate's list, as Keras's: each metric's name in `self.metrics` order
        (compile_metrics spread out)."""
        names = []
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names += [m.name for _, _, m in metric.metrics or []]
            else:
                names.append(metric.name)
        return names

    # -- helpers -------------------------------------------------------------------------------
    def _callbacks_for_one_pass(self, callbacks, verbose, steps):
        """The callbacks of one evaluate or predict pass, with Keras's progress bar unless verbose=0
        (a CallbackList, fit's for its validation, is used as it is)."""
        from kerasbook.core.training import callbacks as callbacks_lib
        if isinstance(callbacks, callbacks_lib.CallbackList):
            return callbacks
        return callbacks_lib.CallbackList(callbacks, add_progbar=_verbosity(verbose) != 0, model=self,
                                          verbose=_verbosity(verbose), epochs=1, steps=steps)

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f'You must call compile() on model "{self.name}" before {what}().')

    def _standardize_inputs(self, x):
        names = getattr(self, "input_names", None)
        if names:
            x = data_lib.match_to_names(x, names, "input", self.name)
        return data_lib.as_numpy(x)

    def _standardize(self, x, y, sample_weight):
        if x is None:
            raise ValueError("fit/evaluate need data: pass `x` (and `y`, unless the model adds its own loss).")
        x = self._standardize_inputs(x)
        if y is not None:
            y = data_lib.as_numpy(data_lib.match_to_names(y, self._output_names_for_training(), "output",
                                                          self.name))
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype="float32")
        return x, y, sample_weight

    def _ensure_built(self, x):
        if self.built:
            return
        first = tree.flatten(x)[0]
        if first is None or not hasattr(first, "shape"):
            raise ValueError(f'Model "{self.name}" is not built and received no data with a shape; '
                             "call build(input_shape) or call the model on a batch first.")
        # Build from the shapes alone: running the model eagerly would compile every operation.
        self._build_for((tree.map_structure(lambda a: jax.ShapeDtypeStruct((None,) + a.shape[1:], a.dtype),
                                            x),))

    def _prepare(self, x, y):
        """Build the model, check targets against predictions, and resolve metrics like "accuracy"."""
        self._ensure_built(x)
        if y is None:
            return
        specs = self._symbolic_prediction_specs()
        if specs is None:  # work them out by tracing the model's call abstractly
            groups = self._state_variables("predict")
            specs = jax.eval_shape(
                lambda values, x: self.stateless_call(*values, x)[0],
                tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups),
                tree.map_structure(lambda a: jax.ShapeDtypeStruct((2,) + a.shape[1:], a.dtype), x))
        if self._compile_loss.has_losses:
            self._compile_loss.check_shapes(y, specs)
        self._compile_metrics.build(y, specs, self._compile_loss.losses)

    def _symbolic_prediction_specs(self):
        """The predictions for a batch of 2, as shapes and dtypes, when the model knows them without
        running (a functional or Sequential model: see Functional); else None, and fit traces the call."""
        return None

    def _place(self, batch):
        """A batch laid out by the current keras.distribution (as it is without one)."""
        return distribution_lib.place_batch(batch)


def _verbosity(verbose, callbacks=()):
    """Keras's "auto" is 1 (the progress bar), except when a callback shows the progress itself (a
    TrainingMonitor in a notebook says so with `shows_progress`): then 0, so it is not shown twice."""
    if verbose == "auto":
        return 0 if any(getattr(c, "shows_progress", False) for c in callbacks or ()) else 1
    return int(verbose)


def _flat_logs(logs):
    """A step's logs with nested dicts (`compile_metrics`' result) spread out, as Keras does."""
    if not isinstance(logs, dict):
        return {"logs": logs} if logs is not None else {}
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(_flat_logs(value))
        else:
            flat[key] = value
    return flat


class _RunningState:
    """The variables of a running `fit` and their latest values (between two steps). A plain object,
    so that the layer tracking, which looks into lists and dicts, does not find the variables in it."""

    def __init__(self, groups):
        self.groups, self.values = groups, None


def _to_python(logs):
    """Logs as Python floats (arrays of more than one number as NumPy arrays), sorted by name as
    Keras gives them (`accuracy` before `loss`): the epoch logs, history, the progress line and
    evaluate's dict."""
    flat = _flat_logs(logs)
    return {k: _python_value(flat[k]) for k in sorted(flat)}


def _python_value(value):
    array = np.asarray(value)
    return float(array.reshape(())) if array.size == 1 else array


def _mapping(groups, values):
    """{variable: value} over groups of variables and their values, one to one."""
    mapping = {}
    for group, group_values in zip(groups, values):
        mapping.update(zip(group, group_values))
    return mapping


def _check_validation_freq(validation_freq):
    if not isinstance(validation_freq, (int, list, tuple)) or isinstance(validation_freq, bool):
        raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={validation_freq} of the type {type(validation_freq)}.")


def _should_validate(epoch, validation_freq):
    """Keras's rule: every `validation_freq` epochs, or at the (1-based) epochs listed."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _result(logs, return_dict, order):
    """evaluate's answer: the logs, or as a list in `order` (the loss, each output's loss, then the
    metrics, as Keras lists them), or the loss alone when there is nothing else."""
    if return_dict:
        return logs
    if len(logs) == 1:
        return logs["loss"]
    return [logs[k] for k in order if k in logs] + [logs[k] for k in sorted(logs) if k not in order]


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        return tuple(validation_data) + (None,) * (3 - len(validation_data))
    raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight).")
