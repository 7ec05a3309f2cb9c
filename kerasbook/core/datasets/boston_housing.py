"""`keras.datasets.boston_housing`: 506 Boston districts in the 1970s, 13 numbers each, and their
median house price (in k$): a small regression problem.

WARNING (as Keras's): the authors of this dataset included a variable, "B", that may appear to assume
that racial self-segregation influences house prices. Use it only to illustrate ethical issues in data
science and machine learning; `keras.datasets.california_housing` is a regression set without it.

`load_data()` reads Keras's own file (the same address, sha256 hash and cache place as Keras),
downloading it once (57 kB).
"""

import numpy as np

from kerasbook.core import utils_files

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"  # sha256, as Keras


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """`(x_train, y_train), (x_test, y_test)`: float64 features of shape (samples, 13) and prices of
    shape (samples,), the districts shuffled with `seed` (as Keras shuffles them) before the last
    `test_split` of them are kept for testing (404 and 102 with the defaults).

    `path`: the file name in the Keras cache (`$KERAS_HOME/datasets`, else `~/.keras/datasets`).
    """
    check_test_split(test_split)
    path = utils_files.get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return shuffle_and_split(f["x"], f["y"], test_split, seed)


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")


def shuffle_and_split(x, y, test_split, seed):
    """`(x_train, y_train), (x_test, y_test)`: the rows shuffled by NumPy's RandomState(seed), as Keras
    shuffles them (the same split for the same seed), then the last `test_split` of them for testing."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
