"""Saving and loading: configs (`serialization.py`), `.keras` files and weights. `keras.saving`."""

from kerasbook.core.saving.serialization import (CustomObjectScope, custom_object_scope,
                                                 deserialize_keras_object, get_custom_objects,
                                                 get_registered_name, get_registered_object,
                                                 register_keras_serializable, serialize_keras_object)


def save_model(model, filepath, overwrite=True, **kwargs):
    from kerasbook.core.saving import keras_file
    keras_file.save_model(model, filepath, overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from kerasbook.core.saving import keras_file
    return keras_file.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True):
    from kerasbook.core.saving import weights_file
    weights_file.save_weights(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False):
    model.load_weights(filepath, skip_mismatch=skip_mismatch)
