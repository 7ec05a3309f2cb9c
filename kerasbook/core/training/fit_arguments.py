"""The arguments of `fit`, `evaluate` and `predict`, checked before anything is compiled.

Without these checks `validation_split=1.5` trains on nothing, `validation_split=-0.5` ends in an
IndexError, `batch_size=-3` in "__len__() should return >= 0", `steps=0` in an IndexError and
`validation_freq=0` in a ZeroDivisionError, each far from the argument that caused it. Each check
names the method, the argument, what it must be and what it received.
"""

import numbers

import numpy as np


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _refuse(method, name, expected, value):
    raise ValueError(f"{method}(): `{name}` must be {expected}. Received: {name}={value!r}")


def positive_or_none(method, name, value, meaning):
    """None (the default) or an integer above 0."""
    if value is not None and not (_is_int(value) and value > 0):
        _refuse(method, name, f"a positive integer ({meaning}) or None", value)


def check_fit(batch_size, epochs, validation_split, initial_epoch, steps_per_epoch, validation_steps,
              validation_batch_size, validation_freq, class_weight):
    positive_or_none("fit", "batch_size", batch_size, "samples per gradient step; None means 32")
    if not _is_int(epochs) or epochs < 0:
        _refuse("fit", "epochs", "an integer >= 0 (the number of passes over the data)", epochs)
    if not _is_int(initial_epoch) or initial_epoch < 0:
        _refuse("fit", "initial_epoch", "an integer >= 0 (the epoch to start from, to resume training)",
                initial_epoch)
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0 <= validation_split < 1:
        _refuse("fit", "validation_split", "a number in [0, 1): the fraction of the samples held out for "
                "validation, such as 0.2", validation_split)
    positive_or_none("fit", "steps_per_epoch", steps_per_epoch, "batches per epoch")
    positive_or_none("fit", "validation_steps", validation_steps, "validation batches")
    positive_or_none("fit", "validation_batch_size", validation_batch_size, "samples per validation batch")
    freqs = validation_freq if isinstance(validation_freq, (list, tuple)) else [validation_freq]
    if not all(_is_int(f) and f > 0 for f in freqs):
        _refuse("fit", "validation_freq", "a positive integer (validate every that many epochs) or a list of "
                "epochs (1 is the first)", validation_freq)
    if class_weight is not None:
        check_class_weight(class_weight)


def check_class_weight(class_weight):
    """A dict from class index to a weight >= 0: `{0: 1.0, 1: 5.0}`."""
    if not isinstance(class_weight, dict):
        _refuse("fit", "class_weight", "a dict from class index to weight, such as {0: 1.0, 1: 5.0}",
                class_weight)
    for label, weight in class_weight.items():
        if not _is_int(label) or label < 0:
            _refuse("fit", "class_weight", f"a dict whose keys are class indices (integers >= 0); the key "
                    f"{label!r} is not one", class_weight)
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not weight >= 0:
            _refuse("fit", "class_weight", f"a dict whose weights are numbers >= 0; class {label} has "
                    f"{weight!r}", class_weight)


def check_sample_weight(method, sample_weight, y):
    """One weight per sample, `(n,)`, or one per sample and time step (the leading axes of `y`)."""
    if sample_weight is None or y is None or not hasattr(y, "shape"):
        return
    weights, targets = np.shape(sample_weight), np.shape(y)
    if len(weights) > 1 and weights[-1] == 1:
        weights = weights[:-1]  # (n, 1): one weight per sample all the same
    if weights[:1] != targets[:1]:
        return  # a different number of samples: the cardinality check says so, naming every array
    if len(weights) > max(len(targets), 1) or targets[:len(weights)] != weights:
        per_step = f" (or one per sample and step, shape {targets[:2]})" if len(targets) > 2 else ""
        raise ValueError(f"{method}(): `sample_weight` has shape {weights}, but the targets y have shape "
                         f"{targets}: give one weight per sample, shape {targets[:1]}{per_step}.")


def check_steps(method, batch_size, steps):
    positive_or_none(method, "batch_size", batch_size, "samples per batch; None means 32")
    positive_or_none(method, "steps", steps, "batches to run")
