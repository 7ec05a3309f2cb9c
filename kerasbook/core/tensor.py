"""`KerasTensor`: a symbolic tensor, a shape and a dtype with no values.

Calling a layer on a `KerasTensor` records the call instead of computing it. Every symbolic tensor
carries its `_keras_history` (which layer made it, at which of that layer's calls, and which of that
call's outputs it is); following these histories backwards from a model's outputs finds the graph.
"""

import collections

from kerasbook.core.variables import standardize_dtype, standardize_shape

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class KerasTensor:
    """A symbolic tensor: `shape` (None for an unknown size), `dtype`, and the node that made it."""

    def __init__(self, shape, dtype="float32", name=None, record_history=None):
        self.shape = standardize_shape(shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name or "keras_tensor"
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("A symbolic KerasTensor has no length; use `.shape` instead.")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over; use `.shape` instead.")

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no value to test: it only stands for the data that will flow "
            "through the model. Use Python control flow inside a layer's `call()` instead.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to a NumPy array: it has no value yet. "
            "Build a model from it and call the model on real data.")

    def _no_symbolic_math(self, *args):
        # Keras 3 records `x + 1` or `x[:, 0]` on symbolic tensors as graph nodes; kerasbook's graph
        # holds layer calls only, so say which layer to use rather than fail inside JAX.
        made_by = f"'{self._keras_history.operation.name}'" if self._keras_history else "keras.Input"
        raise TypeError(
            f"Arithmetic and indexing on a symbolic tensor (shape {self.shape}, made by {made_by}) are "
            "not recorded in a kerasbook model. Use a layer: layers.Add(), layers.Multiply(), "
            "layers.Reshape(...), or layers.Lambda(lambda t: t + 1) for anything else.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _no_symbolic_math
    __truediv__ = __rtruediv__ = __pow__ = __matmul__ = __rmatmul__ = _no_symbolic_math
    __neg__ = __getitem__ = _no_symbolic_math


def is_symbolic(x):
    return isinstance(x, KerasTensor)
