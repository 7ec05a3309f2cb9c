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


def clear_session(free_memory=True):
    """Start naming layers from scratch (`dense`, `dense_1`, ... again); `free_memory` also runs
    Python's garbage collector, as Keras does."""
    naming.clear_session()
    if free_memory:
        import gc
        gc.collect()


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


# -- dtypes and names, as `keras.backend` gives them ----------------------------------------------------

_PYTHON_TYPES = {int: "int32", float: "float32", bool: "bool"}  # JAX's defaults without 64-bit mode


def _is_python_type(dtype):
    return isinstance(dtype, type) and dtype in _PYTHON_TYPES  # np.dtype("int64") == int, but is not int


def standardize_dtype(dtype):
    """Keras's name of a dtype: `None` is floatx, `int` "int32", `np.float64` "float64", ..."""
    from kerasbook.core.engine import variables
    if dtype is None:
        return floatx()
    if _is_python_type(dtype) or (isinstance(dtype, str) and dtype == "int"):
        return _PYTHON_TYPES[int if dtype == "int" else dtype]
    return variables.standardize_dtype(dtype)


def is_float_dtype(dtype):
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def result_type(*dtypes):
    """The dtype an op on these dtypes gives: JAX's promotion (Python `int`/`float` are weak, so
    `("int8", int)` stays int8), 64-bit results brought to 32 bits as JAX does by default; floatx
    for nothing at all."""
    if not dtypes:
        return floatx()
    import warnings
    import jax.numpy as jnp
    with warnings.catch_warnings():  # JAX warns that it truncates 64 bits: the truncation is the point
        warnings.simplefilter("ignore", UserWarning)
        return str(jnp.result_type(*(d if _is_python_type(d) else standardize_dtype(d) for d in dtypes)))


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor (`keras.Input(...)` and what layers make of it)."""
    from kerasbook.core.engine.tensor import KerasTensor  # here: the settings alone need no JAX
    return isinstance(x, KerasTensor)


def get_uid(prefix=""):
    """1, 2, 3, ... for each call with the same `prefix`: the counter behind automatic names, which
    `clear_session()` starts again."""
    from kerasbook.core.engine import naming
    return naming.next_uid(prefix)
