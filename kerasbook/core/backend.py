"""`keras.backend` and `keras.config`: the few global settings Keras exposes. The backend is JAX."""

from kerasbook.core import naming

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def backend():
    return "jax"


def floatx():
    return _settings["floatx"]


def set_floatx(value):
    _settings["floatx"] = str(value)


def epsilon():
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def image_data_format():
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', received {data_format!r}.")
    _settings["image_data_format"] = data_format


def clear_session():
    """Start naming layers from scratch (`dense`, `dense_1`, ... again)."""
    naming.clear_session()


def enable_unsafe_deserialization():
    """Allow loading a Lambda layer's stored bytecode without safe_mode=False (trusted files only)."""
    from kerasbook.core.saving import lambdas
    lambdas.enable_unsafe_deserialization()
