"""Losses against Keras 3: functions, classes, reductions, sample weights, names, configs, `get`."""

import keras
import numpy as np
import pytest

from kerasbook.core.training import losses

RNG = np.random.default_rng(0)
N, C = 6, 4
PROBS = RNG.dirichlet(np.ones(C), size=N).astype("float32")
PROBS[0, 0] = 0.0  # a zero probability: Keras clips with epsilon 1e-7
LOGITS = RNG.normal(size=(N, C)).astype("float32") * 3
ONE_HOT = np.eye(C, dtype="float32")[RNG.integers(0, C, N)]
LABELS = RNG.integers(0, C, N)
BINARY = RNG.integers(0, 2, (N, C)).astype("float32")
SIGMOID = RNG.uniform(size=(N, C)).astype("float32")
SIGMOID[1, 1] = 1.0
REAL_TRUE = RNG.normal(size=(N, C)).astype("float32")
REAL_PRED = RNG.normal(size=(N, C)).astype("float32")
POSITIVE_TRUE = RNG.uniform(0.1, 3, (N, C)).astype("float32")
POSITIVE_PRED = RNG.uniform(0.1, 3, (N, C)).astype("float32")
WEIGHTS = RNG.uniform(size=(N,)).astype("float32")

# (function name, class name, y_true, y_pred, keyword arguments)
CASES = [
    ("mean_squared_error", "MeanSquaredError", REAL_TRUE, REAL_PRED, {}),
    ("mean_absolute_error", "MeanAbsoluteError", REAL_TRUE, REAL_PRED, {}),
    ("mean_absolute_percentage_error", "MeanAbsolutePercentageError", REAL_TRUE, REAL_PRED, {}),
    ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", POSITIVE_TRUE, POSITIVE_PRED, {}),
    ("binary_crossentropy", "BinaryCrossentropy", BINARY, SIGMOID, {}),
    ("binary_crossentropy", "BinaryCrossentropy", BINARY, LOGITS, {"from_logits": True}),
    ("binary_crossentropy", "BinaryCrossentropy", BINARY, SIGMOID, {"label_smoothing": 0.2}),
    ("binary_crossentropy", "BinaryCrossentropy", BINARY, LOGITS,
     {"from_logits": True, "label_smoothing": 0.1}),
    ("categorical_crossentropy", "CategoricalCrossentropy", ONE_HOT, PROBS, {}),
    ("categorical_crossentropy", "CategoricalCrossentropy", ONE_HOT, LOGITS, {"from_logits": True}),
    ("categorical_crossentropy", "CategoricalCrossentropy", ONE_HOT, PROBS * 2, {"label_smoothing": 0.1}),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", LABELS, PROBS, {}),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", LABELS[:, None], LOGITS,
     {"from_logits": True}),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", LABELS, LOGITS,
     {"from_logits": True, "ignore_class": 2}),
    ("huber", "Huber", REAL_TRUE, REAL_PRED * 2, {}),
    ("huber", "Huber", REAL_TRUE, REAL_PRED * 2, {"delta": 0.5}),
    ("kl_divergence", "KLDivergence", PROBS[::-1].copy(), PROBS, {}),
    ("hinge", "Hinge", BINARY, REAL_PRED, {}),
    ("hinge", "Hinge", BINARY * 2 - 1, REAL_PRED, {}),
    ("squared_hinge", "SquaredHinge", BINARY, REAL_PRED, {}),
    ("categorical_hinge", "CategoricalHinge", ONE_HOT, REAL_PRED, {}),
    ("log_cosh", "LogCosh", REAL_TRUE, REAL_PRED * 3, {}),
    ("poisson", "Poisson", POSITIVE_TRUE, POSITIVE_PRED, {}),
    ("cosine_similarity", "CosineSimilarity", REAL_TRUE, REAL_PRED, {}),
]
IDS = [f"{c[1]}-{c[4]}" for c in CASES]


@pytest.mark.parametrize("fn_name,cls_name,y_true,y_pred,kwargs", CASES, ids=IDS)
def test_functions_equal_keras(fn_name, cls_name, y_true, y_pred, kwargs):
    theirs = getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs)
    ours = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", None,
                                       "mean_with_sample_weight"])
@pytest.mark.parametrize("fn_name,cls_name,y_true,y_pred,kwargs", CASES, ids=IDS)
def test_classes_equal_keras(fn_name, cls_name, y_true, y_pred, kwargs, reduction):
    theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
    ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
    for weight in (None, WEIGHTS, WEIGHTS[:, None]):
        expected = np.asarray(theirs(y_true, y_pred, sample_weight=weight))
        got = np.asarray(ours(y_true, y_pred, sample_weight=weight))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn_name,cls_name,y_true,y_pred,kwargs", CASES[:1] + CASES[4:5] + CASES[11:12])
def test_names_and_configs_equal_keras(fn_name, cls_name, y_true, y_pred, kwargs):
    theirs = getattr(keras.losses, cls_name)(**kwargs)
    ours = getattr(losses, cls_name)(**kwargs)
    assert ours.name == theirs.name
    assert ours.get_config() == theirs.get_config()
    again = losses.deserialize(keras.losses.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    back = keras.losses.deserialize(losses.serialize(ours))
    assert type(back).__name__ == cls_name and back.get_config() == theirs.get_config()


def test_every_class_name_equals_keras():
    for _, cls_name, *_ in CASES:
        assert getattr(losses, cls_name)().name == getattr(keras.losses, cls_name)().name, cls_name


def test_rank_one_targets_for_column_predictions():
    y_true, y_pred = REAL_TRUE[:, 0], REAL_PRED[:, :1]
    np.testing.assert_allclose(losses.MeanSquaredError()(y_true, y_pred),
                               keras.losses.MeanSquaredError()(y_true, y_pred), rtol=1e-6)
    np.testing.assert_allclose(losses.BinaryCrossentropy()(BINARY[:, 0], SIGMOID[:, :1]),
                               keras.losses.BinaryCrossentropy()(BINARY[:, 0], SIGMOID[:, :1]), rtol=1e-6)


def test_get():
    for name in ("mse", "mean_squared_error", "MeanSquaredError"):
        loss = losses.get(name)
        np.testing.assert_allclose(loss(REAL_TRUE, REAL_PRED),
                                   keras.losses.MeanSquaredError()(REAL_TRUE, REAL_PRED), rtol=1e-6)
    assert losses.get("mse").name == "mse"
    assert isinstance(losses.get("binary_crossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.huber), losses.Huber)
    huber = losses.Huber(delta=0.3)
    assert losses.get(huber) is huber
    config = keras.losses.serialize(keras.losses.CategoricalCrossentropy(from_logits=True))
    assert losses.get(config).get_config()["from_logits"] is True

    def custom(y_true, y_pred):
        return (y_true - y_pred) ** 4

    wrapped = losses.get(custom)
    assert wrapped.name == "custom"
    np.testing.assert_allclose(wrapped(REAL_TRUE, REAL_PRED), np.mean((REAL_TRUE - REAL_PRED) ** 4),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown loss 'msee'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
