"""AUC, the "X at Y" metrics, F-scores, R2 and the IoU family against Keras 3: values after several
batches (with and without sample weights), variables, names, configs; inside a jit-compiled
stateless update; and in compile(metrics=[...]) + fit + evaluate, where the history equals Keras's."""

import jax
import keras
import numpy as np
import pytest

import kerasbook
from kerasbook.core.training import metrics

RNG = np.random.default_rng(17)
B, N, C = 3, 16, 4  # batches, samples per batch, classes
BINARY = RNG.integers(0, 2, (B, N, 1)).astype("float32")
SCORES = RNG.uniform(size=(B, N, 1)).astype("float32")
SCORES[0, :3, 0] = [0.0, 1.0, 0.5]  # the edges of the threshold grid
LOGITS = RNG.normal(size=(B, N, 1)).astype("float32") * 3
MULTI_TRUE = RNG.integers(0, 2, (B, N, C)).astype("float32")
MULTI_SCORES = RNG.uniform(size=(B, N, C)).astype("float32")
ONE_HOT = np.eye(C, dtype="float32")[RNG.integers(0, C, (B, N))]
PROBS = RNG.dirichlet(np.ones(C), size=(B, N)).astype("float32")
REAL_TRUE = RNG.normal(size=(B, N, C)).astype("float32")
REAL_PRED = (REAL_TRUE + RNG.normal(size=(B, N, C))).astype("float32")
LABEL_MAPS = RNG.integers(0, C, (B, N, 5)).astype("float32")  # (batch, pixels): segmentation labels
PRED_MAPS = np.where(RNG.uniform(size=(B, N, 5)) < 0.6, LABEL_MAPS, RNG.integers(0, C, (B, N, 5))).astype("float32")
WEIGHTS = RNG.uniform(size=(B, N)).astype("float32")

# (class name, positional args, keyword args, y_true batches, y_pred batches, weights or None)
CASES = [
    ("AUC", (), {}, BINARY, SCORES),
    ("AUC", (), {"curve": "PR"}, BINARY, SCORES),
    ("AUC", (), {"curve": "PR", "summation_method": "minoring"}, BINARY, SCORES),
    ("AUC", (), {"summation_method": "majoring", "num_thresholds": 13}, BINARY, SCORES),
    ("AUC", (), {"curve": "PRGAIN"}, BINARY, SCORES),
    ("AUC", (), {"from_logits": True}, BINARY, LOGITS),
    ("AUC", (), {"thresholds": [0.1, 0.35, 0.5, 0.8]}, BINARY, SCORES),
    ("AUC", (), {"thresholds": [0.25, 0.5, 0.75]}, BINARY, SCORES),  # evenly spaced after all
    ("AUC", (), {"multi_label": True}, MULTI_TRUE, MULTI_SCORES),
    ("AUC", (), {"multi_label": True, "num_labels": C, "curve": "PR", "label_weights": [1, 2, 0.5, 1]},
     MULTI_TRUE, MULTI_SCORES),
    ("AUC", (), {"label_weights": [1, 2, 0.5, 1]}, MULTI_TRUE, MULTI_SCORES),
    ("PrecisionAtRecall", (0.6,), {}, BINARY, SCORES),
    ("PrecisionAtRecall", (0.3,), {"num_thresholds": 1}, BINARY, SCORES),
    ("RecallAtPrecision", (0.55,), {"num_thresholds": 50}, BINARY, SCORES),
    ("SensitivityAtSpecificity", (0.5,), {}, BINARY, SCORES),
    ("SpecificityAtSensitivity", (0.7,), {"class_id": 2}, ONE_HOT, PROBS),
    ("F1Score", (), {}, ONE_HOT, PROBS),
    ("F1Score", (), {"average": "macro", "threshold": 0.3}, MULTI_TRUE, MULTI_SCORES),
    ("FBetaScore", (), {"average": "micro", "beta": 2.0}, ONE_HOT, PROBS),
    ("FBetaScore", (), {"average": "weighted", "beta": 0.5, "threshold": 0.4}, MULTI_TRUE, MULTI_SCORES),
    ("R2Score", (), {}, REAL_TRUE, REAL_PRED),
    ("R2Score", (), {"class_aggregation": None}, REAL_TRUE, REAL_PRED),
    ("R2Score", (), {"class_aggregation": "variance_weighted_average", "num_regressors": 3}, REAL_TRUE, REAL_PRED),
    ("R2Score", (), {}, REAL_TRUE[..., :1], REAL_PRED[..., 0]),
    ("MeanIoU", (C,), {}, LABEL_MAPS, PRED_MAPS),
    ("MeanIoU", (C,), {"ignore_class": 0}, LABEL_MAPS, PRED_MAPS),
    ("IoU", (C, [0, 2]), {}, LABEL_MAPS, PRED_MAPS),
    ("IoU", (C, [1]), {"sparse_y_pred": False}, LABEL_MAPS[..., 0], PROBS),
    ("BinaryIoU", (), {}, BINARY, SCORES),
    ("BinaryIoU", (), {"target_class_ids": [1], "threshold": 0.3}, BINARY, SCORES),
    ("OneHotIoU", (C, [0, 3]), {}, ONE_HOT, PROBS),
    ("OneHotMeanIoU", (C,), {}, ONE_HOT, PROBS),
]
IDS = [f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]


def _weights_for(cls_name, y_true, weighted):
    """Per sample; for IoU one per label (pixel), and whole numbers: its matrix is integer."""
    if not weighted:
        return [None] * B
    if "IoU" in cls_name:
        shape = y_true.shape[:-1] if cls_name.startswith("OneHot") else y_true.shape
        return list(RNG.integers(0, 3, shape).astype("float32"))
    return list(WEIGHTS)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls_name,args,kwargs,y_true,y_pred", CASES, ids=IDS)
def test_equal_keras_over_batches(cls_name, args, kwargs, y_true, y_pred, weighted):
    theirs = getattr(keras.metrics, cls_name)(*args, **kwargs)
    ours = getattr(metrics, cls_name)(*args, **kwargs)
    for batch, weight in enumerate(_weights_for(cls_name, y_true, weighted)):
        theirs.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
        ours.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-5, atol=1e-5)
    assert [(v.path.split("/")[-1], v.shape, str(v.dtype)) for v in ours.variables] == \
        [(v.path.split("/")[-1], tuple(v.shape), str(v.dtype)) for v in theirs.variables]
    for mine, reference in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), rtol=1e-5, atol=1e-5)
    ours.reset_state()
    assert all(not v.numpy().any() for v in ours.variables)


@pytest.mark.parametrize("cls_name,args,kwargs,y_true,y_pred", CASES, ids=IDS)
def test_names_and_configs_equal_keras(cls_name, args, kwargs, y_true, y_pred):
    theirs = getattr(keras.metrics, cls_name)(*args, **kwargs, name="m")
    ours = getattr(metrics, cls_name)(*args, **kwargs, name="m")
    expected = keras.utils.serialize_keras_object(theirs)["config"]
    if "label_weights" in kwargs:  # Keras writes a "__tensor__" record, and cannot read it back itself
        expected["label_weights"] = expected["label_weights"]["config"]["value"]
        with pytest.raises(TypeError):
            keras.metrics.deserialize(keras.metrics.serialize(theirs))
    assert ours.get_config() == expected
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == expected
    assert type(keras.metrics.deserialize(kerasbook.metrics.serialize(ours))) is type(theirs)
    assert kerasbook.metrics.get(keras.metrics.serialize(theirs)).get_config() == expected


def test_default_names_equal_keras():
    kerasbook.utils.clear_session()
    keras.utils.clear_session()
    made = [("AUC", ()), ("AUC", ()), ("F1Score", ()), ("FBetaScore", ()), ("R2Score", ()), ("MeanIoU", (3,)),
            ("IoU", (3, [0])), ("BinaryIoU", ()), ("OneHotIoU", (3, [1])), ("OneHotMeanIoU", (3,)),
            ("PrecisionAtRecall", (0.5,)), ("RecallAtPrecision", (0.5,)), ("SensitivityAtSpecificity", (0.5,)),
            ("SpecificityAtSensitivity", (0.5,))]
    ours = [getattr(metrics, name)(*args).name for name, args in made]
    theirs = [getattr(keras.metrics, name)(*args).name for name, args in made]
    assert ours == theirs
    for name in ["auc", "AUC", "f1_score", "r2_score", "FBetaScore"]:
        assert type(metrics.get(name)).__name__ == type(keras.metrics.get(name)).__name__


def test_signatures_equal_keras():
    import inspect
    for _, names in metrics._FAMILIES.items():
        for name in names:
            ours = inspect.signature(getattr(metrics, name))
            theirs = inspect.signature(getattr(keras.metrics, name))
            assert [(p.name, p.default) for p in ours.parameters.values()] == \
                [(p.name, p.default) for p in theirs.parameters.values()], name


@pytest.mark.parametrize("cls_name,args,kwargs,y_true,y_pred", [CASES[0], CASES[8], CASES[16], CASES[21],
                                                                CASES[24], CASES[11]],
                         ids=["AUC", "AUC-multi", "F1", "R2", "MeanIoU", "PrecisionAtRecall"])
def test_stateless_update_under_jit(cls_name, args, kwargs, y_true, y_pred):
    """The trainer's protocol: values in, values out, the metric's own variables untouched."""
    reference = getattr(metrics, cls_name)(*args, **kwargs)
    metric = getattr(metrics, cls_name)(*args, **kwargs)
    metric.update_state(y_true[0], y_pred[0])  # builds lazily made state (F1, R2, multi-label AUC)
    metric.reset_state()
    step = jax.jit(metric.stateless_update_state)
    values = [v.value for v in metric.variables]
    for batch in range(B):
        values = step(values, y_true[batch], y_pred[batch])
        reference.update_state(y_true[batch], y_pred[batch])
    assert all(not v.numpy().any() for v in metric.variables)
    np.testing.assert_allclose(np.asarray(jax.jit(metric.stateless_result)(values)),
                               np.asarray(reference.result()), rtol=1e-6, atol=1e-6)


def _fit_both(output, loss, metric_lists, x, y, epochs=2, **fit_kwargs):
    """The same model, weights and data in Keras and kerasbook: their histories."""
    histories = {}
    for library in (keras, kerasbook):
        keras.utils.set_random_seed(5)
        model = library.Sequential([library.Input((x.shape[1],)), library.layers.Dense(8, activation="relu"),
                                    library.layers.Dense(output[0], activation=output[1])])
        if library is kerasbook:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile(library.optimizers.SGD(0.05), loss, metrics=metric_lists[library])
        histories[library] = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0,
                                       **fit_kwargs).history
    return histories[kerasbook], histories[keras]


def _compare(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_in_compile_and_fit_binary():
    x = RNG.normal(size=(64, 5)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    made = {lib: [lib.metrics.AUC(name="auc"), lib.metrics.AUC(curve="PR", name="pr_auc"),
                  lib.metrics.PrecisionAtRecall(0.8, name="p_at_r"),
                  lib.metrics.SpecificityAtSensitivity(0.6, name="s_at_s"),
                  lib.metrics.BinaryIoU(name="biou"),
                  lib.metrics.F1Score(average="micro", threshold=0.5, name="f1")]
            for lib in (keras, kerasbook)}
    ours, theirs = _fit_both((1, "sigmoid"), "binary_crossentropy", made, x, y, validation_split=0.25)
    _compare(ours, theirs)
    assert 0.0 < ours["auc"][-1] < 1.0 and ours["auc"] != ours["pr_auc"]


def test_in_compile_and_fit_multiclass_and_regression():
    x = RNG.normal(size=(64, 5)).astype("float32")
    y = np.eye(C, dtype="float32")[np.argmax(x[:, :C], axis=1)]
    made = {lib: [lib.metrics.AUC(multi_label=True, name="auc"), lib.metrics.F1Score(average="macro", name="f1"),
                  lib.metrics.FBetaScore(beta=2.0, average="weighted", name="f2"),
                  lib.metrics.OneHotMeanIoU(C, name="miou"), "AUC"]
            for lib in (keras, kerasbook)}
    ours, theirs = _fit_both((C, "softmax"), "categorical_crossentropy", made, x, y)
    _compare(ours, theirs)
    targets = x[:, :3] @ RNG.normal(size=(3, 2)).astype("float32")
    made = {lib: [lib.metrics.R2Score(name="r2"), lib.metrics.R2Score(class_aggregation=None, name="r2s")]
            for lib in (keras, kerasbook)}
    ours, theirs = _fit_both((2, None), "mse", made, x, targets)
    _compare(ours, theirs)
    assert len(ours["r2s"][-1]) == 2


def test_saved_with_the_model_in_compile_config(tmp_path):
    """The metrics in a .keras file's compile config load in Keras and back in kerasbook."""
    model = kerasbook.Sequential([kerasbook.Input((3,)), kerasbook.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[kerasbook.metrics.AUC(curve="PR", num_thresholds=50, name="pr"),
                           kerasbook.metrics.F1Score(threshold=0.4), kerasbook.metrics.BinaryIoU([1])])
    x, y = RNG.normal(size=(32, 3)).astype("float32"), RNG.integers(0, 2, (32, 1)).astype("float32")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    theirs = keras.saving.load_model(path)
    again = kerasbook.saving.load_model(path)
    assert again.get_compile_config() == theirs.get_compile_config()
    logs = again.evaluate(x, y, verbose=0, return_dict=True)
    reference = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs) == sorted(reference)
    assert {"loss", "pr", "f1_score"} < set(logs)
    for key in reference:
        np.testing.assert_allclose(logs[key], reference[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_focal_crossentropies_are_metric_functions_too():
    for name in ("binary_focal_crossentropy", "categorical_focal_crossentropy"):
        assert getattr(keras.metrics, name) is getattr(keras.losses, name)
        assert getattr(metrics, name) is getattr(kerasbook.losses, name)
    assert {"AUC", "F1Score", "MeanIoU", "PrecisionAtRecall", "R2Score"} <= set(dir(kerasbook.metrics))
