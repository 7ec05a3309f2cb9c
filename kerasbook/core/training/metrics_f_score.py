"""Scores summed over the epoch per output column: `FBetaScore`, `F1Score` and `R2Score`.

Their state has one entry per class (or output), so its shape is known only from the first batch:
the variables are made then (`built` is False before). When the metric is compiled into a model,
the trainer runs one abstract update first (shapes only), so the variables exist before the
training step is compiled.
"""

import warnings

import jax
import jax.numpy as jnp

from kerasbook.core.training.metrics import Metric
from kerasbook.core.training.metrics_confusion import same_rank

EPSILON = 1e-7


def _check_2d(who, y_true_shape, y_pred_shape):
    if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
        raise ValueError(f"{who} expects 2D inputs with shape (batch_size, output_dim). Received input "
                         f"shapes: y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
    if y_pred_shape[-1] is None or y_true_shape[-1] is None:
        raise ValueError(f"{who} expects 2D inputs with shape (batch_size, output_dim), with output_dim "
                         f"fully defined (not None). Received input shapes: y_pred.shape={y_pred_shape} "
                         f"and y_true.shape={y_true_shape}.")


class FBetaScore(Metric):
    """F-beta per class: `(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`.

    Inputs are (batch, classes): `y_true` one-hot or multi-hot, `y_pred` scores. A score counts as a
    positive prediction when it is the row's largest (`threshold=None`) or above `threshold`.
    `average`: None (one score per class), "micro" (counts pooled over classes), "macro" (the mean
    of the class scores) or "weighted" (their mean weighted by each class's number of positives).
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name, dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. Received: "
                             f"beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0  # micro sums over classes too
        self.built = False

    def _build(self, y_true_shape, y_pred_shape):
        _check_2d("FBetaScore", y_true_shape, y_pred_shape)
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, name=name))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        if not self.built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:  # the row's best class (ties all count), unless it is 0
            best = jnp.max(y_pred, axis=-1, keepdims=True)
            predicted = (y_pred >= best) & (jnp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        weight = None if sample_weight is None else jnp.asarray(sample_weight, self.dtype)

        def weighted_sum(values):
            if weight is not None:
                values = values * jnp.expand_dims(weight, 1)
            return jnp.sum(values, axis=self.axis)

        self.true_positives.assign(self.true_positives.value + weighted_sum(predicted * y_true))
        self.false_positives.assign(self.false_positives.value + weighted_sum(predicted * (1 - y_true)))
        self.false_negatives.assign(self.false_negatives.value + weighted_sum((1 - predicted) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights.value + weighted_sum(y_true))

    def result(self):
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + EPSILON)
        recall = tp / (tp + self.false_negatives.value + EPSILON)
        beta_squared = self.beta ** 2
        score = (1 + beta_squared) * precision * recall / (beta_squared * precision + recall + EPSILON)
        if self.average == "weighted":
            weights = self.intermediate_weights.value
            return jnp.sum(score * weights / (jnp.sum(weights) + EPSILON))
        if self.average is not None:  # micro (already one number) or macro
            return jnp.mean(score)
        return score

    def reset_state(self):
        if self.built:
            super().reset_state()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F-beta score with beta = 1: the harmonic mean of precision and recall, per class."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination: `1 - residual sum of squares / total sum of squares`, per
    output column of (batch, outputs) data, over every sample of the epoch.

    `class_aggregation`: "uniform_average" (the mean over outputs), "variance_weighted_average"
    (weighted by each output's variance) or None (one score per output). With `num_regressors` p > 0,
    the adjusted R2: `1 - (1 - R2) * (n - 1) / (n - p - 1)` (n counts every value seen)."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name, dtype)
        choices = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in choices:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {choices}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self.built = False

    def _build(self, y_true_shape, y_pred_shape):
        _check_2d("R2Score", y_true_shape, y_pred_shape)
        outputs = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(shape=outputs, name="squared_sum")
        self.sum = self.add_variable(shape=outputs, name="sum")
        self.total_mse = self.add_variable(shape=outputs, name="residual")
        self.count = self.add_variable(shape=outputs, name="count")
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(jnp.asarray(y_true, self.dtype), jnp.asarray(y_pred, self.dtype))
        if not self.built:
            self._build(y_true.shape, y_pred.shape)
        weight = jnp.asarray(1.0 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = jnp.broadcast_to(weight, y_true.shape)
        self.sum.assign(self.sum.value + jnp.sum(y_true * weight, axis=0))
        self.squared_sum.assign(self.squared_sum.value + jnp.sum(y_true * y_true * weight, axis=0))
        self.total_mse.assign(self.total_mse.value + jnp.sum((y_true - y_pred) ** 2 * weight, axis=0))
        self.count.assign(self.count.value + jnp.sum(weight, axis=0))
        self.num_samples.assign(self.num_samples.value + y_true.size)

    def result(self):
        mean = self.sum.value / self.count.value
        total = self.squared_sum.value - self.sum.value * mean  # the total sum of squares
        scores = 1 - self.total_mse.value / total
        scores = jnp.where(jnp.isinf(scores), 0.0, scores)  # a constant target: Keras reports 0
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(total * scores) / jnp.sum(total)
        else:
            score = scores
        return self._adjusted(score) if self.num_regressors else score

    def _adjusted(self, score):
        n, p = self.num_samples.value, float(self.num_regressors)
        if _is_concrete(n):  # eagerly, Keras's warnings; inside a compiled step the same value, silently
            n_value = float(n)
            if p > n_value - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                              "Falling back to standard R2 score.", stacklevel=3)
                return score
            if p == n_value - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=3)
                return score
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return jnp.where(p < n - 1, adjusted, score)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


def _is_concrete(value):
    """Whether `value` is a real array (not a tracer inside a compiled function)."""
    return not isinstance(value, jax.core.Tracer)
