"""`KerasTensor`: a symbolic tensor, a shape and a dtype with no values.

Calling a layer on a `KerasTensor` records the call instead of computing it. Every symbolic tensor
carries its `_keras_history` (which layer made it, at which of that layer's calls, and which of that
call's outputs it is); following these histories backwards from a model's outputs finds the graph.
"""

import collections

from kerasbook.core.engine.variables import standardize_dtype, standardize_shape

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


def get_item(x, key):
    """`x[key]`; a key read back from a config as a list is the tuple it was (`x[:, :4]`), as in Keras."""
    return x[tuple(key) if isinstance(key, list) else key]


def _recorded(op_name, function, reflected=False):
    """A Python operator on a symbolic tensor, recorded as a graph node as in Keras 3: `x * 2` is a
    `multiply` node, `2 - x` a `subtract` node with the 2 first, `x[:, :4]` a `get_item` node."""
    def operator(self, *other):
        from kerasbook.core.engine.operation import symbolic_call  # operation.py builds on this module
        args = (other[0], self) if reflected else (self,) + other
        return symbolic_call(op_name, function, args, {})
    operator.__name__ = op_name
    return operator


def _add_operators():
    import jax.numpy as jnp
    binary = {"add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
              "floordiv": jnp.floor_divide, "mod": jnp.mod, "pow": jnp.power, "matmul": jnp.matmul}
    for dunder, function in binary.items():
        setattr(KerasTensor, f"__{dunder}__", _recorded(function.__name__, function))
        setattr(KerasTensor, f"__r{dunder}__", _recorded(function.__name__, function, reflected=True))
    # `!=` is recorded, `==` is not: as in Keras 3, `a == b` stays Python's identity test, so that a
    # KerasTensor can be a dict key or be looked for in a list (`x in outputs`); `__hash__` stays id.
    for dunder, function in {"lt": jnp.less, "le": jnp.less_equal, "gt": jnp.greater,
                             "ge": jnp.greater_equal, "ne": jnp.not_equal}.items():
        setattr(KerasTensor, f"__{dunder}__", _recorded(function.__name__, function))
    for dunder, function in {"and": jnp.logical_and, "or": jnp.logical_or, "xor": jnp.logical_xor}.items():
        setattr(KerasTensor, f"__{dunder}__", _recorded(function.__name__, function))
        setattr(KerasTensor, f"__r{dunder}__", _recorded(function.__name__, function, reflected=True))
    KerasTensor.__invert__ = _recorded("logical_not", jnp.logical_not)
    KerasTensor.__neg__ = _recorded("negative", jnp.negative)
    KerasTensor.__abs__ = _recorded("absolute", jnp.absolute)
    KerasTensor.__getitem__ = _recorded("get_item", get_item)
    KerasTensor.__round__ = lambda self, ndigits=None: _recorded("round", jnp.round)(self, ndigits or 0)


_add_operators()


def is_symbolic(x):
    return isinstance(x, KerasTensor)
