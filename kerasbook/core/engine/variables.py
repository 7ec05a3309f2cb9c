"""`Variable`: a named, mutable holder of one JAX array.

JAX arrays are immutable, so a layer's weight is a small object whose `value` can be replaced. Two
details make it fit JAX:

- Inside a `StatelessScope` (what `predict` and `fit` use under `jax.jit`) reading `value` returns the
  scope's value and `assign` writes to the scope, so the surrounding function stays pure.
- It is registered as a pytree whose one leaf is its current value, so `jax.numpy` functions accept a
  variable where they expect an array (`jnp.matmul(x, self.w)` works, as in the subclassing guide).

The initial value is computed lazily, on first read: building a 300-layer model only records shapes,
and the random numbers are drawn when they are first needed, from a seed fixed at creation time so that
results do not depend on when they are drawn.

Under a `keras.distribution` a variable takes its layout when it is created (`_layout`, a
`TensorLayout` on the distribution's mesh, found from its `path`), and its value is placed so
(`jax.device_put` with the layout's `NamedSharding`) when it is computed or assigned.
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core.distribution import distributions
from kerasbook.core.distribution.layout import distribute_tensor
from kerasbook.core.engine import dtype_policy as dtype_policies
from kerasbook.core.engine import paths, state


_KNOWN_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
                           "uint8", "uint16", "uint32", "uint64", "bool", "complex64"})


def standardize_dtype(dtype):
    """Keras's dtype strings: "float32", "int32", ... (None means float32)."""
    if dtype is None:
        return "float32"
    if dtype in _KNOWN_DTYPES:
        return dtype
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return str(dtype.name)
    try:
        return str(np.dtype(dtype))
    except TypeError:  # NumPy's bare "data type not understood": say what would have been understood
        import difflib  # here: only a wrong dtype needs it, and it costs 1.3 ms to import
        close = difflib.get_close_matches(str(dtype), sorted(_KNOWN_DTYPES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Invalid dtype: {dtype!r}.{hint} Valid dtypes: {', '.join(sorted(_KNOWN_DTYPES))}."
                         ) from None


def standardize_shape(shape):
    """A tuple of ints (or None for an unknown size); a bare int is a 1-D shape."""
    if shape is None:
        raise ValueError("Undefined shape: a shape must be a tuple such as (4,) or (None, 16).")
    if isinstance(shape, int):
        return (shape,)
    return tuple(None if d is None else int(d) for d in shape)


class Variable:
    """A layer's weight: `value`, `assign`, `assign_add`, `numpy()`, `shape`, `dtype`, `name`, `trainable`."""

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None, regularizer=None,
                 constraint=None, path=None, layout=None):
        self.name = name or "variable"
        self.path = path or paths.path_of(self.name)
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        if isinstance(initializer, (str, dict)):  # Keras accepts an initializer's name: "ones"
            from kerasbook.core import initializers
            initializer = initializers.get(initializer)
        if callable(initializer) and not hasattr(initializer, "shape"):
            if shape is None:
                raise ValueError(f"Variable '{self.name}': an initializer needs a `shape`.")
            self.shape = standardize_shape(shape)
            self.dtype = standardize_dtype(dtype)
            from kerasbook.core import random
            self._initializer = random.deferred(lambda: initializer(self.shape, dtype=self.dtype))
            self._value = None
            self._layout = _layout_for(self, layout)
        else:
            value = _to_array(initializer, None if dtype is None else standardize_dtype(dtype))
            self.shape = tuple(value.shape)
            self.dtype = standardize_dtype(value.dtype)
            self._initializer = None
            self._layout = _layout_for(self, layout)
            self._value = self._placed(value)

    # -- reading -------------------------------------------------------------------------------
    @property
    def value(self):
        """The current value; inside a mixed-precision layer's call, a float value is read in the
        layer's compute dtype (core/dtype_policies.py), while the variable stays in its own dtype."""
        return dtype_policies.autocast(self._current_value())

    def _current_value(self):
        scope = state.current_scope()
        if scope is not None:
            scoped = scope.get(self)
            if scoped is not None:
                return scoped
            if scope.abstract and self._value is None:
                return jnp.zeros(self.shape, self.dtype)
        return self._stored_value()

    def _stored_value(self):
        if self._value is None:  # first read: run the initializer now
            with jax.ensure_compile_time_eval():  # a concrete array, even if first read inside a trace
                self._value = self._placed(_to_array(self._initializer(), self.dtype))
            self._initializer = None
        return self._value

    def _placed(self, value):
        """`value` on the devices of this variable's layout (as it is, without a distribution)."""
        return value if self._layout is None else distribute_tensor(value, self._layout)

    def numpy(self):
        return np.asarray(self._current_value())

    def __jax_array__(self):
        return self.value

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._current_value(), dtype=dtype)

    # -- writing -------------------------------------------------------------------------------
    def assign(self, value):
        value = _to_array(value, self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(f"Variable '{self.path}' has shape {self.shape}; "
                             f"cannot assign a value of shape {tuple(value.shape)}.")
        scope = state.current_scope()
        if scope is not None:
            scope.assign(self, value)
        else:
            self._value = self._placed(value)
            self._initializer = None
        return value

    def assign_add(self, delta):
        return self.assign(self.value + jnp.asarray(delta, dtype=self.dtype))

    def assign_sub(self, delta):
        return self.assign(self.value - jnp.asarray(delta, dtype=self.dtype))

    # -- behaving like an array ----------------------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return self.value[index]

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.asarray(self.value)}>")

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return self.value

    def __abs__(self):
        return jnp.abs(self.value)

    def __eq__(self, other):
        # Identity, as in Keras: `layer.weights == [layer.w, layer.b]` compares variables, not values.
        return self is other

    __hash__ = object.__hash__

    def __ne__(self, other):
        return self is not other

    def __lt__(self, other):
        return self.value < _unwrap(other)

    def __le__(self, other):
        return self.value <= _unwrap(other)

    def __gt__(self, other):
        return self.value > _unwrap(other)

    def __ge__(self, other):
        return self.value >= _unwrap(other)


def _to_array(value, dtype):
    """A JAX array of `dtype`. Host values are converted by NumPy first: an eager JAX conversion would
    compile a small XLA program for every new shape, which is most of the cost of building a model."""
    if isinstance(value, jax.Array):
        return value if dtype is None or value.dtype == dtype else value.astype(dtype)
    if isinstance(value, Variable):
        return _to_array(value.value, dtype)
    return jax.device_put(np.asarray(value, dtype=dtype))  # jnp.asarray would compile a copy


def _layout_for(variable, layout):
    """The layout given, else the current distribution's for this variable (None without one)."""
    variable._layout = layout
    current = distributions.distribution()
    if layout is None and current is not None:
        return current.get_variable_layout(variable)
    return layout


def materialize(variables):
    """Compute the initial values of all `variables` not yet initialized (before a compiled call)."""
    pending = [v for v in variables if v._value is None]
    if not pending:
        return
    for variable in pending:
        variable._stored_value()


def _unwrap(x):
    return x.value if isinstance(x, Variable) else x


def _binary(op, reflected=False):
    def method(self, other):
        a, b = self.value, _unwrap(other)
        return op(b, a) if reflected else op(a, b)
    return method


for _name, _op in {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
    "floordiv": jnp.floor_divide, "mod": jnp.mod, "pow": jnp.power, "matmul": jnp.matmul,
}.items():
    setattr(Variable, f"__{_name}__", _binary(_op))
    setattr(Variable, f"__r{_name}__", _binary(_op, reflected=True))

jax.tree_util.register_pytree_node(
    Variable,
    lambda var: ((var.value,), None),
    lambda _, children: children[0],  # a variable flattened and rebuilt is just its value
)
