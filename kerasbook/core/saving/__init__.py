"""Saving and loading: configs (`serialization.py`), `.keras` files and weights. `keras.saving`."""

from kerasbook.core.saving.serialization import (CustomObjectScope, custom_object_scope,
                                                 deserialize_keras_object, get_custom_objects,
                                                 get_registered_name, get_registered_object,
                                                 register_keras_serializable, serialize_keras_object)
