"""`keras.datasets.mnist`: 70,000 handwritten digits, 28x28 grayscale, labelled 0-9.

`load_data()` reads Keras's own file (the same address, hash and cache place as Keras), downloading it
once. Without network and without that file, `load_data(offline_ok=True)` or `load_sample()` give a
sample of 5,000 real MNIST digits shipped with kerasbook (see README.md beside this file).

License: Yann LeCun and Corinna Cortes hold the copyright of MNIST, a derivative work of NIST's
datasets, made available under the Creative Commons Attribution-Share Alike 3.0 license.
"""

import os

import numpy as np

from kerasbook.core import utils_files

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # sha256, as Keras
SAMPLE_PATH = os.path.join(os.path.dirname(__file__), "mnist_sample.npz")


def read_npz(path):
    """`(x_train, y_train), (x_test, y_test)` from an npz file in Keras's MNIST layout."""
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def load_sample():
    """5,000 real MNIST digits shipped with kerasbook: 4,000 to train and 1,000 to test, 10% per class.

    Returns `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (4000, 28, 28), (4000,),
    (1000, 28, 28), (1000,). Enough to train and evaluate a small network with no network at all.
    """
    return read_npz(SAMPLE_PATH)


def load_data(path="mnist.npz", offline_ok=False):
    """The MNIST dataset: `(x_train, y_train), (x_test, y_test)`.

    uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); pixels 0-255.
    `path`: the file name in the Keras cache (`$KERAS_HOME/datasets`, else `~/.keras/datasets`).
    `offline_ok` (kerasbook only): if the file is neither cached nor downloadable, use `load_sample()`
    instead of raising.
    """
    try:
        file = utils_files.get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    except OSError as error:
        if offline_ok:
            print("kerasbook: the full MNIST is not available here, so load_data uses the 5,000-digit "
                  "sample shipped with kerasbook (4,000 to train, 1,000 to test).")
            return load_sample()
        raise OSError(f"{error} Without it, keras.datasets.mnist.load_data(offline_ok=True) or "
                      "keras.datasets.mnist.load_sample() give 5,000 real MNIST digits shipped with "
                      "kerasbook.") from None
    return read_npz(file)
