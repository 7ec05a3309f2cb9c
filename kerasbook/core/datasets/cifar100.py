"""`keras.datasets.cifar100`: 60,000 colour images of 32x32 pixels in 100 classes (20 superclasses).

`load_data()` reads Keras's own archive (the same address, sha256 hash and cache place as Keras: the
archive `cifar-100-python-target_archive`, unpacked into the folder `cifar-100-python-target` of
`$KERAS_HOME/datasets`, else `~/.keras/datasets`), downloading it once (161 MB). The dataset is Alex
Krizhevsky's (https://www.cs.toronto.edu/~kriz/cifar.html).
"""

import os

import numpy as np

from kerasbook.core import utils_files
from kerasbook.core.datasets import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"  # sha256, as Keras
DIRNAME = "cifar-100-python-target"


def load_data(label_mode="fine"):
    """The CIFAR-100 dataset: `(x_train, y_train), (x_test, y_test)`.

    Images uint8 of shapes (50000, 32, 32, 3) and (10000, 32, 32, 3), pixels 0-255 (channels first
    when `keras.config.image_data_format()` is "channels_first"); labels of shapes (50000, 1) and
    (10000, 1): the 100 classes (0-99) with `label_mode="fine"`, the 20 superclasses (0-19) with
    `"coarse"`. Keras gives these labels as int64 (not uint8 as for CIFAR-10), and so does kerasbook.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    folder = utils_files.get_file(fname=DIRNAME, origin=ORIGIN, extract=True, file_hash=FILE_HASH)
    folder = os.path.join(folder, "cifar-100-python")
    x_train, y_train = cifar.load_batch(os.path.join(folder, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = cifar.load_batch(os.path.join(folder, "test"), label_key=f"{label_mode}_labels")
    y_train = np.reshape(np.asarray(y_train, "int64"), (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, "int64"), (len(y_test), 1))
    if cifar.channels_last():
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
