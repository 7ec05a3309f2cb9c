"""`keras.utils`: the helpers Keras tutorials reach for first, one concept a module:

- `numerical.py`   to_categorical, normalize
- `sequences.py`   pad_sequences (token lists as one array)
- `images.py`      load_img, img_to_array, array_to_img, save_img (with PIL)
- `keras_tensors.py` is_keras_tensor, get_source_inputs
- saving's names (custom_object_scope, serialize_keras_object, ...), as Keras re-exports them here
- the model diagram (drawn by `kerasbook.viz`) and cached downloads (`kerasbook/core/utils_files.py`)
"""

from kerasbook.core.saving.serialization import (CustomObjectScope, custom_object_scope,
                                                 deserialize_keras_object, get_custom_objects,
                                                 get_registered_name, get_registered_object,
                                                 register_keras_serializable, serialize_keras_object)
from kerasbook.core.utils.images import array_to_img, img_to_array, load_img, save_img
from kerasbook.core.utils.keras_tensors import get_source_inputs, is_keras_tensor
from kerasbook.core.utils.numerical import normalize, to_categorical
from kerasbook.core.utils.sequences import pad_sequences


def set_random_seed(seed):
    """Make everything random reproducible: Python, NumPy and kerasbook's own generator."""
    import random as python_random
    import numpy as np
    from kerasbook.core import random
    python_random.seed(seed)
    np.random.seed(seed)
    random.set_seed(seed)


def clear_session(free_memory=True):
    """Start automatic names again (`dense`, `dense_1`, ... ), e.g. before rebuilding a model in a
    notebook; `free_memory` also runs Python's garbage collector, as Keras does."""
    from kerasbook.core import backend
    backend.clear_session()
    if free_memory:
        import gc
        gc.collect()


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


def get_file(fname=None, origin=None, **kwargs):
    """A file from the Keras cache, downloaded once and hash-checked (see `utils_files.py`)."""
    from kerasbook.core import utils_files
    return utils_files.get_file(fname, origin, **kwargs)
