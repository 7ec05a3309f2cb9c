"""`keras.utils.timeseries_dataset_from_array`: sliding windows over a series, as batches for `fit`.

A window of `sequence_length` steps starts every `sequence_stride` steps and takes every
`sampling_rate`-th step: with length 10, rate 2 and stride 3 the windows are steps `[0 2 ... 18]`,
`[3 5 ... 21]`, ... The target of the window that starts at step `i` is `targets[i]`.

Keras returns a `tf.data.Dataset`; kerasbook has no TensorFlow, so it returns a `keras.utils.PyDataset`
(`Windows` below) that `fit`, `evaluate` and `predict` take the same way: batch `i` is
`(sequences, targets)` as NumPy arrays, `sequences` of shape `(batch, sequence_length, *data.shape[1:])`,
or `sequences` alone when `targets` is None. The windows are cut when a batch is asked for, so they
never sit in memory all at once. Same as Keras: the arguments, their checks, which windows and their
order without `shuffle`, and with `shuffle` the order of the window starts for a `seed` (NumPy's
RandomState, as Keras). What differs: tf.data then shuffles again through a buffer of `8 * batch_size`
windows; kerasbook does not, and keeps its order at every epoch.
"""

import math

import numpy as np

from kerasbook.core.training.py_dataset import PyDataset


class Windows(PyDataset):
    """Windows of `data` cut on demand: `starts` are the first steps of the windows, in batch order."""

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate  # a window's steps, from its start
        self.batch_size = batch_size

    def __len__(self):
        return len(self.starts) if self.batch_size is None else math.ceil(len(self.starts) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} of a dataset of {len(self)} batches.")
        if self.batch_size is None:  # one window, not batched
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        sequences = self.data[np.asarray(starts)[..., None] + self.offsets]
        return sequences if self.targets is None else (sequences, self.targets[starts])


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Windows of `sequence_length` steps over `data` (axis 0 is time), batched for `fit`; see the
    module's docstring for what a window is and how the result differs from Keras's tf.data.Dataset.
    `start_index` and `end_index` (exclusive) keep the windows inside a part of the series, e.g. to
    hold back the end for validation. `format` ("tf" or "grain") is checked and otherwise ignored."""
    data = np.asarray(data)
    _check(len(data), start_index, end_index, sampling_rate, sequence_stride, format)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate  # windows that fit
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype="int32")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(starts)
    targets = None if targets is None else targets[start_index:end_index]
    return Windows(data[start_index:end_index], targets, starts, sequence_length, sampling_rate, batch_size)


def _check(length, start_index, end_index, sampling_rate, sequence_stride, format):
    """Keras's checks, in Keras's words."""
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {length}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
