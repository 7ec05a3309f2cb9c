"""What an op does when given a symbolic tensor (kept apart from `ops/__init__.py`, which exports ops
named `any`, `map`, `max`, ... over the builtins).

As in Keras 3, `ops.relu(x)` on a `KerasTensor` from `keras.Input` records a node of the functional
graph (see `core/engine/operation.py`) instead of computing; on arrays it computes as before.
"""

import functools

from kerasbook.core.engine.operation import has_symbolic, symbolic_call

# These read only what a symbolic tensor has (its shape and dtype), so they answer at once.
ASKS_ONLY_SHAPE_OR_DTYPE = {"shape", "dtype", "ndim", "is_tensor"}

# These need values, which a symbolic tensor does not have: what to use instead.
NEEDS_VALUES = {
    "convert_to_numpy": "call the model on data and convert its output",
}


def recording_symbolic_tensors(name, op, group):
    """`op` (of the `keras.ops` submodule `group`), recorded as a graph node named after `name` when an
    argument is a symbolic tensor."""
    if name in ASKS_ONLY_SHAPE_OR_DTYPE:
        return op

    @functools.wraps(op)
    def op_or_node(*args, **kwargs):
        if not has_symbolic(args, kwargs):
            return op(*args, **kwargs)
        if name in NEEDS_VALUES:
            raise TypeError(f"ops.{name} needs values, and a symbolic tensor (from keras.Input or a layer "
                            f"called on one) has none: {NEEDS_VALUES[name]}.")
        return symbolic_call(name, op, args, kwargs, group)
    return op_or_node
