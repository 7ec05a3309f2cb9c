"""`keras.datasets.california_housing`: 20,640 California districts (1990 census), 8 numbers each
(median income, house age, rooms, ...), and their median house value in dollars: regression.

`load_data()` reads Keras's own file (the same address, sha256 hash and cache place as Keras),
downloading it once. `version="small"` keeps the first 600 districts, as Keras does.
"""

import numpy as np

from kerasbook.core import utils_files
from kerasbook.core.datasets.boston_housing import check_test_split, shuffle_and_split

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"  # sha256, as Keras


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """`(x_train, y_train), (x_test, y_test)`: float features of shape (samples, 8) and values of
    shape (samples,), shuffled with `seed` as Keras shuffles them; the last `test_split` for testing.
    """
    check_test_split(test_split)
    path = utils_files.get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return shuffle_and_split(x, y, test_split, seed)
