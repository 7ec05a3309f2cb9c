"""`keras.dtype_policies`: the dtype policy classes and their (de)serialization, by Keras 3's names.

What a policy is and how a layer uses it: kerasbook/core/engine/dtype_policy.py. kerasbook has the float
policies ("float32", "mixed_bfloat16", ...); Keras's quantized policies (int8, int4, float8, GPTQ, AWQ)
and DTypePolicyMap, which go with quantizing a model, are not here.
"""

from kerasbook.core.engine.dtype_policy import DTypePolicy, get


class FloatDTypePolicy(DTypePolicy):
    """Another name for `DTypePolicy`, kept by Keras 3 for older code."""


def serialize(dtype_policy):
    """A policy as Keras 3 writes it in a layer's config: `{"module": "keras", "class_name": ...}`."""
    return {"module": "keras", "class_name": type(dtype_policy).__name__, "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy from its serialized dict (`serialize`'s output, as in a layer's config)."""
    classes = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy, **(custom_objects or {})}
    name = config.get("class_name", "DTypePolicy")
    if name not in classes:
        raise ValueError(f"Unknown dtype policy class {name!r}: kerasbook has {sorted(classes)}.")
    return classes[name](**config.get("config", {}))


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
