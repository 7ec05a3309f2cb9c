"""The op nodes of a functional model (`ops.relu(x)`, `x * 2`, `x[:, :4]`) in Keras 3's config format.

Keras 3 writes an op as it writes a layer, under its own module:

    {"module": "keras.src.ops.numpy", "class_name": "Mean", "registered_name": "Mean",
     "config": {"name": "mean", "axis": -1, "keepdims": true}, "name": "mean", "inbound_nodes": [...]}

The config holds the op's options; the node's arguments hold the tensors and numbers it computes with.
Reading a record back finds the op by its class name in snake case (`GetItem` -> `ops.get_item`,
kept by the tensor itself as `x[key]`).
"""

from kerasbook.core.engine import naming
from kerasbook.core.engine.operation import OpCall, op_class

_KERAS_OPS_MODULES = ("keras.src.ops.", "keras.ops")


def is_op_record(record):
    """Whether a record of a model's `layers` is one of Keras's ops rather than a layer."""
    return isinstance(record, dict) and str(record.get("module") or "").startswith(_KERAS_OPS_MODULES)


def is_op(operation):
    return isinstance(operation, OpCall)


def serialize_op(op):
    from kerasbook.core.saving.serialization import serialize_keras_object
    class_name = type(op).__name__
    return {"module": f"keras.src.ops.{op.group}", "class_name": class_name,
            "config": serialize_keras_object(op.get_config()), "registered_name": class_name}


def deserialize_op(record):
    """A new operation from a Keras record, named as the record says, with its options."""
    from kerasbook.core import ops
    from kerasbook.core.saving.serialization import deserialize_keras_object
    from kerasbook.core.engine.tensor import get_item
    class_name = record["class_name"]
    op_name = naming.to_snake_case(class_name)
    group = str(record.get("module")).rsplit(".", 1)[-1]
    namespace = getattr(ops, group, ops)  # the image ops are only in ops.image
    function = get_item if op_name == "get_item" else getattr(namespace, op_name, getattr(ops, op_name, None))
    if function is None or not callable(function):
        raise ValueError(f'The model holds the op "{record.get("name")}" ({class_name}, keras.ops.{op_name}), '
                         f"which kerasbook does not have. Rebuild the model with a layer in its place.")
    config = dict(record.get("config") or {})
    name = config.pop("name", None) or record.get("name")
    options = {key: deserialize_keras_object(value) for key, value in config.items()}
    return op_class(op_name, function, group)(name=name, **options)
