"""What `compile(loss=..., loss_weights=..., metrics=...)` turns into, per model output.

A loss may be one for all outputs, a list (one per output) or a dict keyed by output name; the same
for `loss_weights` and `metrics`. The total loss is the weighted sum of the output losses plus the
losses the layers added (`add_loss`, regularizers). A model that only adds its own loss compiles with
no `loss` at all.
"""

from kerasbook.core import tree

from kerasbook.core.engine import state
from kerasbook.core.training.metrics import Metric


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
    """The compiled loss: `loss(y_true, y_pred, sample_weight)`, the weighted sum over outputs.

    A model with several outputs also tracks each output's loss (`metrics`: one Mean named
    `<output>_loss` each), as Keras does; they are updated where the loss is computed, inside the
    training step's stateless scope."""

    def __init__(self, loss, loss_weights, output_names):
        from kerasbook.core.training import losses
        from kerasbook.core.training import metrics as metrics_lib
        self.output_names = output_names
        specs = _per_output(loss, output_names, "losses")
        self.losses = [losses.get(s) if s is not None else None for s in specs]
        weights = _per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None \
            else [1.0] * len(output_names)
        self.weights = [1.0 if w is None else float(w) for w in weights]
        self.has_losses = any(fn is not None for fn in self.losses)
        self.output_trackers = ({n: metrics_lib.Mean(name=f"{n}_loss") for n, fn in zip(output_names, self.losses)
                                 if fn is not None} if len(output_names) > 1 else {})

    @property
    def metrics(self):
        return list(self.output_trackers.values())

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The total loss over the outputs that have a loss and a target, or None if none has."""
        import jax.numpy as jnp
        total = None
        for name, fn, weight, yt, yp in zip(self.output_names, self.losses, self.weights,
                                            _as_list(y_true, len(self.output_names)), tree.flatten(y_pred)):
            if fn is None or yt is None:
                continue
            value = fn(yt, yp, sample_weight=sample_weight)
            if name in self.output_trackers and _may_update(value):
                self.output_trackers[name].update_state(value, sample_weight=yp.shape[0])
            total = weight * value if total is None else total + weight * value
        return None if total is None else jnp.asarray(total, "float32")

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


class CompileMetrics(Metric):
    """The metrics passed to `compile`, as one Metric named `compile_metrics` (as in Keras 3):
    `update_state(y_true, y_pred, sample_weight)` updates each on its output, `result()` is a dict
    of their values, `variables` all their variables."""

    def __init__(self, metrics, weighted_metrics, output_names):
        super().__init__(name="compile_metrics")
        self.given = bool(metrics or weighted_metrics)  # Keras lists it in model.metrics only then
        self.output_names = output_names
        self._specs = _per_output(metrics, output_names, "metrics") if metrics else [None] * len(output_names)
        self._weighted_specs = (_per_output(weighted_metrics, output_names, "metrics") if weighted_metrics
                                else [None] * len(output_names))
        self.metrics = None  # resolved on first use, when the shapes of targets are known

    def _resolve(self, y_true, y_pred, losses):
        """Each metric as (position, output index, Metric, weighted). `metrics` ignore sample
        weights and class weights, `weighted_metrics` use them, as in Keras; a weighted metric whose
        name is taken is named `weighted_<name>`."""
        self.metrics, self._weighted = [], set()  # the ids of the weighted ones
        self._resolve_specs(self._specs, False, y_true, y_pred, losses)
        self._resolve_specs(self._weighted_specs, True, y_true, y_pred, losses)

    def _resolve_specs(self, specs, weighted, y_true, y_pred, losses):
        from kerasbook.core.training import metrics as metrics_lib
        resolved = self.metrics
        for name, spec, yt, yp, loss in zip(self.output_names, specs,
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
                if weighted and any(m.name == metric.name for _, _, m in resolved):
                    metric.name = f"weighted_{metric.name}"
                resolved.append((len(resolved), self.output_names.index(name), metric))
                if weighted:
                    self._weighted.add(id(metric))

    @property
    def variables(self):
        return [v for _, _, m in (self.metrics or []) for v in m.variables]

    def build(self, y_true, y_pred, losses):
        if self.metrics is None:
            self._resolve(y_true, y_pred, losses)
            self._build_state(y_true, y_pred)

    def _build_state(self, y_true, y_pred):
        """Metrics whose state's shape comes from the data (F1Score, R2Score, a multi-label AUC)
        make their variables on their first update: run one update on shapes alone, in a scope that
        keeps the variables' values as they are (Keras does the same), so the variables exist
        before the training step is compiled."""
        if all(getattr(metric, "built", True) for _, _, metric in self.metrics):
            return
        import jax

        def update(y_true, y_pred):
            with state.StatelessScope(abstract=True):
                self.update_state(y_true, y_pred)

        # A batch of two, as the specs of the predictions have
        targets = jax.tree.map(lambda a: jax.ShapeDtypeStruct((2,) + tuple(a.shape[1:]), a.dtype), y_true)
        jax.eval_shape(update, targets, y_pred)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true_flat = _as_list(y_true, len(self.output_names))
        y_pred_flat = tree.flatten(y_pred)
        weighted = self._weighted if self.metrics else set()
        for _, output_index, metric in self.metrics or []:
            if y_true_flat[output_index] is not None:
                metric.update_state(y_true_flat[output_index], y_pred_flat[output_index],
                                    sample_weight=sample_weight if id(metric) in weighted else None)

    def result(self):
        return {metric.name: metric.result() for _, _, metric in self.metrics or []}

    def reset_state(self):
        for _, _, metric in self.metrics or []:
            metric.reset_state()

    def log_names(self):
        """The names fit logs, in Keras's order: the loss, each output's loss, then the metrics
        (read by the TrainingMonitor; `output_loss_trackers` is set by compile)."""
        return (["loss"] + [t.name for t in getattr(self, "output_loss_trackers", {}).values()]
                + [m.name for _, _, m in self.metrics or []])


def _may_update(value):
    """A metric may take `value` unless it is traced outside a stateless scope (a custom step calling
    `compute_loss` itself): the variable would then keep a tracer."""
    import jax
    return state.current_scope() is not None or not isinstance(value, jax.core.Tracer)


def _as_list(y, count):
    if y is None:
        return [None] * count
    if count == 1 and not isinstance(y, (list, tuple)):
        return [y]
    flat = list(y) if isinstance(y, (list, tuple)) else [y]
    return flat + [None] * (count - len(flat))
