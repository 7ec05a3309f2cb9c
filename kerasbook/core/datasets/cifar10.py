"""`keras.datasets.cifar10`: 60,000 colour images of 32x32 pixels in 10 classes.

`load_data()` reads Keras's own archive (the same address, sha256 hash and cache place as Keras: the
archive `cifar-10-batches-py-target_archive`, unpacked into the folder `cifar-10-batches-py-target` of
`$KERAS_HOME/datasets`, else `~/.keras/datasets`), downloading it once (163 MB).

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck
(`CLASS_NAMES`). The dataset is Alex Krizhevsky's (https://www.cs.toronto.edu/~kriz/cifar.html).
"""

import os

import numpy as np

from kerasbook.core import utils_files
from kerasbook.core.datasets import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"  # sha256, as Keras
DIRNAME = "cifar-10-batches-py-target"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def load_data():
    """The CIFAR-10 dataset: `(x_train, y_train), (x_test, y_test)`.

    uint8 arrays: images of shapes (50000, 32, 32, 3) and (10000, 32, 32, 3), pixels 0-255 (channels
    first, (50000, 3, 32, 32), when `keras.config.image_data_format()` is "channels_first"); labels
    0-9 of shapes (50000, 1) and (10000, 1), a column as Keras gives them (`y_train[:, 0]` for a vector).
    """
    folder = utils_files.get_file(fname=DIRNAME, origin=ORIGIN, extract=True, file_hash=FILE_HASH)
    folder = os.path.join(folder, "cifar-10-batches-py")
    parts = [cifar.load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(labels, dtype="uint8") for _, labels in parts])
    x_test, y_test = cifar.load_batch(os.path.join(folder, "test_batch"))
    y_train, y_test = y_train.reshape(-1, 1), np.asarray(y_test, "uint8").reshape(-1, 1)
    if cifar.channels_last():
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype("uint8"), y_test)
