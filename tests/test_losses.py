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


# -- focal, Dice and Tversky (issue 17) -------------------------------------------------------------
MASKS = RNG.integers(0, 2, (3, 5, 5, 1)).astype("float32")  # (batch, height, width, 1): segmentation
MASK_PRED = RNG.uniform(size=(3, 5, 5, 1)).astype("float32")
MASK_WEIGHTS = RNG.uniform(size=(3,)).astype("float32")
NEW_CASES = [
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", BINARY, SIGMOID, {}),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", BINARY, LOGITS,
     {"from_logits": True, "apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5}),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", BINARY, SIGMOID, {"label_smoothing": 0.1}),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", ONE_HOT, PROBS, {}),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", ONE_HOT, LOGITS,
     {"from_logits": True, "alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.2}),
    ("dice", "Dice", BINARY, SIGMOID, {}),
    ("dice", "Dice", MASKS, MASK_PRED, {"axis": (1, 2, 3)}),
    ("tversky", "Tversky", BINARY, SIGMOID, {}),
    ("tversky", "Tversky", MASKS, MASK_PRED, {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)}),
]
NEW_IDS = [f"{c[1]}-{c[4]}" for c in NEW_CASES]


@pytest.mark.parametrize("fn_name,cls_name,y_true,y_pred,kwargs", NEW_CASES, ids=NEW_IDS)
def test_focal_dice_tversky_equal_keras(fn_name, cls_name, y_true, y_pred, kwargs):
    expected = getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs)
    got = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5, atol=1e-6)
    per_sample = "axis" in kwargs or "focal" in fn_name  # Dice over everything gives one value only
    for reduction in ["sum_over_batch_size", "sum"] + (["none"] if per_sample else []):
        theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        weights = [None] + ([MASK_WEIGHTS if y_true is MASKS else WEIGHTS] if per_sample else [])
        for weight in weights:
            np.testing.assert_allclose(np.asarray(ours(y_true, y_pred, sample_weight=weight)),
                                       np.asarray(theirs(y_true, y_pred, sample_weight=weight)),
                                       rtol=1e-5, atol=1e-6)
    theirs, ours = getattr(keras.losses, cls_name)(**kwargs), getattr(losses, cls_name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    back = keras.losses.deserialize(losses.serialize(ours))
    assert type(back).__name__ == cls_name and back.get_config() == theirs.get_config()
    assert losses.deserialize(keras.losses.serialize(theirs)).get_config() == theirs.get_config()
    assert losses.get(fn_name).name == keras.losses.get(fn_name).name if hasattr(keras.losses.get(fn_name), "name") \
        else callable(losses.get(fn_name))


KERAS_LOSS_CLASSES = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                      "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
                      "SparseCategoricalCrossentropy", "Huber", "KLDivergence", "Hinge", "SquaredHinge",
                      "CategoricalHinge", "LogCosh", "Poisson", "CosineSimilarity", "BinaryFocalCrossentropy",
                      "CategoricalFocalCrossentropy", "Dice", "Tversky", "Loss", "CTC", "Circle",
                      "CategoricalGeneralizedCrossEntropy"]


@pytest.mark.parametrize("cls_name", KERAS_LOSS_CLASSES)
def test_signature_equals_keras(cls_name):
    """Names, order and defaults of every argument: `BinaryCrossentropy(True)` is from_logits in both."""
    import inspect
    ours = inspect.signature(getattr(losses, cls_name))
    theirs = inspect.signature(getattr(keras.losses, cls_name))
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.parameters.values()]


def test_positional_arguments_mean_what_they_mean_in_keras():
    for cls_name, args in [("BinaryCrossentropy", (True, 0.1)), ("CategoricalCrossentropy", (True,)),
                           ("SparseCategoricalCrossentropy", (True, 1)),
                           ("BinaryFocalCrossentropy", (True, 0.4, 1.0, True)), ("Tversky", (0.2, 0.8))]:
        assert getattr(losses, cls_name)(*args).get_config() == getattr(keras.losses, cls_name)(*args).get_config()
    assert losses.Huber(0.3).options["delta"] == 0.3  # Keras's Huber config leaves delta out: ours keeps it
    np.testing.assert_allclose(losses.BinaryCrossentropy(True)(BINARY, LOGITS),
                               keras.losses.BinaryCrossentropy(True)(BINARY, LOGITS), rtol=1e-6)


def test_sparse_categorical_crossentropy_axis():
    """`axis` names the classes' axis. Keras 3.15 computes it only when that is the last axis (axis=2
    here) and refuses another; kerasbook also takes another, as the same loss with the classes moved last."""
    logits = RNG.normal(size=(N, 3, C)).astype("float32")
    labels = RNG.integers(0, C, (N, 3))
    for kwargs in ({}, {"ignore_class": 2}):
        theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, axis=2, **kwargs)
        ours = losses.SparseCategoricalCrossentropy(from_logits=True, axis=2, **kwargs)
        np.testing.assert_allclose(ours(labels, logits), theirs(labels, logits), rtol=1e-5)
        classes_first = losses.SparseCategoricalCrossentropy(True, axis=1, **kwargs)(labels, logits.transpose(0, 2, 1))
        np.testing.assert_allclose(classes_first, theirs(labels, logits), rtol=1e-5)
    assert "axis" not in losses.SparseCategoricalCrossentropy(axis=1).get_config()  # as Keras's config


# -- CTC, Circle and Generalized Cross Entropy (issue 17) ------------------------------------------------

def unit_rows(x):
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype("float32")


CIRCLE_EMBEDDINGS = unit_rows(RNG.normal(size=(8, 5)))
CIRCLE_LABELS = np.array([0, 1, 0, 2, 1, 3, 0, 2])  # class 3 has one sample: no positive pair, loss 0


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False},
                                    {"reduction": "sum"}, {"reduction": None}], ids=repr)
def test_circle_equals_keras(kwargs):
    ours, theirs = losses.Circle(**kwargs), keras.losses.Circle(**kwargs)
    np.testing.assert_allclose(ours(CIRCLE_LABELS, CIRCLE_EMBEDDINGS), theirs(CIRCLE_LABELS, CIRCLE_EMBEDDINGS),
                               rtol=1e-5, atol=1e-5)
    weight = RNG.uniform(size=8).astype("float32")
    np.testing.assert_allclose(ours(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, weight),
                               theirs(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, weight), rtol=1e-5, atol=1e-5)
    assert ours.get_config() == theirs.get_config()


def test_circle_function_with_references_equals_keras():
    refs, ref_labels = unit_rows(RNG.normal(size=(6, 5))), np.array([0, 1, 2, 3, 0, 1])
    for kwargs in [{}, {"ref_labels": ref_labels, "ref_embeddings": refs, "remove_diagonal": False}]:
        np.testing.assert_allclose(losses.circle(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, **kwargs),
                                   keras.losses.circle(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, **kwargs), rtol=1e-5)


def test_ctc_equals_keras():
    logits = RNG.normal(size=(4, 12, 6)).astype("float32")
    labels = np.array([[1, 2, 3, 0, 0], [4, 4, 0, 0, 0], [5, 1, 2, 3, 4], [2, 0, 0, 0, 0]])
    np.testing.assert_allclose(losses.ctc(labels, logits), keras.losses.ctc(labels, logits), rtol=1e-5)
    for kwargs in [{}, {"reduction": "sum"}]:
        np.testing.assert_allclose(losses.CTC(**kwargs)(labels, logits), keras.losses.CTC(**kwargs)(labels, logits),
                                   rtol=1e-5)
    assert losses.CTC().get_config() == keras.losses.CTC().get_config()
    with pytest.raises(ValueError, match="Targets `y_true`"):
        losses.ctc(labels[0], logits)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_categorical_generalized_cross_entropy_equals_keras(q):
    probabilities = np.asarray(keras.ops.softmax(RNG.normal(size=(N, C)).astype("float32")))
    labels = RNG.integers(0, C, N)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(labels, probabilities, q),
                               keras.losses.categorical_generalized_cross_entropy(labels, probabilities, q), rtol=1e-5)
    ours, theirs = losses.CategoricalGeneralizedCrossEntropy(q), keras.losses.CategoricalGeneralizedCrossEntropy(q)
    np.testing.assert_allclose(ours(labels, probabilities), theirs(labels, probabilities), rtol=1e-5)
    assert ours.get_config() == theirs.get_config()
    with pytest.raises(ValueError, match="interval"):
        losses.CategoricalGeneralizedCrossEntropy(1.0)


def test_new_losses_by_name_and_in_a_saved_config():
    assert isinstance(losses.get("Circle"), losses.Circle) and losses.get("ctc").name == "ctc"
    restored = losses.deserialize(losses.serialize(losses.CategoricalGeneralizedCrossEntropy(0.3)))
    assert restored.options["q"] == 0.3
