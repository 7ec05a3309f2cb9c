"""What `compile(loss=..., loss_weights=..., metrics=...)` turns into, per model output.

A loss may be one for all outputs, a list (one per output) or a dict keyed by output name; the same
for `loss_weights` and `metrics`. The total loss is the weighted sum of the output losses plus the
losses the layers added (`add_loss`, regularizers). A model that only adds its own loss compiles with
no `loss` at all.
"""

from kerasbook.core import state, tree


def _per_output(spec, names, what):
    """Spread a compile argument over the outputs: one for all, a list, or a dict by name."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"compile(): {what} given for {unknown}, which are not outputs of the model; "
                             f"its outputs are {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and not (what == "metrics" and len(names) == 1):
        if len(spec) != len(names):
            raise ValueError(f"compile(): {len(spec)} {what} given for a model with {len(names)} outputs "
                             f"{names}.")
        return list(spec)
    return [spec] * len(names)


class CompileLoss:
    def __init__(self, loss, loss_weights, output_names):
        from kerasbook.core.training import losses
        self.output_names = output_names
        specs = _per_output(loss, output_names, "losses")
        self.losses = [losses.get(s) if s is not None else None for s in specs]
        weights = _per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None \
            else [1.0] * len(output_names)
        self.weights = [1.0 if w is None else float(w) for w in weights]
        self.has_losses = any(fn is not None for fn in self.losses)

    def __call__(self, y_true, y_pred, sample_weight, extra_losses):
        """Returns the total loss and each output's (unweighted) loss."""
        import jax.numpy as jnp
        y_true_flat = _as_list(y_true, len(self.output_names))
        y_pred_flat = tree.flatten(y_pred)
        total = jnp.zeros((), "float32")
        per_output = {}
        for name, fn, weight, yt, yp in zip(self.output_names, self.losses, self.weights, y_true_flat,
                                            y_pred_flat):
            if fn is None or yt is None:
                continue
            value = fn(yt, yp, sample_weight=sample_weight)
            per_output[name] = value
            total = total + weight * value
        for loss in extra_losses:
            total = total + jnp.sum(loss)
        if not self.has_losses and not extra_losses:
            raise ValueError("The model has no loss to optimize: pass `loss=` to compile(), or add one "
                             "in a layer with `self.add_loss(...)`.")
        return total, per_output

    def check_shapes(self, y_true, y_pred_specs):
        """Fail early, naming the output, when targets cannot fit the predictions."""
        for name, fn, yt, spec in zip(self.output_names, self.losses,
                                      _as_list(y_true, len(self.output_names)),
                                      tree.flatten(y_pred_specs)):
            if fn is None or yt is None:
                continue
            loss_name = getattr(fn, "name", getattr(fn, "__name__", type(fn).__name__))
            pred, true = tuple(spec.shape[1:]), tuple(yt.shape[1:])
            sparse = "sparse" in str(loss_name)
            if sparse:
                ok = true in (pred[:-1], pred[:-1] + (1,))
            else:
                ok = (len(true) in (len(pred), len(pred) - 1)
                      and all(a == b or a == 1 or b == 1 for a, b in zip(reversed(true), reversed(pred))))
            if not ok:
                raise ValueError(
                    f'The loss "{loss_name}" of output "{name}" cannot compare targets of shape '
                    f"{(None,) + true} with predictions of shape {(None,) + pred}."
                    + (" For one-hot targets use categorical_crossentropy." if sparse else ""))


class CompileMetrics:
    """The loss tracker, per-output loss trackers, and the compiled metrics, all stateless under jit."""

    def __init__(self, metrics, weighted_metrics, output_names):
        from kerasbook.core.training import metrics as metrics_lib
        self.output_names = output_names
        self.loss_tracker = metrics_lib.Mean(name="loss")
        self.output_loss_trackers = ({n: metrics_lib.Mean(name=f"{n}_loss") for n in output_names}
                                     if len(output_names) > 1 else {})
        self._specs = _per_output(metrics, output_names, "metrics") if metrics else [None] * len(output_names)
        self.metrics = None  # resolved on first use, when the shapes of targets are known

    def _resolve(self, y_true, y_pred, losses):
        from kerasbook.core.training import metrics as metrics_lib
        resolved = []
        for name, spec, yt, yp, loss in zip(self.output_names, self._specs,
                                            _as_list(y_true, len(self.output_names)),
                                            tree.flatten(y_pred), losses or [None] * len(self.output_names)):
            for item in (spec if isinstance(spec, (list, tuple)) else [spec] if spec else []):
                if isinstance(item, str) and item in ("accuracy", "acc"):
                    metric = metrics_lib.resolve_accuracy(item, yt.shape, yp.shape, loss)
                else:
                    metric = metrics_lib.get(item)
                    if isinstance(item, str):  # Keras names a metric given by name by that name
                        metric.name = item
                if len(self.output_names) > 1:
                    metric.name = f"{name}_{metric.name}"
                resolved.append((len(resolved), self.output_names.index(name), metric))
        self.metrics = resolved

    def log_names(self):
        """The order Keras reports logs in: the loss, each output's loss, then the metrics."""
        return (["loss"] + [t.name for t in self.output_loss_trackers.values()]
                + [m.name for _, _, m in self.metrics or []])

    @property
    def variables(self):
        trackers = [self.loss_tracker] + list(self.output_loss_trackers.values())
        metrics = [m for _, _, m in (self.metrics or [])]
        return [v for m in trackers + metrics for v in m.variables]

    def build(self, y_true, y_pred, losses):
        if self.metrics is None:
            self._resolve(y_true, y_pred, losses)

    def reset(self, variables):
        import numpy as np
        for v in variables:
            v.assign(np.zeros(v.shape, v.dtype))

    def stateless_update(self, variables, values, y_true, y_pred, sample_weight, loss, per_output):
        """Update every metric inside a StatelessScope; return new values and the logs."""
        y_true_flat = _as_list(y_true, len(self.output_names))
        y_pred_flat = tree.flatten(y_pred)
        # The epoch's loss is a mean over samples, as in Keras: each batch weighs its size, so a
        # smaller last batch counts for less.
        batch_size = y_pred_flat[0].shape[0]
        with state.StatelessScope(dict(zip(variables, values))) as scope:
            self.loss_tracker.update_state(loss, sample_weight=batch_size)
            for name, tracker in self.output_loss_trackers.items():
                if name in per_output:
                    tracker.update_state(per_output[name], sample_weight=batch_size)
            for _, output_index, metric in self.metrics or []:
                if y_true_flat[output_index] is not None:
                    metric.update_state(y_true_flat[output_index], y_pred_flat[output_index],
                                        sample_weight=sample_weight)
            logs = {"loss": self.loss_tracker.result()}
            for name, tracker in self.output_loss_trackers.items():
                if name in per_output:
                    logs[tracker.name] = tracker.result()
            for _, _, metric in self.metrics or []:
                logs[metric.name] = metric.result()
        return [scope.get(v) for v in variables], logs


def _as_list(y, count):
    if y is None:
        return [None] * count
    if count == 1 and not isinstance(y, (list, tuple)):
        return [y]
    flat = list(y) if isinstance(y, (list, tuple)) else [y]
    return flat + [None] * (count - len(flat))
