"""Losses by Keras's names: functions of `(y_true, y_pred)` giving one value per sample, and classes
that also weigh the samples and reduce them to one number (by default their mean: "sum_over_batch_size").
"""

import jax
import jax.numpy as jnp

from kerasbook.core.ops import nn


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim - 1:  # (batch,) targets for (batch, 1) predictions
        y_true = y_true[..., None]
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return 100.0 * jnp.mean(jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), 1e-7)), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    first = jnp.log(jnp.maximum(y_pred, 1e-7) + 1.0)
    second = jnp.log(jnp.maximum(y_true, 1e-7) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return jnp.mean(nn.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    return nn.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    y_true = jnp.asarray(y_true)
    y_pred = jnp.asarray(y_pred)
    if ignore_class is None:
        return nn.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if y_true.ndim == y_pred.ndim:
        y_true = jnp.squeeze(y_true, -1)
    valid = y_true != ignore_class
    loss = nn.sparse_categorical_crossentropy(jnp.where(valid, y_true, 0), y_pred,
                                              from_logits=from_logits, axis=axis)
    return jnp.where(valid, loss, 0.0)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(optax_huber(y_pred - y_true, delta), axis=-1)


def optax_huber(error, delta):
    import optax
    return optax.huber_loss(error, delta=delta)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = jnp.clip(y_true, 1e-7, 1.0)
    y_pred = jnp.clip(y_pred, 1e-7, 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = jnp.where(y_true == 0, -1.0, y_true)  # {0, 1} labels become {-1, 1}
    return jnp.mean(jnp.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = jnp.where(y_true == 0, -1.0, y_true)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """One-hot targets: the margin by which the best wrong class beats the true one, plus 1, if > 0."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    positive = jnp.sum(y_true * y_pred, axis=-1)
    negative = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(negative - positive + 1.0, 0.0)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    return jnp.mean(error + jax.nn.softplus(-2.0 * error) - jnp.log(2.0), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + 1e-7), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    return -jnp.sum(nn.normalize(y_true, axis) * nn.normalize(y_pred, axis), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy times `(1 - p_t) ** gamma`, where p_t is the probability given to the true
    label: well-classified examples (p_t near 1) count little, so the rare hard ones drive training
    (Lin et al., 2017). With `apply_class_balancing`, positives are also weighed by `alpha`,
    negatives by `1 - alpha`. Mean over `axis`."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    crossentropy = nn.binary_crossentropy(y_true, y_pred)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = jnp.power(1.0 - p_t, gamma) * crossentropy
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy with each class's term times `alpha * (1 - p) ** gamma`: confident
    right answers count little. One value per sample (summed over `axis`, the classes)."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    probabilities = jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), 1e-7, 1.0 - 1e-7)
    crossentropy = -y_true * jnp.log(probabilities)
    return jnp.sum(alpha * jnp.power(1.0 - probabilities, gamma) * crossentropy, axis=axis)


def dice(y_true, y_pred, axis=None):
    """1 - the Dice coefficient `2 |A and B| / (|A| + |B|)`, with soft sets: the overlap of a
    predicted mask with the true one (segmentation). `axis=None` pools everything into one value;
    an axis tuple such as (1, 2, 3) gives one value per image."""
    y_true, y_pred = _pair(y_true, y_pred)
    overlap = jnp.sum(y_true * y_pred, axis=axis)
    return 1 - 2.0 * overlap / (jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + 1e-7)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - the Tversky index `tp / (tp + alpha fp + beta fn)` (soft counts): Dice when alpha = beta =
    0.5; a larger `beta` penalizes missed positives more, for small objects. As Keras counts them,
    `fp` sums `y_true * (1 - y_pred)` and `fn` sums `y_pred * (1 - y_true)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    overlap = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - overlap / (overlap + alpha * fp + beta * fn + 1e-7)


mse, mae, mape, msle = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_logarithmic_error)
kld = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """A loss function with its options, weighing the samples and reducing them to one number.

    `reduction`: "sum_over_batch_size" (the default: the mean over every loss value), "sum",
    "mean_with_sample_weight" (divide by the total sample weight), or None/"none" (per-sample values).
    A built-in loss names its function in `fn` and keeps the function's keyword arguments in `options`.
    """

    fn = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: unknown reduction {reduction!r}; expected one of "
                             f"{list(_REDUCTIONS)}.")
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype or "float32"
        self.options = {}

    def call(self, y_true, y_pred):
        """The unreduced loss, one value per sample (shape `y_pred.shape[:-1]`)."""
        return type(self).fn(y_true, y_pred, **self.options)

    def _mask(self, y_true, values=None):
        """Which loss values count (None: all); masked-out ones are left out of the mean."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        values = self.call(y_true, y_pred)
        weight = None if sample_weight is None else jnp.asarray(sample_weight, values.dtype)
        mask = self._mask(y_true, values)
        if mask is not None:
            if self.reduction in ("sum_over_batch_size", "mean"):  # the mean over the valid values
                mask = jnp.where(mask, mask.size / jnp.maximum(jnp.sum(mask), 1), 0.0)
            mask = mask.astype(values.dtype)
            weight = mask if weight is None else jnp.multiply(*_same_rank(mask, weight))
        if weight is not None:
            values, weight = _same_rank(values, weight)
            values = values * weight
        return _reduce(values, weight, self.reduction)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, **self.options}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _same_rank(values, weight):
    """Line up a (batch,) weight with (batch, 1) values and the other way round, as Keras does."""
    if values.ndim == weight.ndim + 1 and values.shape[-1] == 1:
        weight = weight[..., None] if weight.ndim == 1 else weight
        values = values if weight.ndim == values.ndim else jnp.squeeze(values, -1)
    elif weight.ndim == values.ndim + 1 and weight.shape[-1] == 1:
        if values.ndim == 1:
            values = values[..., None]
        else:
            weight = jnp.squeeze(weight, -1)
    return values, weight


def _reduce(values, weight, reduction):
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weight is not None:
        divisor = jnp.sum(weight)
    else:
        divisor = values.size
    return jnp.where(divisor != 0, total / jnp.where(divisor != 0, divisor, 1), 0.0)


def _snake(name):
    from kerasbook.core.engine.naming import to_snake_case
    return to_snake_case(name)


def _loss_class(class_name, function, default_name=None):
    """A Loss of `function`, which takes no options: `(reduction, name, dtype)`, as Keras's."""
    default_name = default_name or _snake(class_name)

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        Loss.__init__(self, name=name, reduction=reduction, dtype=dtype)

    return type(class_name, (Loss,), {"fn": staticmethod(function), "__init__": __init__,
                                      "__doc__": f"The `{function.__name__}` loss as an object."})


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error)
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error)
KLDivergence = _loss_class("KLDivergence", kl_divergence)
Hinge = _loss_class("Hinge", hinge)
SquaredHinge = _loss_class("SquaredHinge", squared_hinge)
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge)
LogCosh = _loss_class("LogCosh", log_cosh)
Poisson = _loss_class("Poisson", poisson)


# Losses with options take them first, in Keras's order: `BinaryCrossentropy(True)` is from_logits.
class BinaryCrossentropy(Loss):
    """The `binary_crossentropy` loss as an object."""

    fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis}


class CategoricalCrossentropy(Loss):
    """The `categorical_crossentropy` loss as an object."""

    fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis}


class SparseCategoricalCrossentropy(Loss):
    """The `sparse_categorical_crossentropy` loss as an object. Labels equal to `ignore_class` are
    left out of the mean."""

    fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"from_logits": from_logits, "ignore_class": ignore_class, "axis": axis}

    def _mask(self, y_true, values=None):
        ignore_class = self.options["ignore_class"]
        if ignore_class is None:
            return None
        labels = jnp.squeeze(y_true, -1) if y_true.ndim > 1 and y_true.shape[-1] == 1 else y_true
        return labels != ignore_class

    def get_config(self):  # Keras leaves `axis` out of the config
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.options["from_logits"],
                "ignore_class": self.options["ignore_class"]}


class Huber(Loss):
    """The `huber` loss as an object: quadratic within `delta` of the target, linear beyond."""

    fn = staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"delta": delta}


class CosineSimilarity(Loss):
    """The `cosine_similarity` loss as an object (-1 for the same direction)."""

    fn = staticmethod(cosine_similarity)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"axis": axis}


class BinaryFocalCrossentropy(Loss):
    """The `binary_focal_crossentropy` loss as an object: crossentropy that down-weights easy examples."""

    fn = staticmethod(binary_focal_crossentropy)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis,
                        "apply_class_balancing": apply_class_balancing, "alpha": alpha, "gamma": gamma}


class CategoricalFocalCrossentropy(Loss):
    """The `categorical_focal_crossentropy` loss as an object."""

    fn = staticmethod(categorical_focal_crossentropy)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis,
                        "alpha": alpha, "gamma": gamma}


class Dice(Loss):
    """The `dice` loss as an object (`axis=None`: one value for the whole batch)."""

    fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"axis": axis}


class Tversky(Loss):
    """The `tversky` loss as an object."""

    fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"alpha": alpha, "beta": beta, "axis": axis}


# Defined apart (losses_more.py), registered here with the others.
from kerasbook.core.training.losses_more import (CTC, Circle, CategoricalGeneralizedCrossEntropy,  # noqa: E402
                                                 categorical_generalized_cross_entropy, circle, ctc)

_FUNCTIONS = {fn.__name__: fn for fn in [
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, huber, kl_divergence, hinge, squared_hinge, categorical_hinge,
    log_cosh, poisson, cosine_similarity, binary_focal_crossentropy, categorical_focal_crossentropy, dice,
    tversky, ctc, circle, categorical_generalized_cross_entropy]}
_FUNCTIONS.update({"mse": mean_squared_error, "mae": mean_absolute_error,
                   "mape": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
                   "kld": kl_divergence, "logcosh": log_cosh, "huber_loss": huber})
_CLASSES = {cls.__name__: cls for cls in [
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Huber, KLDivergence,
    Hinge, SquaredHinge, CategoricalHinge, LogCosh, Poisson, CosineSimilarity, BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy, Dice, Tversky, CTC, Circle, CategoricalGeneralizedCrossEntropy]}
_CLASS_OF_FUNCTION = {cls.fn: cls for cls in _CLASSES.values()}


def get(identifier):
    """A loss object from a name ("mse", "binary_crossentropy", "MeanSquaredError"), a config dict,
    a function of (y_true, y_pred), or a loss object. Functions are wrapped so that sample weights and
    the batch mean are handled the same way for all."""
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        function = _FUNCTIONS.get(identifier)
        if function is None:
            raise ValueError(f"Unknown loss {identifier!r}. Known: {sorted(_FUNCTIONS)}.")
        return _CLASS_OF_FUNCTION[function](name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        cls = _CLASS_OF_FUNCTION.get(identifier)
        if cls is not None:
            return cls(name=identifier.__name__)
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss {identifier!r}.")


class LossFunctionWrapper(Loss):
    """A user's function of (y_true, y_pred) as a loss object."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **options):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction, dtype=dtype)
        self._fn, self.options = fn, options

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self.options)


def serialize(loss):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    name = config.get("class_name")
    if name in _CLASSES:
        return _CLASSES[name].from_config(config.get("config", {}))
    from kerasbook.core.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects)
