"""Training: the compiled loop (`trainer.py`) and its parts: losses, metrics, optimizers, callbacks.

The parts are re-exported here by name (`from kerasbook.core.training import Adam, EarlyStopping`),
loaded on first use: the optimizers module imports optax, which `import kerasbook` should not pay for.
"""

import importlib

_MODULES = ("losses", "metrics", "optimizers", "schedules", "callbacks", "progbar")
_EXPORTS = {
    "losses": ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
               "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryCrossentropy",
               "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber", "KLDivergence",
               "Hinge", "SquaredHinge", "CategoricalHinge", "LogCosh", "Poisson", "CosineSimilarity",
               "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "Dice", "Tversky", "CTC", "Circle",
               "CategoricalGeneralizedCrossEntropy"],
    "metrics": ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
                "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
                "RootMeanSquaredError", "Precision", "Recall", "resolve_accuracy",
                "SparseTopKCategoricalAccuracy", "LogCoshError", "AUC", "PrecisionAtRecall", "RecallAtPrecision",
                "SensitivityAtSpecificity", "SpecificityAtSensitivity", "FBetaScore", "F1Score", "R2Score",
                "IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"],
    "optimizers": ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax",
                   "Adadelta", "Lion", "Ftrl", "Lamb", "Adafactor", "LossScaleOptimizer"],
    "schedules": ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay",
                  "InverseTimeDecay", "PolynomialDecay", "CosineDecayRestarts"],
    "callbacks": ["Callback", "CallbackList", "History", "EarlyStopping", "TerminateOnNaN",
                  "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau",
                  "CSVLogger", "TensorBoard", "BackupAndRestore", "RemoteMonitor"],
    "progbar": ["Progbar"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULES) + sorted(_WHERE)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
