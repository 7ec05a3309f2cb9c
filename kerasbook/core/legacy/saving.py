"""`keras.legacy.saving` (also `keras.utils.legacy`): tf.keras's config format, for code written for it.

An object is `{"class_name": ..., "config": obj.get_config()}`: no "module" key, unlike Keras 3's format
(kerasbook/core/saving/serialization.py). Objects inside the config are written the same way and marked
`"__passive_serialization__": True`; a function is its registered name. Reading one back needs the
classes: from `custom_objects`, a custom object scope, the registered objects, or `module_objects` (no
built-in class is looked up otherwise, as in Keras: `keras.layers.deserialize` is there for that).
Keras's shared-object IDs (a layer shared by two models, saved once) are not written or read here.
"""

import inspect

from kerasbook.core.saving import serialization


def serialize_keras_object(instance):
    """`instance` in tf.keras's format: a dict with "class_name" and "config", or a function's name."""
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        config = {}
        for key, item in instance.get_config().items():
            if isinstance(item, str):
                config[key] = item
                continue
            try:
                serialized = serialize_keras_object(item)
            except ValueError:
                config[key] = item  # a plain value: kept as it is
                continue
            if isinstance(serialized, dict) and not isinstance(item, dict):
                serialized["__passive_serialization__"] = True
            config[key] = serialized
        return {"class_name": serialization.get_registered_name(type(instance)), "config": config}
    if hasattr(instance, "__name__"):
        return serialization.get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} because it doesn't implement `get_config()`.")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None, printable_module_name="object"):
    """The object a tf.keras-format config (or a function's name) stands for; see the module's docstring
    for where classes are looked up."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, config = _class_and_config(identifier, module_objects, custom_objects, printable_module_name)
        if not hasattr(cls, "from_config"):
            with serialization.CustomObjectScope(custom_objects or {}):
                return cls(**config)
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(config, custom_objects={**serialization.get_custom_objects(),
                                                           **(custom_objects or {})})
        with serialization.CustomObjectScope(custom_objects or {}):
            return cls.from_config(config)
    if isinstance(identifier, str):
        found = serialization.get_registered_object(identifier, custom_objects, module_objects)
        if found is None:
            raise ValueError(f"Unknown {printable_module_name}: '{identifier}'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        return found() if inspect.isclass(found) else found  # a class named alone: made with no arguments
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")


def _class_and_config(config, module_objects, custom_objects, printable_module_name):
    """The class named in `config` and its config, with the objects marked passive inside deserialized."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"Improper config format for {config}. Expecting python dict contains `class_name` and "
                         "`config` as keys")
    cls = serialization.get_registered_object(config["class_name"], custom_objects, module_objects)
    if cls is None:
        raise ValueError(f"Unknown {printable_module_name}: '{config['class_name']}'. Please ensure you are using "
                         "a `keras.utils.custom_object_scope` and that this object is included in the scope.")
    cls_config = config["config"]
    if isinstance(cls_config, list):
        return cls, cls_config
    cls_config = dict(cls_config)
    for key, item in cls_config.items():
        if key == "name":
            continue
        if isinstance(item, dict) and "__passive_serialization__" in item:
            cls_config[key] = deserialize_keras_object(item, module_objects, custom_objects, "config_item")
        elif isinstance(item, str) and inspect.isfunction(
                serialization.get_registered_object(item, custom_objects, module_objects)):
            cls_config[key] = serialization.get_registered_object(item, custom_objects, module_objects)
    return cls, cls_config
