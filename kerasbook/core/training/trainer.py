"""`compile`, `fit`, `evaluate`, `predict`: the training loop, as one jit-compiled step.

The whole train step is a pure function of arrays:

    (trainable, non_trainable, optimizer, metrics values), batch
        -> loss and gradients (jax.value_and_grad of the model's stateless_call)
        -> new values (the optimizer's update, run in a StatelessScope)

It is compiled once per batch shape. Between steps the values stay on the device as JAX arrays; the
step donates them (XLA updates them in place), and they are written back into the `Variable`s at the
end of each epoch, so Python does almost nothing per step. With several JAX devices the batch is split across them
(`jax.sharding`, a mesh over the batch axis) and the values are replicated.
"""

import concurrent.futures

import jax
import numpy as np

from kerasbook.core import state, tree, variables
from kerasbook.core.training import data as data_lib
from kerasbook.core.training.compile_utils import CompileLoss, CompileMetrics


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
        self._compile_loss = CompileLoss(loss, loss_weights, self._output_names_for_training())
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, self._output_names_for_training())
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

    # -- state ---------------------------------------------------------------------------------
    def _state_variables(self):
        self.optimizer.build(self.trainable_variables)
        return (self.trainable_variables, self.non_trainable_variables, self.optimizer.variables,
                self._compile_metrics.variables)

    @staticmethod
    def _values(groups):
        variables.materialize([v for group in groups for v in group])
        return tuple([v.value for v in group] for group in groups)

    @classmethod
    def _step_inputs(cls, groups):
        """Copies of the values, for the train step to consume: it donates its inputs, so XLA
        updates weights and optimizer state in place, and the variables keep their own arrays."""
        return jax.device_put(cls._values(groups), may_alias=False)  # a copy, without compiling one

    @staticmethod
    def _write_back(groups, values):
        for group, group_values in zip(groups, values):
            for variable, value in zip(group, group_values):
                variable.assign(value)

    # -- the compiled steps --------------------------------------------------------------------
    def _step(self, kind, groups):
        key = (kind, tuple(id(v) for group in groups for v in group))
        fn = self._step_cache.get(key)
        if fn is None:
            builder = {"train": self._make_train_step, "test": self._make_test_step}[kind]
            fn = self._step_cache[key] = CompiledStep(builder(groups), donate=kind == "train")
        return fn

    def _make_train_step(self, groups):
        trainable, non_trainable, optimizer_vars, metric_vars = groups

        def train_step(values, x, y, sample_weight):
            tv, ntv, ov, mv = values

            def loss_fn(tv):
                y_pred, new_ntv, extra_losses = self.stateless_call(tv, ntv, x, training=True)
                loss, per_output = self._compile_loss(y, y_pred, sample_weight, extra_losses)
                return loss, (y_pred, new_ntv, per_output)

            (loss, (y_pred, ntv, per_output)), grads = jax.value_and_grad(loss_fn, has_aux=True)(tv)
            mapping = dict(zip(trainable, tv))
            mapping.update(zip(optimizer_vars, ov))
            with state.StatelessScope(mapping) as scope:
                self.optimizer.apply(grads, trainable)
            tv = [scope.get(v) for v in trainable]
            ov = [scope.get(v) for v in optimizer_vars]
            mv, logs = self._compile_metrics.stateless_update(metric_vars, mv, y, y_pred, sample_weight,
                                                              loss, per_output)
            return (tv, ntv, ov, mv), logs

        return train_step

    def _make_test_step(self, groups):
        trainable, non_trainable, optimizer_vars, metric_vars = groups

        def test_step(values, x, y, sample_weight):
            tv, ntv, ov, mv = values
            y_pred, new_ntv, extra_losses = self.stateless_call(tv, ntv, x, training=False)
            loss, per_output = self._compile_loss(y, y_pred, sample_weight, extra_losses)
            mv, logs = self._compile_metrics.stateless_update(metric_vars, mv, y, y_pred, sample_weight,
                                                              loss, per_output)
            return ([None] * len(tv), state.unchanged_as_none(new_ntv, ntv), [None] * len(ov), mv), logs

        return test_step

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        from kerasbook.core.training import callbacks as callbacks_lib
        self._require_compiled("fit")
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Pass either `class_weight` or `sample_weight` to fit(), not both.")
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = data_lib.split_validation(
                x, y, sample_weight, validation_split)
        n = data_lib.num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
        batch_size = batch_size or 32
        self._prepare(x, y)

        steps = -(-n // batch_size)
        history = callbacks_lib.History()
        verbose = _verbosity(verbose, callbacks)
        callback_list = callbacks_lib.CallbackList(
            list(callbacks or []) + [history], add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps)
        groups = self._state_variables()
        step = self._step("train", groups)
        # Compile every batch shape the epoch will see, one after the other in a background thread
        # while the weights are initialized and the first batches run: the full batch first, then
        # the smaller last batch and the validation batches.
        first_size = min(batch_size, n)
        step.compile_ahead(groups, _batch_spec((x, y, sample_weight), first_size), trace_here=True)
        if n % batch_size and n > batch_size:
            step.compile_ahead(groups, _batch_spec((x, y, sample_weight), n % batch_size), once_per_epoch=True)
        if validation_data is not None:
            val_x, val_y, val_weight = self._standardize(*_unpack_validation(validation_data))
            val_n = data_lib.num_samples(("x", val_x))
            val_size = min(validation_batch_size or batch_size, val_n)
            test_step = self._step("test", groups)
            test_step.compile_ahead(groups, _batch_spec((val_x, val_y, val_weight), val_size))
            if val_n % val_size:
                test_step.compile_ahead(groups, _batch_spec((val_x, val_y, val_weight), val_n % val_size),
                                        once_per_epoch=True)
        rng = np.random.default_rng(np.random.randint(0, 2**31 - 1))
        self.stop_training = False
        callback_list.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            self._compile_metrics.reset(groups[3])
            callback_list.on_epoch_begin(epoch)  # may change weights or the learning rate
            values = self._step_inputs(groups)
            logs = {}
            for batch_index, index in enumerate(data_lib.batches(n, batch_size, shuffle, rng)):
                callback_list.on_train_batch_begin(batch_index)
                batch = self._place(data_lib.take((x, y, sample_weight), index))
                values, logs = step(values, *batch)
                callback_list.on_train_batch_end(batch_index, logs)
                if self.stop_training:
                    break
            epoch_logs = _to_python(logs)
            self._write_back(groups, values)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val_x, val_y, val_weight = _unpack_validation(validation_data)
                val_logs = self.evaluate(val_x, val_y, sample_weight=val_weight,
                                         batch_size=validation_batch_size or batch_size, verbose=0,
                                         return_dict=True)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs if epochs > initial_epoch else {})
        return history

    # -- evaluate and predict ------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        self._require_compiled("evaluate")
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        n = data_lib.num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
        batch_size = batch_size or 32
        self._prepare(x, y)
        groups = self._state_variables()
        self._compile_metrics.reset(groups[3])
        step = self._step("test", groups)
        values = self._values(groups)
        logs = {}
        callback_list = self._callbacks_for_one_pass(callbacks, verbose, -(-n // batch_size))
        callback_list.on_test_begin()
        for batch_index, index in enumerate(data_lib.batches(n, batch_size)):
            callback_list.on_test_batch_begin(batch_index)
            values, logs = step(values, *self._place(data_lib.take((x, y, sample_weight), index)))
            callback_list.on_test_batch_end(batch_index, logs)
        self._write_back(groups[3:], values[3:])
        logs = _to_python(logs)
        callback_list.on_test_end(logs)
        return _result(logs, return_dict, self._compile_metrics.log_names())

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        x = self._standardize_inputs(x)
        n = data_lib.num_samples(("x", x))
        batch_size = batch_size or 32
        self._ensure_built(x)
        run = self._inference_function()
        callback_list = self._callbacks_for_one_pass(callbacks, verbose, -(-n // batch_size))
        callback_list.on_predict_begin()
        outputs = []
        for batch_index, index in enumerate(data_lib.batches(n, batch_size)):
            callback_list.on_predict_batch_begin(batch_index)
            outputs.append(run(self._place(data_lib.take(x, index))))
            callback_list.on_predict_batch_end(batch_index, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        # Results come to the host once, at the end: meanwhile the device computes batch i while
        # Python slices batch i + 1.
        flat = [np.concatenate([np.asarray(o) for o in parts]) for parts in
                zip(*[tree.flatten(o) for o in outputs])]
        return tree.pack_sequence_as(outputs[0], flat)

    def _inference_function(self):
        """batch -> outputs in inference mode: the model's compiled call, with the weights read once
        rather than at every batch."""
        weights, fn = self._compiled_call(training=False)
        variables.materialize(weights)
        values = [v.value for v in weights]
        return lambda x: fn(values, x)[0]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        self._prepare(x, y)
        groups = self._state_variables()
        self._compile_metrics.reset(groups[3])
        values, logs = self._step("train", groups)(self._step_inputs(groups), *self._place((x, y, sample_weight)))
        self._write_back(groups, values)
        return _result(_to_python(logs), return_dict, self._compile_metrics.log_names())

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        return self.evaluate(x, y, batch_size=data_lib.num_samples(("x", self._standardize_inputs(x))),
                             sample_weight=sample_weight, verbose=0, return_dict=return_dict)

    def predict_on_batch(self, x):
        x = self._standardize_inputs(x)
        self._ensure_built(x)
        return tree.map_structure(np.asarray, self._inference_function()(self._place(x)))

    # -- helpers -------------------------------------------------------------------------------
    def _callbacks_for_one_pass(self, callbacks, verbose, steps):
        """The callbacks of one evaluate or predict pass, with Keras's progress bar unless verbose=0."""
        from kerasbook.core.training import callbacks as callbacks_lib
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
        variables = self.variables
        specs = jax.eval_shape(
            lambda values, x: self._stateless_run(variables, values, (x,), {})[0],
            [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in variables],
            tree.map_structure(lambda a: jax.ShapeDtypeStruct((2,) + a.shape[1:], a.dtype), x))
        if self._compile_loss.has_losses:
            self._compile_loss.check_shapes(y, specs)
        self._compile_metrics.build(y, specs, self._compile_loss.losses)

    def _place(self, batch):
        if jax.device_count() == 1:
            return batch
        return tree.map_structure(self._place_one, batch)

    def _place_one(self, array):
        """On one device: as is. On several: split along the batch axis (data parallelism)."""
        if array is None or jax.device_count() == 1:
            return array
        from kerasbook.core.training import distribution
        return distribution.shard_batch(array)


class CompiledStep:
    """A jit-compiled step, plus executables compiled ahead of time in a background thread.

    XLA takes about a second to compile a train step; `compile_ahead` starts that work for a batch
    shape before it is needed, so the smaller last batch of an epoch and the validation step cost
    little or no waiting. One thread compiles them in order: two compilations at once would share
    the CPU and delay the first, which every step waits for.
    """

    _pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerasbook-compile")
    # A batch shape met once per epoch (the last, smaller batch) is compiled for compile speed: LLVM's
    # optimizations and XLA's fusion emitters off take a VAE step from 0.7 s to 0.15 s of compiling,
    # for one step an epoch that runs 2-3x slower.
    _QUICK = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}

    def __init__(self, fn, donate=False):
        self.jitted = jax.jit(fn, donate_argnums=0 if donate else ())
        self.donate = donate
        self.ahead = {}

    def compile_ahead(self, groups, batch_spec, trace_here=False, once_per_epoch=False):
        """Start compiling for this batch shape. Tracing is Python work: done here when the result is
        needed first (`trace_here`), else in the background too, overlapping with the steps."""
        key = _signature(batch_spec)
        if key in self.ahead:
            return
        values_spec = tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups)
        options = self._QUICK if once_per_epoch else None
        if trace_here:
            lowered = self.jitted.lower(values_spec, *batch_spec)
            self.ahead[key] = self._pool.submit(_compile, lowered, options)
        else:
            self.ahead[key] = self._pool.submit(
                lambda: _compile(self.jitted.lower(values_spec, *batch_spec), options))

    def __call__(self, values, *batch):
        future = self.ahead.get(_signature(batch))
        compiled = future.result() if future is not None else self.jitted
        new_values, logs = compiled(values, *batch)
        if self.donate:  # a donating step returns every value: its inputs are gone after it
            return new_values, logs
        # Others return None for a value they did not change (`state.unchanged_as_none`): keep it.
        return tuple([old if new is None else new for new, old in zip(new_group, old_group)]
                     for new_group, old_group in zip(new_values, values)), logs


def _compile(lowered, options):
    """Compile with XLA `options`, or with the defaults if this jaxlib does not know one of them."""
    if options:
        try:
            return lowered.compile(compiler_options=options)
        except jax.errors.JaxRuntimeError:
            pass
    return lowered.compile()


def _signature(batch):
    leaves, treedef = jax.tree_util.tree_flatten(batch)
    return treedef, tuple((a.shape, a.dtype) for a in leaves)


def _batch_spec(batch, size):
    return tree.map_structure(
        lambda a: None if a is None else jax.ShapeDtypeStruct((size,) + a.shape[1:], a.dtype), batch)


def _verbosity(verbose, callbacks=()):
    """Keras's "auto" is 1 (the progress bar), except when a callback shows the progress itself (a
    TrainingMonitor in a notebook says so with `shows_progress`): then 0, so it is not shown twice."""
    if verbose == "auto":
        return 0 if any(getattr(c, "shows_progress", False) for c in callbacks or ()) else 1
    return int(verbose)


def _to_python(logs):
    """Logs as floats, sorted by name as Keras gives them (`accuracy` before `loss`): the epoch logs,
    history, the progress line and evaluate's dict."""
    return {k: float(logs[k]) for k in sorted(logs)}


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
