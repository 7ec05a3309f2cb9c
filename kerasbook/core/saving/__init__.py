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
    """Keras 3's `.weights.h5`: the variables alone, in the layout of `model.weights.h5`."""
    from kerasbook.core.saving import weights_file
    weights_file.save_weights(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Weights from any of Keras's files, told apart by their content: Keras 2's `.h5` layout (as
    the ImageNet files use), a `.keras` zip, or Keras 3's `.weights.h5`."""
    import os
    import zipfile
    from kerasbook.core.saving import keras_file, legacy_h5, weights_file
    from kerasbook.core.saving import limits
    filepath = os.fspath(filepath)
    limits.check_regular_file(filepath, "weights file")  # a pipe or a device would hang the reads below
    if legacy_h5.is_legacy_h5(filepath):
        legacy_h5.load_legacy_h5_weights(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)
        return
    if by_name:
        raise ValueError(f"by_name=True applies to Keras 2 .h5 weights files only; {filepath} is in "
                         "Keras 3's format, whose weights are found by the model's structure.")
    if filepath.endswith(".keras") or zipfile.is_zipfile(filepath):  # a truncated zip is no zip: say so
        keras_file.load_weights_from_zip(model, filepath, skip_mismatch=skip_mismatch)
    else:
        weights_file.load_weights(model, filepath, skip_mismatch=skip_mismatch)


def load_legacy_h5_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Keras 2's `.h5` weights, matched to the layers with weights in order (see `legacy_h5.py`)."""
    from kerasbook.core.saving import legacy_h5
    legacy_h5.load_legacy_h5_weights(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)
