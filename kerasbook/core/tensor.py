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


def is_symbolic(x):
    return isinstance(x, KerasTensor)
