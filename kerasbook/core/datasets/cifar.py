"""What CIFAR-10 and CIFAR-100 share: their batch files, and the pixel layout Keras gives.

Each batch file of the CIFAR archives ("python version") is a pickled dict: `b"data"`, a uint8 array of
shape (images, 3072) holding each image's red, green then blue 32x32 planes, and the labels as a list
(`b"labels"` in CIFAR-10, `b"fine_labels"` and `b"coarse_labels"` in CIFAR-100).
"""

from kerasbook.core import backend
from kerasbook.core.datasets import safe_pickle


def load_batch(fpath, label_key="labels"):
    """`(data, labels)` of one batch file: data uint8 of shape (images, 3, 32, 32), labels a list."""
    batch = {key.decode("utf8"): value for key, value in safe_pickle.load_pickle(fpath).items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def channels_last():
    """Images come as (samples, 32, 32, 3) unless `keras.config.image_data_format()` is
    "channels_first": then as the files hold them, (samples, 3, 32, 32)."""
    return backend.image_data_format() == "channels_last"
