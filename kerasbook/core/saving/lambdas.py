"""Anonymous functions in a config, and the safety rule for reading them back.

A named function is stored by name and found again among the registered or custom objects. An
anonymous `lambda` can only be stored as its compiled Python bytecode (Keras 3's `__lambda__`
records: marshal, then base64, with the lambda's default values and closure values). Loading such
bytecode would run code taken from a file, so it is refused unless the caller says the file is
trusted (`safe_mode=False`), exactly as Keras 3 does. Keras writes two forms: a `Lambda` layer's
function as `{"code", "defaults", "closure"}`, any other lambda (an activation, say) as `{"value":
[code, defaults, closure]}`.
"""

import codecs
import marshal
import types
import warnings

_unsafe_allowed = {"value": False}


def enable_unsafe_deserialization():
    """Allow loading Lambda bytecode everywhere in this session (`keras.config`'s switch)."""
    _unsafe_allowed["value"] = True


def is_lambda(function):
    return isinstance(function, types.FunctionType) and function.__name__ == "<lambda>"


def _dump(function):
    """(bytecode as base64 text, default values, closure values) of a lambda."""
    code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
    closure = [cell.cell_contents for cell in function.__closure__ or ()]  # e.g. `scale` in `lambda x: x * scale`
    return code, list(function.__defaults__) if function.__defaults__ else None, closure or None


def _load(what, code, defaults, closure, safe_mode):
    if safe_mode is not False and not _unsafe_allowed["value"]:
        raise ValueError(
            f"Refusing to load {what}: its function is Python bytecode stored in the file, and loading it "
            "would run code from the file. If you trust the file, load it with safe_mode=False (or call "
            "keras.config.enable_unsafe_deserialization()).")
    code = marshal.loads(codecs.decode(code.encode("ascii"), "base64"))
    cells = tuple(types.CellType(value) for value in closure or ())
    return types.FunctionType(code, globals(), None, tuple(defaults) if defaults else None, cells or None)


def serialize_function(function):
    """Keras's record of a lambda found anywhere in a config (not a Lambda layer's own function)."""
    warnings.warn("The object being saved holds a lambda; loading it back will need safe_mode=False. "
                  "A named function, registered with @keras.saving.register_keras_serializable(), "
                  "loads safely.", stacklevel=3)
    return {"class_name": "__lambda__", "config": {"value": list(_dump(function))}}


def deserialize_function(record, safe_mode):
    return _load("a lambda", *record["config"]["value"], safe_mode)


def serialize_lambda(layer):
    function = layer.function
    if is_lambda(function):
        code, defaults, closure = _dump(function)
        record = {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
    else:
        from kerasbook.core.saving.serialization import serialize_keras_object
        record = serialize_keras_object(function)
    config = {"function": record, "arguments": dict(layer.arguments)}
    if layer._output_shape is not None:
        config["output_shape"] = layer._output_shape
    return config


def deserialize_lambda(cls, config, safe_mode=None):
    config = dict(config)
    record = config.pop("function")
    name = config.get("name", "lambda")
    if isinstance(record, dict) and record.get("class_name") == "__lambda__":
        stored = record["config"]
        function = _load(f'Lambda layer "{name}"', stored["code"], stored.get("defaults"), stored.get("closure"),
                         safe_mode)
    else:
        from kerasbook.core.saving.serialization import deserialize_keras_object
        function = deserialize_keras_object(record)
        if isinstance(function, str) or not callable(function):
            raise TypeError(f'Lambda layer "{name}" uses the function {record.get("config")!r}, which is not '
                            "known: pass it in custom_objects, or register it with "
                            "@keras.saving.register_keras_serializable().")
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name")
    return cls(function, **config)
