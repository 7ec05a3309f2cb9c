"""`keras.datasets.fashion_mnist`: 70,000 grayscale 28x28 pictures of clothes in 10 classes.

A drop-in replacement for MNIST. `load_data()` reads Keras's own four files (the same addresses and
cache folder as Keras: `$KERAS_HOME/datasets/fashion-mnist`, else `~/.keras/datasets/fashion-mnist`),
downloading them once (30 MB). Keras gives no hash for these files, so none is checked.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot (`CLASS_NAMES`).

License: the copyright of Fashion-MNIST is held by Zalando SE; it is licensed under the MIT license.
"""

import gzip
import os

import numpy as np

from kerasbook.core import utils_files

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot")


def read_idx(path, header_bytes):
    """The uint8 values of a gzipped IDX file (LeCun's format), after its header: 8 bytes before
    labels, 16 before images."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


def load_data():
    """The Fashion-MNIST dataset: `(x_train, y_train), (x_test, y_test)`.

    uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); pixels 0-255,
    labels 0-9.
    """
    paths = [utils_files.get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=CACHE_SUBDIR)
             for name in FILES]
    y_train, y_test = read_idx(paths[0], 8), read_idx(paths[2], 8)
    x_train = read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
