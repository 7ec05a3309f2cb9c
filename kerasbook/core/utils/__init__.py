"""`keras.utils`: seeds, one-hot labels, and the model diagram (drawn by `kerasbook.viz`)."""

import random as python_random

import numpy as np


def set_random_seed(seed):
    """Make everything random reproducible: Python, NumPy and kerasbook's own generator."""
    from kerasbook.core import random
    python_random.seed(seed)
    np.random.seed(seed)
    random.set_seed(seed)


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


def plot_model(model, to_file=None, show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", **kwargs):
    """Draw the model's layers as a graph (graphviz); Keras's arguments, see `kerasbook.viz.diagrams`."""
    from kerasbook.viz import diagrams
    return diagrams.plot_model(model, to_file=to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                               show_layer_names=show_layer_names, rankdir=rankdir,
                               expand_nested=expand_nested, dpi=dpi,
                               show_layer_activations=show_layer_activations,
                               show_trainable=show_trainable, splines=splines, **kwargs)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    from kerasbook.viz import diagrams
    return diagrams.model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                                 show_layer_names=show_layer_names, rankdir=rankdir,
                                 expand_nested=expand_nested, dpi=dpi, subgraph=subgraph,
                                 show_layer_activations=show_layer_activations,
                                 show_trainable=show_trainable, splines=splines, **kwargs)


def get_registered_name(obj):
    from kerasbook.core.saving.serialization import get_registered_name as name
    return name(obj)


def register_keras_serializable(package="Custom", name=None):
    from kerasbook.core.saving.serialization import register_keras_serializable as register
    return register(package, name)


def get_file(fname=None, origin=None, **kwargs):
    """A file from the Keras cache, downloaded once and hash-checked (see `utils_files.py`)."""
    from kerasbook.core import utils_files
    return utils_files.get_file(fname, origin, **kwargs)
