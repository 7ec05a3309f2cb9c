"""Metrics: running statistics over an epoch, kept in `Variable`s.

`update_state` adds a batch, `result` reads the statistic, `reset_state` starts again. Because the
state is in variables, the trainer runs `update_state` inside a `StatelessScope` in the compiled step,
and the running totals stay on the device between steps.
"""

import jax.numpy as jnp
import numpy as np

from kerasbook.core import naming
from kerasbook.core.training import losses as losses_lib
from kerasbook.core.variables import Variable


class Metric:
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
        for v in self._variables:
            v.assign(np.zeros(v.shape, v.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _weights(values, sample_weight):
    if sample_weight is None:
        return jnp.ones_like(values)
    weight = jnp.asarray(sample_weight, values.dtype)
    while weight.ndim > values.ndim:
        weight = jnp.squeeze(weight, -1)
    while weight.ndim < values.ndim:
        weight = weight[..., None]
    return jnp.broadcast_to(weight, values.shape)


class Sum(Metric):
    def __init__(self, name="sum", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = jnp.asarray(values, self.dtype)
        self.total.assign(self.total.value + jnp.sum(values * _weights(values, sample_weight)))

    def result(self):
        return self.total.value


class Mean(Metric):
    """The (weighted) mean of everything passed to `update_state`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values = jnp.asarray(values, self.dtype)
        weights = _weights(values, sample_weight)
        self.total.assign(self.total.value + jnp.sum(values * weights))
        self.count.assign(self.count.value + jnp.sum(weights))

    def result(self):
        return self.total.value / jnp.maximum(self.count.value, 1e-12)


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred)`."""

    def __init__(self, fn, name=None, dtype=None, **options):
        super().__init__(name or fn.__name__, dtype)
        self._fn, self._options = fn, options

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._options), sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._options}


def accuracy(y_true, y_pred):
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    return jnp.equal(y_true, y_pred).astype("float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = losses_lib._pair(y_true, y_pred)
    return jnp.mean((y_pred > threshold).astype(y_true.dtype) == y_true, axis=-1).astype("float32")


def categorical_accuracy(y_true, y_pred):
    return (jnp.argmax(y_true, -1) == jnp.argmax(y_pred, -1)).astype("float32")


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = jnp.squeeze(y_true, -1)
    return (y_true.astype("int32") == jnp.argmax(y_pred, -1)).astype("float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = jnp.argsort(-jnp.asarray(y_pred), axis=-1)[..., :k]
    return jnp.any(top == jnp.argmax(y_true, -1)[..., None], axis=-1).astype("float32")


def _wrapper_class(name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **options):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **options})
    return type(name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": f"Mean `{default_name}`."})


Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                         "top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper_class("MeanSquaredError", losses_lib.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", losses_lib.mean_absolute_error,
                                   "mean_absolute_error")


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses_lib._pair(y_true, y_pred)
        super().update_state(jnp.square(y_true - y_pred), sample_weight)

    def result(self):
        return jnp.sqrt(super().result())


class _Confusion(Metric):
    """True/false positives at a threshold: the counts Precision and Recall divide."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name, dtype)
        self.thresholds = 0.5 if thresholds is None else thresholds
        self.class_id = class_id
        self.true_positives = self.add_variable(name="true_positives")
        self.false_positives = self.add_variable(name="false_positives")
        self.false_negatives = self.add_variable(name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses_lib._pair(y_true, y_pred)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        predicted = (y_pred > self.thresholds).astype("float32")
        actual = (y_true > 0.5).astype("float32")
        weights = _weights(predicted, sample_weight)
        self.true_positives.assign(self.true_positives.value + jnp.sum(predicted * actual * weights))
        self.false_positives.assign(self.false_positives.value + jnp.sum(predicted * (1 - actual) * weights))
        self.false_negatives.assign(self.false_negatives.value + jnp.sum((1 - predicted) * actual * weights))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.thresholds,
                "class_id": self.class_id}


class Precision(_Confusion):
    def result(self):
        tp = self.true_positives.value
        return jnp.where(tp + self.false_positives.value > 0, tp / (tp + self.false_positives.value), 0.0)


class Recall(_Confusion):
    def result(self):
        tp = self.true_positives.value
        return jnp.where(tp + self.false_negatives.value > 0, tp / (tp + self.false_negatives.value), 0.0)


_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy, "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError, "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError, "root_mean_squared_error": RootMeanSquaredError,
    "precision": Precision, "recall": Recall,
}
_CLASSES = {cls.__name__: cls for cls in set(_BY_NAME.values()) | {Mean, Sum}}


def get(identifier):
    """A metric object from a name ("mae"), a class name, a config dict, a function or a metric."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known: {sorted(_BY_NAME)}.")
        return cls(name=identifier) if identifier in ("mse", "mae", "acc") else cls()
    if isinstance(identifier, dict):
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric {identifier!r}.")


def resolve_accuracy(name, y_true_shape, y_pred_shape, loss=None):
    """What "accuracy" means for this output, as Keras decides it from the shapes and the loss."""
    loss_name = getattr(loss, "name", "") or ""
    if "binary" in loss_name or (y_pred_shape[-1:] == (1,)):
        cls = BinaryAccuracy
    elif "sparse" in loss_name or len(y_true_shape) == len(y_pred_shape) - 1 or (
            len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1:] == (1,)):
        cls = SparseCategoricalAccuracy
    else:
        cls = CategoricalAccuracy
    return cls(name=name)
