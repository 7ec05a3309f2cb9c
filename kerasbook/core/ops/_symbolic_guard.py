"""A clear error for an op called on a symbolic tensor (kept apart from `ops/__init__.py`, which
exports ops named `any`, `map`, `max`, ... over the builtins)."""

import functools

from kerasbook.core.tensor import KerasTensor


# These read only what a symbolic tensor has (its shape and dtype), so they take one as Keras's do.
ASKS_ONLY_SHAPE_OR_DTYPE = {"shape", "dtype", "ndim", "is_tensor"}


def _is_symbolic(value):
    return isinstance(value, KerasTensor) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value))


def refusing_symbolic_tensors(op):
    """`op`, raising a clear TypeError when given a symbolic tensor from `keras.Input`.

    Keras 3 records an op called on a symbolic tensor as a node of the model's graph; kerasbook's
    graph holds layer calls only, and JAX's own error for such a call names neither the op nor a fix.
    """
    if op.__name__ in ASKS_ONLY_SHAPE_OR_DTYPE:
        return op

    @functools.wraps(op)
    def checked(*args, **kwargs):
        if any(map(_is_symbolic, args)) or any(map(_is_symbolic, kwargs.values())):
            raise TypeError(
                f"ops.{op.__name__} was called on a symbolic tensor (from keras.Input or a layer "
                "called on one). A kerasbook model records layer calls only: wrap the op in a "
                f"layer, e.g. layers.Lambda(lambda t: ops.{op.__name__}(t))(x), or use the layer "
                "that does it (layers.Activation, layers.Add, layers.Reshape, ...).")
        return op(*args, **kwargs)
    return checked
