"""A `Lambda` layer's function in a config, and the safety rule for reading it back.

A named function is stored by name and found again among the registered or custom objects. An
anonymous `lambda` can only be stored as its compiled Python bytecode (Keras 3's `__lambda__` record:
marshal, then base64). Loading such bytecode would run code taken from a file, so it is refused unless
the caller says the file is trusted (`safe_mode=False`), exactly as Keras 3 does.
"""

import codecs
import marshal
import types

_unsafe_allowed = {"value": False}


def enable_unsafe_deserialization():
    """Allow loading Lambda bytecode everywhere in this session (`keras.config`'s switch)."""
    _unsafe_allowed["value"] = True


def serialize_lambda(layer):
    function = layer.function
    if function.__name__ == "<lambda>":
        code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
        closure = [cell.cell_contents for cell in function.__closure__ or ()]  # e.g. `scale` in `lambda x: x * scale`
        record = {"class_name": "__lambda__", "config": {
            "code": code, "defaults": list(function.__defaults__) if function.__defaults__ else None,
            "closure": closure or None}}
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
        if safe_mode is not False and not _unsafe_allowed["value"]:
            raise ValueError(
                f'Refusing to load Lambda layer "{name}": its function is Python bytecode stored in the '
                "file, and loading it would run code from the file. If you trust the file, load it with "
                "safe_mode=False (or call keras.config.enable_unsafe_deserialization()).")
        stored = record["config"]
        code = marshal.loads(codecs.decode(stored["code"].encode("ascii"), "base64"))
        closure = tuple(types.CellType(value) for value in stored.get("closure") or ())
        defaults = tuple(stored["defaults"]) if stored.get("defaults") else None
        function = types.FunctionType(code, globals(), None, defaults, closure or None)
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
