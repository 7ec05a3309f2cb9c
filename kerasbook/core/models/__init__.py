"""Models: functional, Sequential and subclassed. `keras.models` gives this module."""

from kerasbook.core.models.functional import Functional
from kerasbook.core.models.model import Model
from kerasbook.core.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False):
    """A new model with the same structure and freshly initialized weights (see `cloning.py`)."""
    from kerasbook.core.models.cloning import clone_model as clone
    return clone(model, input_tensors=input_tensors, clone_function=clone_function,
                 call_function=call_function, recursive=recursive)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """The same as `model.save(filepath)`: a `.keras` file that Keras 3 opens."""
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from kerasbook.core import saving
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    import json
    from kerasbook.core.saving import serialization
    return serialization.deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)
