"""`keras.backend` and `keras.config`: the few global settings Keras exposes. The backend is JAX."""

from kerasbook.core.engine import dtype_policy, naming

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def backend():
    return "jax"


def floatx():
    return _settings["floatx"]


def set_floatx(value):
    _settings["floatx"] = str(value)
    dtype_policy.set_floatx(str(value))  # the default layer dtype policy follows floatx, as in Keras


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


def set_compilation_cache(where=True):
    """Keep compiled programs on disk across kernel restarts (`True`, or a folder) or not (`False`).

    kerasbook turns JAX's persistent compilation cache on by default; see
    kerasbook/core/compile_cache.py for the folder, its size bound and `KERASBOOK_CACHE_DIR`.
    """
    from kerasbook.core import compile_cache
    compile_cache.set_compilation_cache(where)


def compilation_cache_dir():
    """Where compiled programs are kept, as a string; None when the compilation cache is off."""
    from kerasbook.core import compile_cache
    return compile_cache.compilation_cache_dir()
