"""Label and vector helpers: `to_categorical` (one-hot rows) and `normalize` (unit-norm rows)."""

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class labels as one-hot rows: `[0, 2]` -> `[[1, 0, 0], [0, 0, 1]]`."""
    y = np.asarray(y, dtype="int64")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = num_classes or int(y.max()) + 1
    return np.eye(num_classes, dtype=dtype)[y]


def normalize(x, axis=-1, order=2):
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)
