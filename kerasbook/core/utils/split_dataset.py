"""`keras.utils.split_dataset`: samples in two parts, e.g. training and test.

Keras takes arrays or a tf.data / torch dataset and returns two tf.data (or torch) datasets of
samples. kerasbook takes arrays (one array, or a tuple, list or dict of arrays with the same number
of rows) and returns two of the same structure, NumPy arrays that `fit` takes directly:

    (x_train, y_train), (x_test, y_test) = keras.utils.split_dataset((x, y), left_size=0.8)

The sizes follow Keras's rules (a float is a fraction, an int a count; one side defaults to the rest;
fractions rounded), and with `shuffle`, the rows are shuffled as Keras shuffles them (Python's
`random.shuffle` seeded with `seed`), so the same seed picks the same rows.
"""

import random

import numpy as np

from kerasbook.core import tree


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """`(left, right)`: the first `left_size` samples and the last `right_size` (after shuffling).
    `preferred_backend` is accepted for Keras's signature; the result is NumPy arrays either way."""
    del preferred_backend
    if not isinstance(dataset, (np.ndarray, list, tuple, dict)):
        raise TypeError("kerasbook's split_dataset takes an array, or a tuple, list or dict of arrays with the "
                        f"same number of rows; received {type(dataset).__name__}. For a folder of files, use "
                        "validation_split and subset in image_dataset_from_directory.")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    arrays = [np.asarray(a) for a in tree.flatten(dataset)]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"The arrays of `dataset` must have the same number of rows; received {sorted(lengths)}.")
    total = lengths.pop()
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left, right = rescale_sizes(left_size, right_size, total)
    rows = np.asarray(order, dtype="int64")
    pack = lambda chosen: tree.pack_sequence_as(dataset, [a[chosen] for a in arrays])  # noqa: E731
    return pack(rows[:left]), pack(rows[total - right:])


def rescale_sizes(left_size, right_size, total):
    """Keras's rules: `(left, right)` counts of samples, with its errors."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
        if (type(size) is int and not 0 < size < total) or (type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float "
                             f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left_size) is type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total}. "
                         f"Received: left_size + right_size = {left + right} and total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. "
                             f"Resulting {side} side dataset split will be empty. Adjust any of the "
                             "aforementioned parameters")
    return int(left), int(right)
