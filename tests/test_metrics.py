"""Metrics against Keras 3: values over several batches with sample weights, state variables, reset,
names, `get`, `resolve_accuracy`, and updates inside a jit-compiled StatelessScope."""

import jax
import keras
import numpy as np
import pytest

from kerasbook.core.training import metrics

RNG = np.random.default_rng(1)
N, C = 8, 5
PROBS = RNG.dirichlet(np.ones(C), size=(2, N)).astype("float32")
ONE_HOT = np.eye(C, dtype="float32")[RNG.integers(0, C, (2, N))]
LABELS = RNG.integers(0, C, (2, N))
BINARY = RNG.integers(0, 2, (2, N, 1)).astype("float32")
SIGMOID = RNG.uniform(size=(2, N, 1)).astype("float32")
REAL_TRUE = RNG.normal(size=(2, N, C)).astype("float32")
REAL_PRED = RNG.normal(size=(2, N, C)).astype("float32")
INTS_TRUE = RNG.integers(0, 3, (2, N, 2)).astype("float32")
INTS_PRED = RNG.integers(0, 3, (2, N, 2)).astype("float32")
WEIGHTS = RNG.uniform(size=(2, N)).astype("float32")

# (class name, y_true batches, y_pred batches, keyword arguments)
CASES = [
    ("Accuracy", INTS_TRUE, INTS_PRED, {}),
    ("BinaryAccuracy", BINARY, SIGMOID, {}),
    ("BinaryAccuracy", BINARY, SIGMOID, {"threshold": 0.7}),
    ("CategoricalAccuracy", ONE_HOT, PROBS, {}),
    ("SparseCategoricalAccuracy", LABELS, PROBS, {}),
    ("SparseCategoricalAccuracy", LABELS[..., None], PROBS, {}),
    ("TopKCategoricalAccuracy", ONE_HOT, PROBS, {"k": 2}),
    ("MeanSquaredError", REAL_TRUE, REAL_PRED, {}),
    ("MeanAbsoluteError", REAL_TRUE, REAL_PRED, {}),
    ("RootMeanSquaredError", REAL_TRUE, REAL_PRED, {}),
    ("Precision", BINARY, SIGMOID, {}),
    ("Precision", BINARY, SIGMOID, {"thresholds": [0.3, 0.6]}),
    ("Recall", BINARY, SIGMOID, {}),
    ("Recall", ONE_HOT, PROBS, {"class_id": 2, "thresholds": 0.2}),
    ("Precision", ONE_HOT, PROBS, {"top_k": 2}),
    ("SparseTopKCategoricalAccuracy", LABELS, PROBS, {"k": 2}),
    ("SparseTopKCategoricalAccuracy", LABELS[..., None], PROBS, {}),
    ("SparseTopKCategoricalAccuracy", LABELS, np.argsort(-PROBS, -1), {"k": 2, "from_sorted_ids": True}),
    # losses as metrics
    ("MeanAbsolutePercentageError", REAL_TRUE, REAL_PRED, {}),
    ("MeanSquaredLogarithmicError", np.abs(REAL_TRUE), REAL_PRED, {}),
    ("BinaryCrossentropy", BINARY, SIGMOID, {}),
    ("BinaryCrossentropy", BINARY, REAL_PRED[..., :1], {"from_logits": True, "label_smoothing": 0.1}),
    ("CategoricalCrossentropy", ONE_HOT, PROBS, {"label_smoothing": 0.2}),
    ("CategoricalCrossentropy", ONE_HOT, REAL_PRED, {"from_logits": True}),
    ("SparseCategoricalCrossentropy", LABELS, PROBS, {}),
    ("SparseCategoricalCrossentropy", LABELS, REAL_PRED, {"from_logits": True, "ignore_class": 1}),
    ("SparseCategoricalCrossentropy", LABELS[..., None], PROBS, {"ignore_class": 0}),
    ("KLDivergence", PROBS, PROBS[::-1], {}),
    ("Poisson", ONE_HOT, PROBS, {}),
    ("Hinge", BINARY, REAL_PRED[..., :1], {}),
    ("SquaredHinge", 2 * BINARY - 1, REAL_PRED[..., :1], {}),
    ("CategoricalHinge", ONE_HOT, REAL_PRED, {}),
    ("CosineSimilarity", REAL_TRUE, REAL_PRED, {}),
    ("CosineSimilarity", REAL_TRUE, REAL_PRED, {"axis": 1, "name": "cos"}),
    ("LogCoshError", REAL_TRUE, REAL_PRED, {}),
    ("PearsonCorrelation", REAL_TRUE, REAL_PRED, {}),
    ("PearsonCorrelation", REAL_TRUE, REAL_PRED, {"axis": 1, "name": "r"}),
    ("ConcordanceCorrelation", REAL_TRUE, REAL_PRED, {}),
    ("ConcordanceCorrelation", REAL_TRUE, REAL_TRUE + 0.1 * REAL_PRED, {"axis": 1}),
    ("TruePositives", BINARY, SIGMOID, {}),
    ("FalsePositives", BINARY, SIGMOID, {"thresholds": [0.2, 0.7]}),
    ("TrueNegatives", ONE_HOT, PROBS, {"thresholds": 0.1}),
    ("FalseNegatives", BINARY, SIGMOID, {}),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls_name,y_true,y_pred,kwargs", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_equal_keras(cls_name, y_true, y_pred, kwargs, weighted):
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    ours = getattr(metrics, cls_name)(**kwargs)
    for batch in range(2):
        weight = WEIGHTS[batch] if weighted else None
        theirs.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
        ours.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-5, atol=1e-6)
    assert ours.name == theirs.name
    assert [(v.path, v.shape) for v in ours.variables] == [(v.path, tuple(v.shape)) for v in theirs.variables]
    for mine, reference in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), rtol=1e-5, atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    ours.reset_state()
    assert all(not v.numpy().any() for v in ours.variables)


@pytest.mark.parametrize("cls_name", ["Mean", "Sum"])
def test_mean_and_sum(cls_name):
    theirs, ours = getattr(keras.metrics, cls_name)(), getattr(metrics, cls_name)()
    for values, weight in [(REAL_TRUE[0], WEIGHTS[0]), (REAL_TRUE[1, :, 0], None), (3.0, None),
                           (REAL_TRUE[1], WEIGHTS[1][:, None])]:
        theirs.update_state(values, sample_weight=weight)
        ours.update_state(values, sample_weight=weight)
        for mine, reference in zip(ours.variables, theirs.variables):
            np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), rtol=1e-5)
    np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5)


def test_update_inside_jit_is_stateless():
    metric = metrics.Mean(name="loss")

    @jax.jit
    def step(values, batch):
        return metric.stateless_update_state(values, batch)

    values = [v.value for v in metric.variables]
    for batch in REAL_TRUE:
        values = step(values, batch)
    assert not metric.total.numpy() and not metric.count.numpy()  # the real variables are untouched
    np.testing.assert_allclose(metric.stateless_result(values), REAL_TRUE.mean(), rtol=1e-5)
    assert float(metric(REAL_TRUE[0])) == pytest.approx(REAL_TRUE[0].mean(), rel=1e-5)


def test_get_names_as_keras_reports_them():
    for name in ["mae", "MSE", "mean_absolute_error", "bce", "msle", "MAPE", "kl_divergence", "log_cosh_error",
                 "cosine_similarity", "categorical_hinge", "sparse_top_k_categorical_accuracy", "Poisson",
                 "true_negatives", "PearsonCorrelation", "concordance_correlation"]:
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs.name)
    for name in ["logcosh", "kld", "huber"]:  # names Keras's metrics.get does not know either
        with pytest.raises(ValueError):
            keras.metrics.get(name)
        with pytest.raises(ValueError, match="Unknown metric"):
            metrics.get(name)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("RootMeanSquaredError"), metrics.RootMeanSquaredError)
    precision = metrics.Precision(thresholds=0.3)
    assert metrics.get(precision) is precision
    config = keras.metrics.serialize(keras.metrics.BinaryAccuracy(threshold=0.8, name="ba"))
    assert metrics.get(config).get_config() == {"name": "ba", "dtype": "float32", "threshold": 0.8}

    def double_error(y_true, y_pred):
        return 2 * abs(y_true - y_pred)

    custom = metrics.get(double_error)
    custom.update_state(REAL_TRUE[0], REAL_PRED[0])
    assert custom.name == "double_error"
    np.testing.assert_allclose(custom.result(), 2 * np.abs(REAL_TRUE[0] - REAL_PRED[0]).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="Unknown metric 'accuracyy'"):
        metrics.get("accuracyy")


@pytest.mark.parametrize("y_true_shape,y_pred_shape,expected", [
    ((None, 1), (None, 1), metrics.BinaryAccuracy),
    ((None,), (None, 1), metrics.BinaryAccuracy),
    ((None, 3), (None, 3), metrics.CategoricalAccuracy),  # Keras 3 does not look at the loss
    ((None,), (None, 10), metrics.SparseCategoricalAccuracy),
    ((None, 1), (None, 10), metrics.SparseCategoricalAccuracy),
    ((None, 10), (None, 10), metrics.CategoricalAccuracy),
    ((None, 7, 1), (None, 7, 10), metrics.SparseCategoricalAccuracy),
])
def test_resolve_accuracy_as_keras_compile(y_true_shape, y_pred_shape, expected):
    from keras.src.trainers.compile_utils import get_metric
    metric = metrics.resolve_accuracy("acc", y_true_shape, y_pred_shape, loss="binary_crossentropy")
    assert type(metric) is expected and metric.name == "acc"
    theirs = get_metric("acc", np.zeros([d or 2 for d in y_true_shape]), np.zeros([d or 2 for d in y_pred_shape]))
    assert type(theirs).__name__ == expected.__name__


KERAS_FUNCTIONS = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                   "categorical_hinge", "hinge", "squared_hinge", "huber", "kl_divergence", "log_cosh",
                   "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
                   "mean_squared_logarithmic_error", "poisson"]


def test_lower_case_metric_functions_are_the_loss_functions_as_in_keras():
    """`keras.metrics.mean_absolute_error` is `keras.losses.mean_absolute_error`: one value per sample."""
    from kerasbook.core.training import losses
    y_true, y_pred = {"sparse_categorical_crossentropy": LABELS[0]}, {"binary_crossentropy": SIGMOID[0]}
    for name in KERAS_FUNCTIONS:
        assert getattr(keras.metrics, name) is getattr(keras.losses, name)
        assert getattr(metrics, name) is getattr(losses, name)
        yt = y_true.get(name, ONE_HOT[0] if "categorical" in name else BINARY[0] if "binary" in name else
                        np.abs(REAL_TRUE[0]))
        yp = y_pred.get(name, PROBS[0])
        np.testing.assert_allclose(getattr(metrics, name)(yt, yp), getattr(keras.metrics, name)(yt, yp),
                                   rtol=1e-5, atol=1e-6, err_msg=name)


def test_public_names_cover_keras_common_metrics():
    common = {"BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
              "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "CosineSimilarity", "LogCoshError",
              "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "SparseTopKCategoricalAccuracy",
              "sparse_top_k_categorical_accuracy", "PearsonCorrelation", "ConcordanceCorrelation",
              "pearson_correlation", "concordance_correlation", "TruePositives", "FalsePositives",
              "TrueNegatives", "FalseNegatives", *KERAS_FUNCTIONS}
    assert common <= set(dir(keras.metrics)) and common <= set(dir(metrics))


def test_compile_resolves_metric_names_and_history_keys_as_keras():
    """The same model, weights and data: each name resolves to Keras's metric, keeps the name it was given,
    and the epoch's values agree."""
    import kerasbook
    names = ["mse", "MSE", "MeanSquaredError", "bce", "binary_crossentropy", "kl_divergence",
             "cosine_similarity", "log_cosh_error", "poisson", "hinge", "categorical_hinge", "msle", "mape",
             "root_mean_squared_error", "top_k_categorical_accuracy", "squared_hinge",
             "categorical_crossentropy", "mean_absolute_percentage_error", "acc"]
    x, y = REAL_TRUE.reshape(-1, C), PROBS.reshape(-1, C)
    histories = {}
    for library in (keras, kerasbook):
        keras.utils.set_random_seed(3)
        model = library.Sequential([library.Input((C,)), library.layers.Dense(C, activation="softmax")])
        if library is kerasbook:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(library.optimizers.SGD(0.1), "mse", metrics=names)
        histories[library] = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    ours, theirs = histories[kerasbook], histories[keras]
    assert list(ours) == list(theirs) == sorted(["loss", *names])  # Keras sorts the logs by name
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, err_msg=key)
