"""Turning what `fit`, `evaluate` and `predict` receive into batches.

`x` and `y` may be arrays, lists of arrays (one per input or output), or dicts keyed by input or
output names. They are matched to the model's inputs and outputs once, checked (same number of
samples everywhere; every dict key names an input or output), then sliced into batches with NumPy.
"""

import warnings

import numpy as np

from kerasbook.core import tree


def as_numpy(x):
    return tree.map_structure(lambda a: a if a is None else np.asarray(a), x)


def match_to_names(data, names, what, model_name):
    """Put dict data into the order of `names`; check that every key is a known name."""
    if not isinstance(data, dict):
        return data
    unknown = [k for k in data if k not in names]
    if unknown:
        raise ValueError(f'Model "{model_name}" has no {what} named {unknown}; its {what}s are {names}.')
    missing = [n for n in names if n not in data]
    if missing and what == "input":
        raise ValueError(f'Model "{model_name}": no data given for {what}(s) {missing}.')
    ordered = [data.get(n) for n in names]
    return ordered[0] if len(ordered) == 1 else ordered


def num_samples(*structures):
    """The common number of samples; a clear error when arrays disagree."""
    seen = []  # (name, count) in the order the arguments were given
    for label, structure in structures:
        for i, a in enumerate(tree.flatten(structure)):
            if a is not None:
                seen.append((f"{label}[{i}]" if tree.is_nested(structure) else label, len(a)))
    counts = {count for _, count in seen}
    if len(counts) > 1:
        detail = "; ".join(f"{name}: {count} samples" for name, count in seen)
        raise ValueError(f"Data cardinality is ambiguous: all arrays must have the same number of "
                         f"samples. Received {detail}.")
    return seen[0][1] if seen else 0


def take(structure, index):
    """The rows `index` of every array; an array given twice (an autoencoder's x and y) is sliced once."""
    taken = {}

    def rows(a):
        if a is None:
            return None
        if id(a) not in taken:
            taken[id(a)] = a[index]
        return taken[id(a)]

    return tree.map_structure(rows, structure)


def split_validation(x, y, sample_weight, fraction):
    """Keras's `validation_split`: the last `fraction` of the samples, before any shuffling."""
    n = num_samples(("x", x), ("y", y))
    cut = int(n * (1 - fraction))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} leaves no samples for training or validation "
                         f"({n} samples).")
    first, last = np.arange(cut), np.arange(cut, n)
    return ((take(x, first), take(y, first), take(sample_weight, first)),
            (take(x, last), take(y, last), take(sample_weight, last)))


def batches(n, batch_size, shuffle=False, rng=None):
    """The indices of each batch (the last may be smaller): slices in order, which NumPy takes as
    views without copying, or index arrays when shuffled."""
    if not shuffle:
        return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


class EpochBatches:
    """The batches of each epoch, as Keras's epoch iterator gives them: every batch once, or, with
    `steps`, that many batches, each epoch going on where the last one stopped and starting a new
    (reshuffled) pass once the data are used up. An epoch that runs out of data ends early, with
    Keras's warning."""

    def __init__(self, n, batch_size, shuffle=False, rng=None, steps=None):
        self.n, self.batch_size, self.shuffle, self.rng, self.steps = n, batch_size, shuffle, rng, steps
        self._pending = []

    def __len__(self):
        """The batches an epoch is meant to have (the progress bar's target)."""
        return self.steps if self.steps is not None else -(-self.n // self.batch_size)

    def epoch(self):
        if self.steps is None:
            return batches(self.n, self.batch_size, self.shuffle, self.rng)
        if not self._pending:
            self._pending = batches(self.n, self.batch_size, self.shuffle, self.rng)
        taken, self._pending = self._pending[:self.steps], self._pending[self.steps:]
        if len(taken) < self.steps:
            warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset "
                          "or generator can generate at least `steps_per_epoch * epochs` batches. You may "
                          "need to use the `.repeat()` function when building your dataset.", stacklevel=3)
        return taken


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """One batch as Keras gives it to a step: `x`, `(x, y)` or `(x, y, sample_weight)` (`(x,)`
    when `x` is itself a list or tuple, so that it is not read as `(x, y)`)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a batch, with None for what it leaves out (as keras.utils')."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def class_weights_to_sample_weights(y, class_weight):
    """Each sample weighs as much as its class: `{0: 1.0, 1: 5.0}`."""
    labels = np.asarray(tree.flatten(y)[0])
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(int)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
