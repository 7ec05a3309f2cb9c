"""`keras.utils`: the helpers Keras tutorials reach for first, one concept a module:

- `numerical.py`   to_categorical, normalize
- `sequences.py`   pad_sequences (token lists as one array)
- `images.py`      load_img, img_to_array, array_to_img, save_img (with PIL), smart_resize
- `timeseries.py`  timeseries_dataset_from_array (sliding windows over a series, for fit)
- pack_x_y_sample_weight / unpack_x_y_sample_weight (a batch's parts, training/data.py), standardize_dtype
  (backend.py), the interactive logging switch (logging_switch.py), as Keras re-exports them here
- `keras_tensors.py` is_keras_tensor, get_source_inputs
- PyDataset (also `Sequence`): batches made by Python code, for fit/evaluate/predict (defined in
  training/py_dataset.py, beside the code that feeds fit: training must not import utils)
- `dataset_from_directory.py` image_ and text_dataset_from_directory (a PyDataset of files;
  directory_index.py: which files, labels and order; resampling.py: resizing in NumPy)
- `split_dataset.py` split_dataset; `progbar.py` Progbar (fit's progress line, for your own loops)
- `feature_space.py` FeatureSpace: a table of mixed columns encoded as one vector (on NumPy)
- saving's names (custom_object_scope, serialize_keras_object, ...), as Keras re-exports them here
- cached downloads (`kerasbook/core/utils_files.py`)

The model diagrams (`plot_model`, `model_to_dot`) are drawing, which the engine never imports: the
public `keras.utils` (`kerasbook/utils.py`) adds them on top of this module.
"""

from kerasbook.core.saving.serialization import (CustomObjectScope, custom_object_scope,
                                                 deserialize_keras_object, get_custom_objects,
                                                 get_registered_name, get_registered_object,
                                                 register_keras_serializable, serialize_keras_object)
from kerasbook.core.utils.images import array_to_img, img_to_array, load_img, save_img
from kerasbook.core.utils.keras_tensors import get_source_inputs, is_keras_tensor
from kerasbook.core.utils.numerical import normalize, to_categorical
from kerasbook.core.utils.feature_space import FeatureSpace
from kerasbook.core.utils.dataset_from_directory import image_dataset_from_directory, text_dataset_from_directory
from kerasbook.core.utils.progbar import Progbar
from kerasbook.core.training.py_dataset import PyDataset, Sequence
from kerasbook.core.utils.split_dataset import split_dataset
from kerasbook.core.utils.sequences import pad_sequences
from kerasbook.core.utils.timeseries import timeseries_dataset_from_array
from kerasbook.core.training.data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kerasbook.core.backend import standardize_dtype
from kerasbook.core.logging_switch import (disable_interactive_logging, enable_interactive_logging,
                                           is_interactive_logging_enabled)
from kerasbook.core.legacy import saving as legacy  # keras.utils.legacy: tf.keras's config format
from kerasbook.core.utils.config import Config


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
    backend.clear_session(free_memory)


def get_file(fname=None, origin=None, **kwargs):
    """A file from the Keras cache, downloaded once and hash-checked (see `utils_files.py`)."""
    from kerasbook.core import utils_files
    return utils_files.get_file(fname, origin, **kwargs)
