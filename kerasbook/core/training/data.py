"""Turning what `fit`, `evaluate` and `predict` receive into batches.

`x` and `y` may be arrays, lists of arrays (one per input or output), or dicts keyed by input or
output names. They are matched to the model's inputs and outputs once, checked (same number of
samples everywhere; every dict key names an input or output), then sliced into batches with NumPy
(`EpochBatches`). `x` may instead be a `keras.utils.PyDataset`, which makes its batches itself
(`DatasetBatches`). Both give the trainer the same thing: `len()` batches an epoch, and `epoch()`,
the batches of the next epoch, each `x`, `(x, y)` or `(x, y, sample_weight)`.
"""

import random
import warnings

import numpy as np

from kerasbook.core import tree
from kerasbook.core.training import py_dataset


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


_RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator "
            "can generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` "
            "function when building your dataset.")


class EpochBatches:
    """The batches of arrays `data` (`n` samples) in each epoch, as Keras's epoch iterator gives them:
    every batch once, or, with `steps`, that many batches, each epoch going on where the last one
    stopped and starting a new (reshuffled) pass once the data are used up. An epoch that runs out of
    data ends early, with Keras's warning."""

    def __init__(self, data, n, batch_size, shuffle=False, rng=None, steps=None):
        self.data, self.n, self.batch_size = data, n, batch_size
        self.shuffle, self.rng, self.steps = shuffle, rng, steps
        self._pending = []

    def __len__(self):
        """The batches an epoch is meant to have (the progress bar's target)."""
        return self.steps if self.steps is not None else -(-self.n // self.batch_size)

    def epoch(self):
        """The next epoch's batches (slices of `data`)."""
        return (take(self.data, index) for index in self._indices())

    def _indices(self):
        if self.steps is None:
            return batches(self.n, self.batch_size, self.shuffle, self.rng)
        if not self._pending:
            self._pending = batches(self.n, self.batch_size, self.shuffle, self.rng)
        taken, self._pending = self._pending[:self.steps], self._pending[self.steps:]
        if len(taken) < self.steps:
            warnings.warn(_RAN_OUT, stacklevel=4)
        return taken

    def shapes_ahead(self):
        """`(sample, batch size, once per epoch)` for each batch shape an epoch meets: the full batch,
        and the smaller last one (met once per epoch). Their steps can be compiled before they run."""
        size = min(self.batch_size, self.n)
        shapes = [(self.data, size, False)]
        if self.n % self.batch_size and self.n > self.batch_size:
            shapes.append((self.data, self.n % self.batch_size, True))
        return shapes


is_py_dataset = py_dataset.is_py_dataset


def check_dataset_arguments(method, y=None, sample_weight=None, validation_split=0.0):
    """A PyDataset holds its own targets and weights: Keras's errors for the arguments that cannot
    come with it."""
    for name, value, what in (("y", y, "the targets"), ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"{method}(): `{name}` should not be passed when `x` is a PyDataset. "
                             f"Instead, {what} should be included as part of the PyDataset.")
    if validation_split:
        raise ValueError("`validation_split` is only supported for NumPy arrays (and lists or dicts "
                         "of them), not for a PyDataset: pass `validation_data` instead.")


class DatasetBatches:
    """The batches of a `keras.utils.PyDataset`, epoch by epoch, as Keras's PyDatasetAdapter gives
    them: `on_epoch_begin()`, the batches in order (in a new random order each pass when `shuffle`,
    drawn with Python's `random`, as Keras does), then `on_epoch_end()`. With `steps`, an epoch takes
    that many batches, going on where the last epoch stopped; a dataset without end
    (`num_batches` None) needs `steps`.

    Each batch goes through `standardize` (the model's matching of dicts to input names, arrays to
    NumPy); `class_weight` adds sample weights to `(x, y)` batches. The dataset's workers (threads or
    processes, see `keras.utils.PyDataset`) make an epoch's batches ahead; they stop before
    `on_epoch_end()` runs, so it never races with them.
    """

    def __init__(self, dataset, standardize, shuffle=False, steps=None, class_weight=None):
        self.dataset, self.standardize, self.shuffle = dataset, standardize, shuffle
        self.steps, self.class_weight = steps, class_weight
        self.num_batches = dataset.num_batches if hasattr(dataset, "num_batches") else len(dataset)
        if self.num_batches is None and steps is None:
            raise ValueError(f"{type(dataset).__name__} has no end (num_batches is None): pass "
                             "`steps_per_epoch` (or `steps`) to say how many batches an epoch has.")
        if self.num_batches == 0:
            raise ValueError(f"The PyDataset {type(dataset).__name__} has length 0.")
        self._order, self._position = None, 0  # the batch indices of the current pass, and where it is
        self._first = None

    def __len__(self):
        return self.steps if self.steps is not None else self.num_batches

    @property
    def first(self):
        """The first batch (standardized), read once: its shapes build the model and compile the step."""
        if self._first is None:
            self._first = self._standardize(self.dataset[0])
        return self._first

    def shapes_ahead(self):
        """As `EpochBatches.shapes_ahead`; the first batch's shape only (the others are not read early)."""
        size = len(tree.flatten(self.first)[0])
        return [(self.first, size, False)]

    def epoch(self):
        """The next epoch's batches, a generator: `on_epoch_begin()`, the batches, `on_epoch_end()`."""
        indices = self._next_indices()
        getattr(self.dataset, "on_epoch_begin", lambda: None)()  # Keras 3 added it
        made = py_dataset.batches_at(self.dataset, indices)
        try:
            for batch in made:
                self._position += 1
                yield self._standardize(batch)
        finally:
            made.close()  # the workers stop before on_epoch_end changes the dataset
            self.dataset.on_epoch_end()

    def _next_indices(self):
        """This epoch's batch indices: the rest of the pass, or `steps` of them (fewer, with Keras's
        warning, when the pass ends first)."""
        if self.num_batches is None:  # no end: the indices go on counting
            return range(self._position, self._position + self.steps)
        if self._order is None or self.steps is None or self._position >= len(self._order):
            self._order, self._position = self._new_pass(), 0
        if self.steps is None:
            return self._order
        taken = self._order[self._position:self._position + self.steps]
        if len(taken) < self.steps:
            warnings.warn(_RAN_OUT, stacklevel=4)
        return taken

    def _new_pass(self):
        order = list(range(self.num_batches))
        if self.shuffle:
            random.shuffle(order)
        return order

    def _standardize(self, batch):
        """Keras's rule: a batch is `x` (an array or a dict), or a tuple `(x,)`, `(x, y)` or
        `(x, y, sample_weight)` (a list counts as a tuple)."""
        if isinstance(batch, np.ndarray):
            batch = (batch,)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, (tuple, dict)) or (isinstance(batch, tuple) and len(batch) not in (1, 2, 3)):
            raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be "
                             "ordered either (input,) or (inputs, targets) or (inputs, targets, "
                             f"sample_weights). Received: {str(batch)[:100]}... of type {type(batch)}")
        x, y, sample_weight = unpack_x_y_sample_weight(batch if isinstance(batch, tuple) else (batch,))
        if self.class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same time.")
            if y is not None:
                sample_weight = class_weights_to_sample_weights(y, self.class_weight)
        return self.standardize(x, y, sample_weight)


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
