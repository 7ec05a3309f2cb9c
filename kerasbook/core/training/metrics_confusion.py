"""Metrics read off confusion matrices counted at many thresholds: `AUC` and the "X at Y" family
(`PrecisionAtRecall`, `RecallAtPrecision`, `SensitivityAtSpecificity`, `SpecificityAtSensitivity`).

A prediction `p` counts as positive at threshold `t` when `p > t`. Each metric keeps four count
vectors, one entry per threshold: true positives, false positives, true negatives, false negatives.
Sweeping the threshold from 0 to 1 traces a curve (ROC: recall against the false-positive rate; PR:
precision against recall): `AUC` sums the area under it, the "X at Y" metrics read the best X among
the thresholds where Y reaches the value asked for.

Counting: instead of comparing every prediction with every threshold (batch x thresholds booleans),
each prediction goes into the bucket of the last threshold below it, and the counts at threshold i
are the bucket totals from i upwards (a reversed cumulative sum), as Keras does.
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.engine import naming
from kerasbook.core.training.metrics import Metric

EPSILON = 1e-7  # keras.config.epsilon(): the end thresholds sit just outside [0, 1]


def same_rank(x1, x2, expand_rank_1=True):
    """Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer one ends
    in 1, expand a rank-1 shorter one (if `expand_rank_1`) or else squeeze the longer one."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = jnp.squeeze(x1, -1)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def evenly_spaced_thresholds(num_thresholds):
    """`num_thresholds` values from 0 to 1 inclusive, as Keras lays them out."""
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0] + inner + [1.0]


def is_evenly_spaced(thresholds):
    """Whether thresholds are `i / (n - 1)` for i = 0..n-1 (then a bucket is one multiplication away)."""
    n = len(thresholds)
    return n >= 3 and bool(np.allclose(thresholds, np.arange(n, dtype="float32") / (n - 1), atol=EPSILON))


def confusion_counts(y_true, y_pred, thresholds, evenly_spaced, sample_weight=None, class_id=None,
                     multi_label=False, label_weights=None):
    """Weighted counts `{"tp", "fp", "tn", "fn"}` at each threshold.

    `y_pred` holds probabilities, any shape (its last axis the labels with `multi_label`); `y_true`
    the same shape, nonzero meaning positive. Each count has shape `(len(thresholds),)`, or
    `(len(thresholds), num_labels)` with `multi_label`. `sample_weight` is per sample (or per value).
    """
    y_true = jnp.asarray(y_true, "float32")
    y_pred = jnp.asarray(y_pred, "float32")
    y_pred, y_true = same_rank(y_pred, y_true)
    weight = jnp.ones_like(y_pred)
    if sample_weight is not None:  # a (batch,) weight applies to every value of its sample
        sample_weight = jnp.asarray(sample_weight, "float32")[..., None]
        _, sample_weight = same_rank(y_true, sample_weight, expand_rank_1=False)
        weight = jnp.broadcast_to(sample_weight, y_pred.shape)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred, weight = (a[..., class_id, None] for a in (y_true, y_pred, weight))
    if label_weights is not None and not multi_label:
        weight = weight * jnp.broadcast_to(jnp.asarray(label_weights, "float32"), y_pred.shape)
    if not multi_label:  # every value is one more (label, prediction) pair
        y_true, y_pred, weight = y_true.reshape(-1, 1), y_pred.reshape(-1, 1), weight.reshape(-1, 1)
    positive = (y_true != 0).astype("float32")
    buckets = _bucket_of(y_pred, thresholds, evenly_spaced)
    count = len(thresholds)
    # Weighted positives and negatives per bucket, then "at threshold i or above": shape (count, labels).
    tp = _count_from_bucket_up(positive * weight, buckets, count)
    fp = _count_from_bucket_up((1.0 - positive) * weight, buckets, count)
    tn = jnp.sum((1.0 - positive) * weight, axis=0) - fp
    fn = jnp.sum(positive * weight, axis=0) - tp
    counts = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    return counts if multi_label else {key: value[:, 0] for key, value in counts.items()}


def _bucket_of(y_pred, thresholds, evenly_spaced):
    """The index of the last threshold strictly below each prediction (-1 if none: never positive)."""
    if evenly_spaced:  # thresholds i / (n - 1): Keras's arithmetic, so ties land where Keras puts them
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        buckets = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (len(thresholds) - 1)) - 1
        if with_epsilon:  # the first threshold is -epsilon: a prediction of 0 is above it
            buckets = jnp.maximum(buckets, 0)
        return buckets.astype("int32")
    return jnp.searchsorted(jnp.asarray(thresholds, "float32"), y_pred, side="left").astype("int32") - 1


def _count_from_bucket_up(values, buckets, count):
    """For each label (column): the total of `values` whose bucket is >= i, for i in 0..count-1."""
    def per_label(column_values, column_buckets):
        totals = jax.ops.segment_sum(column_values, column_buckets, num_segments=count)  # -1 dropped
        return jnp.cumsum(totals[::-1])[::-1]
    return jax.vmap(per_label, in_axes=1, out_axes=1)(values, buckets)


def divide_no_nan(a, b):
    """a / b, and 0 where b is 0."""
    return jnp.where(b == 0, 0.0, a / jnp.where(b == 0, 1.0, b))


class _ThresholdCounts(Metric):
    """A metric holding the four count vectors (`true_positives`, ...) at `self.thresholds`."""

    def _add_count_variables(self, shape):
        for cell in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, cell, self.add_variable(shape=shape, name=cell))

    def _add_counts(self, counts):
        for cell, key in (("true_positives", "tp"), ("false_positives", "fp"),
                          ("true_negatives", "tn"), ("false_negatives", "fn")):
            variable = getattr(self, cell)
            variable.assign(variable.value + counts[key])

    def _rates(self):
        """Recall (= sensitivity), precision, specificity and false-positive rate per threshold."""
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"recall": divide_no_nan(tp, tp + fn), "precision": divide_no_nan(tp, tp + fp),
                "specificity": divide_no_nan(tn, tn + fp), "fp_rate": divide_no_nan(fp, fp + tn)}


class SensitivitySpecificityBase(_ThresholdCounts):
    """The "X at Y" metrics: among the thresholds where rate Y >= `value`, the largest rate X
    (0.0 if none qualifies). `num_thresholds` evenly spaced thresholds in [0, 1]."""

    _constrained = _reported = None  # rate names, set by each subclass
    _value_name = None  # the argument holding `value`: "recall", "precision", ...

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name or naming.auto_name(naming.to_snake_case(type(self).__name__)), dtype)
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        self.thresholds = [0.5] if num_thresholds == 1 else evenly_spaced_thresholds(num_thresholds)
        self._evenly_spaced = num_thresholds > 1
        self._add_count_variables((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add_counts(confusion_counts(y_true, y_pred, self.thresholds, self._evenly_spaced,
                                          sample_weight, self.class_id))

    def result(self):
        rates = self._rates()
        feasible = rates[self._constrained] >= self.value
        return jnp.max(jnp.where(feasible, rates[self._reported], 0.0), initial=0.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision among the thresholds where recall >= `recall`."""

    _reported, _constrained, _value_name = "precision", "recall", "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = recall


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall among the thresholds where precision >= `precision` (0.0 if none reaches it)."""

    _reported, _constrained, _value_name = "recall", "precision", "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = precision


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall: tp / (tp + fn)) where specificity (tn / (tn + fp)) >= `specificity`."""

    _reported, _constrained, _value_name = "recall", "specificity", "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = specificity


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity (tn / (tn + fp)) where sensitivity (tp / (tp + fn)) >= `sensitivity`."""

    _reported, _constrained, _value_name = "specificity", "recall", "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = sensitivity


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(_ThresholdCounts):
    """The area under the ROC curve (recall against false-positive rate; `curve="ROC"`) or the
    precision-recall curve (`curve="PR"`), summed over `num_thresholds` thresholds.

    `summation_method`: "interpolation" (trapezoids; for PR, Davis & Goadrich's interpolation of the
    counts), "minoring" (a lower bound) or "majoring" (an upper bound). With `multi_label=True` each
    label (last axis) gets its own curve and the AUCs are averaged (weighted by `label_weights`);
    otherwise every value is one more (label, prediction) pair. `from_logits`: apply a sigmoid first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(thresholds)
            self.num_thresholds = len(thresholds) + 2
            self._evenly_spaced = is_evenly_spaced([0.0] + thresholds + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = evenly_spaced_thresholds(num_thresholds)[1:-1]
            self._evenly_spaced = True
        # The end thresholds sit just outside [0, 1], so predictions of exactly 0 or 1 are counted.
        self._thresholds = np.array([0.0 - EPSILON] + list(thresholds) + [1.0 + EPSILON])
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values '
                             'are ["interpolation", "majoring", "minoring"]')
        self.curve, self.summation_method = _CURVES[str(curve).lower()], str(summation_method).lower()
        super().__init__(name or naming.auto_name("auc"), dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        if isinstance(label_weights, dict):  # Keras's config record of an array, "__tensor__"
            label_weights = label_weights["config"]["value"]
        self.label_weights = None if label_weights is None else jnp.asarray(label_weights, self.dtype)
        self._from_logits = from_logits
        self.built = False
        if multi_label and num_labels:
            self._build((None, num_labels))
        elif not multi_label:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        """The counts: (num_thresholds,), or (num_thresholds, labels) with multi_label (known from
        the first batch when `num_labels` was not given)."""
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
        self._add_count_variables((self.num_thresholds, self._num_labels) if self.multi_label
                                  else (self.num_thresholds,))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred, "float32")
        if not self.built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        self._add_counts(confusion_counts(
            y_true, y_pred, self._thresholds, self._evenly_spaced, sample_weight,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights))

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._over_labels(self._interpolated_pr_areas())
        x, y = self._curve_points()
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._over_labels((x[:-1] - x[1:]) * heights)

    def _curve_points(self):
        """The curve's (x, y) per threshold, thresholds ascending (so x goes down)."""
        rates = self._rates()
        if self.curve == "ROC":
            return rates["fp_rate"], rates["recall"]
        if self.curve == "PR":
            return rates["recall"], rates["precision"]
        # PRGAIN: recall and precision gains, scaled by positives / negatives (see Keras's notes).
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
        precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        return jnp.maximum(recall_gain, 0.0), precision_gain

    def _interpolated_pr_areas(self):
        """PR areas between neighbouring thresholds with tp and tp + fp varying linearly between them
        (Davis & Goadrich 2006), so precision is interpolated as the counts are, not linearly."""
        tp, fp, fn = self.true_positives.value, self.false_positives.value, self.false_negatives.value
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)), 1.0)
        return divide_no_nan(slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0))

    def _over_labels(self, areas):
        """The total area; with multi_label, each label's area averaged (weighted by label_weights)."""
        if not self.multi_label:
            return jnp.sum(areas)
        by_label = jnp.sum(areas, axis=0)
        if self.label_weights is None:
            return jnp.mean(by_label)
        return divide_no_nan(jnp.sum(by_label * self.label_weights), jnp.sum(self.label_weights))

    def reset_state(self):
        if self.built:
            super().reset_state()

    def get_config(self):
        # label_weights as a list: Keras writes a "__tensor__" record that Keras 3.15 cannot read back
        label_weights = self.label_weights
        config = {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if label_weights is None else np.asarray(label_weights).tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:  # without the two end thresholds, as they were given
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
