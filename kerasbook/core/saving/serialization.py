"""Objects to JSON-ready dicts and back, in Keras 3's format.

A layer becomes `{"module", "class_name", "config", "registered_name"}` (plus `build_config`), exactly
as Keras 3 writes it, so configs and `.keras` files pass between kerasbook and Keras. Going back, the
class is looked up among kerasbook's own, then in `custom_objects`, then among the classes registered
with `@register_keras_serializable`: never imported from a name in the file, so loading a file runs no
code it names.
"""

import importlib
import inspect
import threading

_REGISTERED = {}  # "package>Name" -> class or function
_local = threading.local()

# Where Keras 3 says its built-in objects live, and where kerasbook keeps the same names.
_KERAS_MODULES = {
    "kerasbook.core.layers": "keras.layers",
    "kerasbook.core.initializers": "keras.initializers",
    "kerasbook.core.regularizers": "keras.regularizers",
    "kerasbook.core.constraints": "keras.constraints",
    "kerasbook.core.training.losses": "keras.losses",
    "kerasbook.core.training.metrics": "keras.metrics",
    "kerasbook.core.training.optimizers": "keras.optimizers",
    "kerasbook.core.training.schedules": "keras.optimizers.schedules",
}
_BUILTIN_NAMESPACES = ["kerasbook.core.layers", "kerasbook.core.models", "kerasbook.core.initializers",
                       "kerasbook.core.regularizers", "kerasbook.core.constraints",
                       "kerasbook.core.training.losses",
                       "kerasbook.core.training.metrics", "kerasbook.core.training.optimizers",
                       "kerasbook.core.training.schedules", "kerasbook.core.applications"]
# Where a function record of module "builtins" is looked for (Keras writes every function so).
_FUNCTION_NAMESPACES = ["kerasbook.core.activations", "kerasbook.core.training.losses",
                        "kerasbook.core.training.metrics"]


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a custom class loadable by name, as `"package>Name"`."""
    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if not hasattr(obj, "get_config") and isinstance(obj, type):
            raise ValueError(f"Cannot register {obj.__name__}: it has no get_config() method.")
        _REGISTERED[registered] = obj
        obj._registered_name = registered
        return obj
    return decorator


def _own_registered_name(cls):
    """The name `cls` itself was registered under (a subclass of a registered class is not)."""
    return vars(cls).get("_registered_name") if isinstance(cls, type) else getattr(cls, "_registered_name", None)


def get_registered_name(obj):
    cls = obj if isinstance(obj, type) or callable(obj) and not hasattr(obj, "get_config") else type(obj)
    return _own_registered_name(cls) or cls.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered under `name` (or given in a scope or `custom_objects`), else None."""
    for table in (custom_objects or {}), _scope_objects(), _REGISTERED, (module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects():
    """The live global table of registered objects: `get_custom_objects()["MyLayer"] = MyLayer` registers."""
    return _REGISTERED


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` makes these names loadable in the block
    (`load_model`, `from_config`, nested layers of a model too), without registering them for good.

    Nested scopes add up (the inner one wins on a clash); in Keras an inner scope hides the outer one."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects or {}

    def __enter__(self):
        _scope_stack().append(dict(self.custom_objects))
        return self

    def __exit__(self, *exc_info):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def _scope_stack():
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


def _scope_objects():
    merged = {}
    for scope in _scope_stack():
        merged.update(scope)
    return merged


def _public_module(cls):
    module = cls.__module__
    for prefix, keras_module in _KERAS_MODULES.items():
        if module.startswith(prefix):
            return keras_module
    if module.startswith("kerasbook.core.models"):
        return {"Sequential": "keras", "Functional": "keras.src.models.functional"}.get(
            cls.__name__, "keras.src.models.model")
    return module


def serialize_keras_object(obj):
    """A layer, model, initializer, ... as Keras 3's dict; plain values pass through.

    As Keras writes them: a function is `{"module": "builtins", "class_name": "function", "config":
    its registered name or its name}`; a class of your own keeps its module (None for `__main__`)
    and its registered name (its class name if unregistered), which is how loaders find it again."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return type(obj)(serialize_keras_object(x) for x in obj) if isinstance(obj, tuple) else [
            serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, slice):  # in the key of `x[:, :4]`, an op node's argument
        return {"class_name": "__slice__", "config": {"start": obj.start, "stop": obj.stop, "step": obj.step}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if type(obj).__module__ == "numpy":  # numpy scalars are plain numbers, arrays keep their dtype
        if getattr(obj, "ndim", 0) > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
        return obj.item()
    if not hasattr(obj, "get_config"):
        from kerasbook.core.saving import lambdas
        if lambdas.is_lambda(obj):
            return lambdas.serialize_function(obj)
        if callable(obj):  # a function, e.g. a custom activation or loss
            return {"module": "builtins", "class_name": "function",
                    "config": getattr(obj, "_registered_name", None) or obj.__name__,
                    "registered_name": "function"}
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method.")
    cls = type(obj)
    if cls.__module__.startswith("kerasbook."):
        registered = _own_registered_name(cls)
        module = None if registered else _public_module(cls)
    else:
        registered = get_registered_name(cls)
        module = None if cls.__module__ == "__main__" else cls.__module__
    # a class Keras exports under another name (GroupedQueryAttention as GroupQueryAttention) says so
    record = {"module": module, "class_name": cls.__dict__.get("_export_name", cls.__name__),
              "config": obj.get_config(),
              "registered_name": registered}
    build_config = getattr(obj, "get_build_config", lambda: None)()
    if build_config:
        record["build_config"] = build_config
    compile_config = getattr(obj, "get_compile_config", lambda: None)()
    if compile_config is not None:
        record["compile_config"] = compile_config
    return record


def find_function(name, custom_objects=None):
    """The function a record names: custom objects first, then registered, then Keras's built-in
    activations, losses and metrics (`relu`, `mean_squared_error`)."""
    found = get_registered_object(name, custom_objects)
    if found is None and ">" not in name:  # Keras also accepts a registered "Package>name" for "name"
        table = {**_REGISTERED, **_scope_objects(), **(custom_objects or {})}
        found = next((fn for key, fn in table.items() if key.endswith(f">{name}")), None)
    for namespace in _FUNCTION_NAMESPACES:
        if found is not None:
            break
        candidate = getattr(importlib.import_module(namespace), name, None)
        if inspect.isfunction(candidate) and not name.startswith("_") and name not in {
                "get", "serialize", "deserialize"}:
            found = candidate
    if found is None:
        raise TypeError(
            f"Could not locate function '{name}'. Make sure custom functions are decorated with "
            "`@keras.saving.register_keras_serializable()` or passed in `custom_objects`, e.g. "
            f"`custom_objects={{'{name}': {name.split('>')[-1]}}}`.")
    return found


def find_class(class_name, module=None, registered_name=None, custom_objects=None):
    """The class a config names: custom objects first, then registered, then kerasbook's own
    (first where the config's Keras module says: a "keras.metrics" MeanAbsoluteError is the metric,
    not the loss of the same name)."""
    for name in (registered_name, class_name):
        if name:
            found = get_registered_object(name, custom_objects)
            if found is not None:
                return found
    named = [ours for ours, keras_module in _KERAS_MODULES.items() if keras_module == module]
    for namespace in named + _BUILTIN_NAMESPACES:
        try:
            found = getattr(importlib.import_module(namespace), class_name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    hint = f' (registered as "{registered_name}")' if registered_name else ""
    raise TypeError(
        f"Could not locate class '{class_name}'{hint}. Make sure custom classes are decorated with "
        "`@keras.saving.register_keras_serializable()` or passed in `custom_objects`, e.g. "
        f"`custom_objects={{'{class_name}': {class_name}}}`.")


def _accepts(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, **kwargs):
    """The object a Keras 3 dict describes; strings name built-in objects (e.g. "relu").

    `safe_mode` (default True) holds for everything inside the object too: a model loaded with
    safe_mode=False lets its nested Lambda layers load their stored code."""
    if safe_mode is None:
        safe_mode = getattr(_local, "safe_mode", True)
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return found if found is not None else config
    if "class_name" not in config:
        return config
    class_name = config["class_name"]
    if class_name == "function":
        return find_function(config["config"], custom_objects)
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(config["config"].get(k)) for k in ("start", "stop", "step")))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__numpy__":
        from kerasbook.core.saving import limits
        return limits.config_array(config["config"]["value"], config["config"]["dtype"])
    if class_name == "__lambda__":
        from kerasbook.core.saving import lambdas
        return lambdas.deserialize_function(config, safe_mode)
    if class_name == "__keras_tensor__":
        raise ValueError("A symbolic tensor record can only be read inside a functional model config.")
    cls = find_class(class_name, config.get("module"), config.get("registered_name"), custom_objects)
    if not inspect.isclass(cls):
        raise ValueError(f"The config names {class_name!r} as a class, but {class_name!r} is a "
                         f"{type(cls).__name__}, not a class; a config's class_name must name a class such as "
                         "a layer.")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ValueError(f'The config of {class_name!r} should be a dict of its arguments; received {inner!r}.')
    extra = {}
    if _accepts(cls.from_config, "safe_mode"):
        extra["safe_mode"] = safe_mode
    if _accepts(cls.from_config, "custom_objects"):
        extra["custom_objects"] = custom_objects
    outer_safe_mode = getattr(_local, "safe_mode", True)
    _local.safe_mode = safe_mode
    try:
        with custom_object_scope(custom_objects or {}):
            obj = cls.from_config(inner, **extra)
    finally:
        _local.safe_mode = outer_safe_mode
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        obj.build_from_config(build_config)
    return obj
