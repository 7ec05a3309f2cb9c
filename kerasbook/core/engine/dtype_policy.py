"""Dtype policies: the dtype of a layer's variables and the dtype it computes in (mixed precision).
`keras.mixed_precision` (kerasbook/core/mixed_precision.py) is the public face of this module.

A *dtype policy* names two dtypes: the one a layer's variables are stored in (`variable_dtype`) and the
one it computes in (`compute_dtype`). "float32" has both float32; "mixed_bfloat16" keeps the weights in
float32 (small updates are not lost when they are added to them) and computes in bfloat16, which halves
the memory the activations take and runs faster on hardware made for it. "mixed_float16" is the same
with float16 (whose small range asks for loss scaling when training).

How a layer uses its policy, as Keras 3 does:

1. its floating inputs are cast to `compute_dtype` when it is called ("autocast"; integer inputs, such
   as an Embedding's ids, are left as they are);
2. while it computes, its float variables are read in `compute_dtype` (`autocast_scope` below), so
   `inputs @ kernel` runs in bfloat16 while `kernel` stays float32;
3. its outputs are therefore in `compute_dtype`. A final `Activation("softmax", dtype="float32")` casts
   the logits back to float32, so the probabilities and the loss are computed in full precision.

`keras.mixed_precision.set_global_policy("mixed_bfloat16")` makes it the policy of every layer made
afterwards without a `dtype`. Configs record a layer's policy as Keras writes it:
`{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"}, ...}`.
"""

import contextlib
import threading

import numpy as np

_FLOATS = ("float16", "bfloat16", "float32", "float64")
# (named here rather than asked of JAX: keras.config and keras.utils import this module, and a
# data-preparation cell using only them should not wait for JAX to load)
_DTYPES = frozenset(_FLOATS + ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool",
                              "complex64", "complex128", "string"))
_ALIASES = {"float": "float32", "double": "float64", "half": "float16"}


class DTypePolicy:
    """The dtype of a layer's variables and of its computations, named as in Keras: "float32",
    "bfloat16" (both dtypes the same) or "mixed_float16", "mixed_bfloat16" (float32 variables)."""

    def __init__(self, name=None):
        name = _floatx[0] if name is None else name
        if not isinstance(name, str):
            raise TypeError(f"A DTypePolicy is named by a string such as 'mixed_bfloat16'. Received: name={name!r} "
                            f"(of type {type(name).__name__})")
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse(name)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype the layer's weights are stored in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None  # kerasbook has no quantized layers

    def convert_input(self, x, autocast, dtype):
        """`x` cast to `dtype` if it is a floating array of another dtype and `autocast` is on."""
        if autocast and _is_float(getattr(x, "dtype", None)) and str(x.dtype) != dtype:
            import jax.numpy as jnp  # only when there is an array to cast: JAX is loaded by then
            return jnp.asarray(x).astype(dtype)
        return x

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # Keras 2's name, still exported by Keras 3


def _parse(name):
    """(compute dtype, variable dtype) for a policy name."""
    if name in ("mixed_float16", "mixed_bfloat16"):
        return name.removeprefix("mixed_"), "float32"
    dtype = _ALIASES.get(name, name)
    if dtype not in _DTYPES and not _numpy_understands(dtype):
        raise ValueError(f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies include "
                         "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                         "'float32'.")
    return dtype, dtype


def _numpy_understands(dtype):
    """Other dtypes an input may have ("object", "<U0" for text): accepted as both dtypes, as before."""
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


def _is_float(dtype):
    return dtype is not None and str(dtype) in _FLOATS


# -- the global policy ----------------------------------------------------------------------------
_global = {"policy": None}  # None: a policy named after floatx, made when asked for
_floatx = ["float32"]  # keras.config.floatx(), which keras.config.set_floatx keeps here too


def set_floatx(dtype):
    """Called by `keras.config.set_floatx`: the dtype of the default policy."""
    _floatx[0] = dtype


def set_global_policy(policy):
    """The policy of every layer made from now on without a `dtype` (`None`: back to floatx)."""
    _global["policy"] = None if policy is None else get(policy)


def global_policy():
    """The policy layers made now without a `dtype` get."""
    return _global["policy"] or DTypePolicy()


# Keras 3's other names for the same two functions (keras.config.dtype_policy, ...)
dtype_policy, set_dtype_policy = global_policy, set_global_policy


def get(identifier):
    """A DTypePolicy from a name, a DTypePolicy, Keras's serialized dict, or None (the global policy)."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # {"module": "keras", "class_name": "DTypePolicy", "config": {...}}
        return DTypePolicy(**identifier.get("config", identifier))
    if hasattr(identifier, "name") and not isinstance(identifier, str):  # a NumPy or JAX dtype
        identifier = identifier.name
    return DTypePolicy(str(identifier))


def serialize(policy):
    """A policy as Keras 3 writes it in a layer's config."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


# -- autocasting variables while a layer computes -------------------------------------------------
_scope = threading.local()


def autocast_dtype():
    """The dtype float variables are read in now (inside a mixed layer's call), or None."""
    return getattr(_scope, "dtype", None)


def autocast(value):
    """A variable's value as read now: cast to the autocast dtype if it is floating and one is set."""
    dtype = autocast_dtype()
    if dtype is not None and _is_float(value.dtype) and str(value.dtype) != dtype:
        return value.astype(dtype)
    return value


@contextlib.contextmanager
def autocast_scope(layer):
    """Read float variables in `layer`'s compute dtype while it runs, as Keras's AutocastScope: set by
    a mixed layer, changed by a nested layer of another compute dtype, cleared by a layer with
    `autocast=False` or a non-float compute dtype."""
    current = autocast_dtype()
    compute = layer.compute_dtype
    if current is not None:
        wanted = compute if layer.autocast and _is_float(compute) else None
    else:
        wanted = compute if compute != layer.variable_dtype else None
    _scope.dtype = wanted
    try:
        yield
    finally:
        _scope.dtype = current
