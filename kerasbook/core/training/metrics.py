"""Metrics: running statistics over an epoch, kept in `Variable`s.

`update_state` adds a batch, `result` reads the statistic, `reset_state` starts again. Because the
state is in variables, the trainer runs `update_state` inside a `StatelessScope` in the compiled step,
and the running totals stay on the device between steps.
"""

import jax.numpy as jnp
import numpy as np

from kerasbook.core.engine import naming
from kerasbook.core.training import losses as losses_lib
# The loss functions Keras also exports as metric functions (`keras.metrics.mean_absolute_error`):
# the same functions, one value per sample.
from kerasbook.core.training.losses import (  # noqa: F401
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy,
    categorical_hinge, hinge, huber, kl_divergence, log_cosh,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error,
    poisson, sparse_categorical_crossentropy, squared_hinge)
from kerasbook.core.engine.variables import Variable


class Metric:
    """Base class: state in `variables`; `update_state(...)` adds a batch, `result()` reads it.

    `stateless_update_state(values, ...)` and `stateless_result(values)` run the same code on given
    variable values (in a StatelessScope), for use inside a jit-compiled step."""

    def __init__(self, name=None, dtype=None):
        self.name = name or naming.to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        variable = Variable(np.zeros(shape, dtype or self.dtype), trainable=False, name=name,
                            path=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    @property
    def variables(self):
        return list(self._variables)

    def reset_state(self):
        for v in self.variables:
            v.assign(jnp.zeros(v.shape, v.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """`update_state` as a pure function: new values of `self.variables` from `metric_variables`."""
        with self._scope_for(metric_variables) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get(v) for v in self.variables]

    def stateless_result(self, metric_variables):
        """`result()` computed from `metric_variables` instead of the variables."""
        with self._scope_for(metric_variables):
            return values_of(self.result())

    def stateless_reset_state(self):
        """The values `reset_state` would give `self.variables`, without touching them."""
        with self._scope_for([v.value for v in self.variables]) as scope:
            self.reset_state()
        return [scope.get(v) for v in self.variables]

    def _scope_for(self, metric_variables):
        from kerasbook.core.engine.state import StatelessScope
        variables = self.variables
        if len(metric_variables) != len(variables):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables (metric \"{self.name}\"). Received list with length "
                f"{len(metric_variables)}, but expected {len(variables)} variables.")
        return StatelessScope(dict(zip(variables, metric_variables)))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def values_of(result):
    """A result with each Variable in it read now (`return self.total` is a common `result`): read
    inside a stateless scope, that is the scope's value, not the variable's own."""
    if isinstance(result, dict):
        return {key: values_of(value) for key, value in result.items()}
    return result.value if isinstance(result, Variable) else result


def _samplewise(values, sample_weight, reduce_fn):
    """Values reduced to one per sample, times the sample weights; and the weights per sample.

    Keras's rule: line the weight up with the values (a (batch, 1) weight for (batch,) values and the
    reverse), reduce the values down to the weight's rank, then to one value per sample."""
    from kerasbook.core.training.losses import _same_rank
    if sample_weight is not None:
        weight = jnp.asarray(sample_weight, values.dtype)
        values, weight = _same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = reduce_fn(values, axis=tuple(range(weight.ndim, values.ndim)))
        weight = jnp.broadcast_to(weight, values.shape)
        values = values * weight
        if weight.ndim > 1:
            weight = reduce_fn(weight, axis=tuple(range(1, weight.ndim)))
        sample_weight = weight
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of everything passed to `update_state`."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(jnp.asarray(values, self.dtype), sample_weight, jnp.sum)
        self.total.assign(self.total.value + jnp.sum(values))

    def result(self):
        return self.total.value


class Mean(Metric):
    """The (weighted) mean of everything passed to `update_state`: `total / count`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values, weight = _samplewise(jnp.asarray(values, self.dtype), sample_weight, jnp.mean)
        self.total.assign(self.total.value + jnp.sum(values))
        count = (values.shape[0] if values.ndim else 1) if weight is None else jnp.sum(weight)
        self.count.assign(self.count.value + count)

    def result(self):
        count = self.count.value
        return jnp.where(count != 0, self.total.value / jnp.where(count != 0, count, 1), 0.0)


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred)`."""

    def __init__(self, fn, name=None, dtype=None, **options):
        super().__init__(name or fn.__name__, dtype)
        self._fn, self._options = fn, options

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._options), sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._options}


def _aligned(y_true, y_pred):
    from kerasbook.core.training.losses import _same_rank
    y_pred = jnp.asarray(y_pred)
    return _same_rank(jnp.asarray(y_true), y_pred)


def accuracy(y_true, y_pred):
    """1.0 where the prediction equals the target exactly, else 0.0."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return jnp.equal(y_true, y_pred).astype("float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_pred > threshold` agrees with the 0/1 target."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return jnp.equal(y_true, (y_pred > threshold).astype(y_true.dtype)).astype("float32")


def categorical_accuracy(y_true, y_pred):
    """One-hot targets: is the largest prediction at the target's class? Shape (batch,)."""
    return (jnp.argmax(jnp.asarray(y_true), -1) == jnp.argmax(jnp.asarray(y_pred), -1)).astype("float32")


def sparse_categorical_accuracy(y_true, y_pred):
    """Integer targets (batch,) or (batch, 1): is the largest prediction at that class?"""
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    return (y_true.astype("int32") == jnp.argmax(y_pred, -1)).astype("float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """One-hot targets: is the target's class among the `k` largest predictions?"""
    y_pred = jnp.asarray(y_pred)
    target = jnp.take_along_axis(y_pred, jnp.argmax(jnp.asarray(y_true), -1)[..., None], -1)
    # In the top k when fewer than k predictions are larger (ties count in the target's favour).
    return (jnp.sum(y_pred > target, axis=-1) < k).astype("float32")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Integer targets: is the target class among the `k` largest predictions (ties in its favour)?
    With `from_sorted_ids`, `y_pred` already holds class ids, best first."""
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    shape = y_true.shape
    y_true = y_true.reshape(-1).astype("int32")
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if from_sorted_ids:
        hits = jnp.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        target = jnp.take_along_axis(y_pred, y_true[:, None], -1)
        hits = jnp.sum(y_pred > jnp.where(jnp.isnan(target), -jnp.inf, target), axis=-1) < k
    return hits.astype("float32").reshape(shape if len(shape) > 1 else (-1,))


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r along `axis`: the mean product of the standardized targets and predictions."""
    y_true, y_pred = _aligned(jnp.asarray(y_true, "float32"), jnp.asarray(y_pred, "float32"))
    y_true = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    y_true = y_true / jnp.std(y_true, axis=axis, keepdims=True)
    y_pred = y_pred / jnp.std(y_pred, axis=axis, keepdims=True)
    return jnp.mean(y_true * y_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance along `axis`: like Pearson's r, but also penalizing a shift or a scale
    between targets and predictions. (As Keras computes it: the covariance term centres the targets
    on the predictions' mean.)"""
    y_true, y_pred = _aligned(jnp.asarray(y_true, "float32"), jnp.asarray(y_pred, "float32"))
    true_mean = jnp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = jnp.mean(y_pred, axis=axis, keepdims=True)
    norm = (jnp.var(y_true, axis=axis, keepdims=True) + jnp.var(y_pred, axis=axis, keepdims=True)
            + jnp.square(true_mean - pred_mean))
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    return jnp.mean(2 * covariance / (norm + 1e-7), axis=axis)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """The similarity itself (1 for the same direction): the loss of that name is its negative."""
    return -losses_lib.cosine_similarity(y_true, y_pred, axis=axis)


def _wrapper_class(class_name, fn, default_name, config=None, **defaults):
    """A MeanMetricWrapper of `fn` with Keras's class name, default name and options. `config` names
    the options its get_config shows, when Keras shows fewer than it takes."""
    def __init__(self, name=default_name, dtype=None, **options):
        unknown = set(options) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected arguments {sorted(unknown)}; it takes "
                            f"{['name', 'dtype'] + sorted(defaults)}.")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **options})

    namespace = {"__init__": __init__, "__doc__": f"The mean of `{fn.__name__.strip('_')}` over all samples."}
    if config is not None:
        namespace["get_config"] = lambda self: {"name": self.name, "dtype": self.dtype,
                                                **{k: self._options[k] for k in config}}
    return type(class_name, (MeanMetricWrapper,), namespace)


Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                         "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper_class(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy, "sparse_top_k_categorical_accuracy",
    k=5, from_sorted_ids=False)
SparseTopKCategoricalAccuracy.get_config = lambda self: {  # Keras shows from_sorted_ids only when set
    "name": self.name, "dtype": self.dtype, "k": self._options["k"],
    **({"from_sorted_ids": True} if self._options["from_sorted_ids"] else {})}

# Losses as metrics: the mean of the loss function over every sample seen in the epoch.
MeanSquaredError = _wrapper_class("MeanSquaredError", losses_lib.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", losses_lib.mean_absolute_error,
                                   "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper_class("MeanAbsolutePercentageError",
                                             losses_lib.mean_absolute_percentage_error,
                                             "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper_class("MeanSquaredLogarithmicError",
                                             losses_lib.mean_squared_logarithmic_error,
                                             "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", losses_lib.binary_crossentropy,
                                    "binary_crossentropy", from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy", losses_lib.categorical_crossentropy,
                                         "categorical_crossentropy", from_logits=False, label_smoothing=0,
                                         axis=-1)


class SparseCategoricalCrossentropy(_wrapper_class(
        "SparseCategoricalCrossentropy", losses_lib.sparse_categorical_crossentropy,
        "sparse_categorical_crossentropy", from_logits=False, ignore_class=None, axis=-1)):
    """The mean of `sparse_categorical_crossentropy` over all samples. Keras's rule for `ignore_class`:
    with sample weights the ignored labels weigh 0; without, they count as losses of 0 in the mean."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        ignore_class = self._options["ignore_class"]
        if sample_weight is not None and ignore_class is not None:
            from kerasbook.core.training.losses import _same_rank
            valid = (jnp.asarray(y_true) != ignore_class).astype(self.dtype)
            sample_weight = jnp.multiply(*_same_rank(valid, jnp.asarray(sample_weight, self.dtype)))
        super().update_state(y_true, y_pred, sample_weight)


KLDivergence = _wrapper_class("KLDivergence", losses_lib.kl_divergence, "kl_divergence")
Poisson = _wrapper_class("Poisson", losses_lib.poisson, "poisson")
Hinge = _wrapper_class("Hinge", losses_lib.hinge, "hinge")
SquaredHinge = _wrapper_class("SquaredHinge", losses_lib.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper_class("CategoricalHinge", losses_lib.categorical_hinge, "categorical_hinge")
CosineSimilarity = _wrapper_class("CosineSimilarity", _cosine_similarity, "cosine_similarity", config=(),
                                  axis=-1)
LogCoshError = _wrapper_class("LogCoshError", losses_lib.log_cosh, "logcosh")
PearsonCorrelation = _wrapper_class("PearsonCorrelation", pearson_correlation, "pearson_correlation", axis=-1)
ConcordanceCorrelation = _wrapper_class("ConcordanceCorrelation", concordance_correlation,
                                        "concordance_correlation", axis=-1)


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error over all samples."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _aligned(jnp.asarray(y_true, self.dtype), jnp.asarray(y_pred, self.dtype))
        super().update_state(jnp.square(y_pred - y_true), sample_weight)

    def result(self):
        return jnp.sqrt(super().result())


class _Confusion(Metric):
    """Counts of one or two confusion-matrix cells per threshold (`y_pred > threshold` is positive);
    Precision divides true by predicted positives, Recall true by actual positives."""

    _cells = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        # Keras makes these names unique (precision, precision_1, ...) like layer names.
        super().__init__(name or naming.auto_name(naming.to_snake_case(type(self).__name__)), dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else -1e30  # with top_k, any of the top k counts as positive
        thresholds = default if thresholds is None else thresholds
        self.thresholds = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple))
                                              else [thresholds])]
        for cell in self._cells:
            setattr(self, cell, self.add_variable(shape=(len(self.thresholds),), name=self._variable_name(cell)))

    def _variable_name(self, cell):
        return cell

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true, "float32")
        y_pred = jnp.asarray(y_pred, "float32")
        y_true, y_pred = _aligned(y_true, y_pred)
        if self.top_k is not None:  # keep only each row's k largest predictions
            kth = jnp.sort(y_pred, axis=-1)[..., -self.top_k][..., None]
            y_pred = jnp.where(y_pred >= kth, y_pred, -jnp.inf)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        weight = jnp.ones_like(y_pred)
        if sample_weight is not None:  # (batch,) weights apply to every value of their sample
            sample_weight = jnp.asarray(sample_weight, "float32")
            sample_weight = sample_weight.reshape(sample_weight.shape[:y_pred.ndim]
                                                  + (1,) * (y_pred.ndim - sample_weight.ndim))
            weight = weight * sample_weight
        predicted = (y_pred.reshape(-1)[None, :] > jnp.asarray(self.thresholds)[:, None]).astype("float32")
        actual = (y_true.reshape(-1) > 0.5).astype("float32")[None, :]
        weight = weight.reshape(-1)[None, :]
        counts = {"true_positives": predicted * actual, "false_positives": predicted * (1 - actual),
                  "false_negatives": (1 - predicted) * actual, "true_negatives": (1 - predicted) * (1 - actual)}
        for cell in self._cells:
            variable = getattr(self, cell)
            variable.assign(variable.value + jnp.sum(counts[cell] * weight, axis=1))

    def _ratio(self, other):
        tp = self.true_positives.value
        value = jnp.where(tp + other > 0, tp / jnp.where(tp + other > 0, tp + other, 1), 0.0)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Confusion):
    """Of the predicted positives, the fraction that are positive: `tp / (tp + fp)`."""

    _cells = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        return self._ratio(self.false_positives.value)


class Recall(_Confusion):
    """Of the actual positives, the fraction predicted positive: `tp / (tp + fn)`."""

    _cells = ("true_positives", "false_negatives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        return self._ratio(self.false_negatives.value)


class _ConfusionCount(_Confusion):
    """One cell of the confusion matrix, counted per threshold (a variable Keras calls `accumulator`)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, None, None, name, dtype)

    def _variable_name(self, cell):
        return "accumulator"

    def result(self):
        counts = getattr(self, self._cells[0]).value
        return counts[0] if len(self.thresholds) == 1 else counts

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


def _count_class(class_name, cell):
    return type(class_name, (_ConfusionCount,), {"_cells": (cell,), "__doc__":
                f"The (weighted) number of {cell.replace('_', ' ')}, per threshold."})


TruePositives = _count_class("TruePositives", "true_positives")
FalsePositives = _count_class("FalsePositives", "false_positives")
TrueNegatives = _count_class("TrueNegatives", "true_negatives")
FalseNegatives = _count_class("FalseNegatives", "false_negatives")


_CLASSES = {cls.__name__: cls for cls in [
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity,
    LogCoshError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, Precision, Recall, TruePositives,
    FalsePositives, TrueNegatives, FalseNegatives, PearsonCorrelation, ConcordanceCorrelation]}
# Metrics defined in their own modules, by family; loaded on first use (module `__getattr__` below),
# since they import this module for `Metric`.
_FAMILIES = {
    "metrics_confusion": ["AUC", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
                          "SpecificityAtSensitivity"],
    "metrics_f_score": ["FBetaScore", "F1Score", "R2Score"],
    "metrics_iou": ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"],
}
_IN_FAMILY = {name: module for module, names in _FAMILIES.items() for name in names}


def __getattr__(name):
    if name in _IN_FAMILY:
        import importlib
        value = getattr(importlib.import_module(f"kerasbook.core.training.{_IN_FAMILY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_IN_FAMILY))


def _class_named(name):
    """The metric class of a name `get` knows: class names, their snake_case, a few short ones."""
    cls = _BY_NAME.get(name)
    if cls is None:
        family = {n: n for n in _IN_FAMILY} | {naming.to_snake_case(n): n for n in _IN_FAMILY}
        cls = __getattr__(family[name]) if name in family else None
    return cls


# The names `get` (and so compile) knows, as Keras's: class names, their snake_case, a few short ones.
_BY_NAME = {**_CLASSES, **{naming.to_snake_case(name): cls for name, cls in _CLASSES.items()},
            "acc": Accuracy, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
            "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
            "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError}


def serialize(metric):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    return get(config)


def get(identifier):
    """A metric object from a name ("mae"), a class name, a config dict, a function or a metric."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):  # the metric's own default name, as Keras (compile renames it)
        cls = _class_named(identifier)
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known: {sorted(_BY_NAME)}.")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name) or (__getattr__(name) if name in _IN_FAMILY else None)
        if cls is None:
            from kerasbook.core.saving.serialization import deserialize_keras_object
            return deserialize_keras_object(identifier)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric {identifier!r}.")


def resolve_accuracy(name, y_true_shape, y_pred_shape, loss=None):
    """What compile's "accuracy" (or "acc") means for one output, decided as Keras 3 decides it:
    from the shapes alone (`loss` is accepted but, as in Keras 3, not consulted).

    - one prediction per sample (last dim 1): BinaryAccuracy;
    - integer targets (fewer dims than the predictions, or last dim 1 against several classes):
      SparseCategoricalAccuracy;
    - otherwise one-hot targets: CategoricalAccuracy. The metric keeps the name it was asked by."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    true_last = y_true_shape[-1] if y_true_shape else None
    pred_last = y_pred_shape[-1] if y_pred_shape else None
    if pred_last == 1:
        cls = BinaryAccuracy
    elif len(y_true_shape) < len(y_pred_shape) or (true_last == 1 and (pred_last or 0) > 1):
        cls = SparseCategoricalAccuracy
    else:
        cls = CategoricalAccuracy
    return cls(name=name)
