"""Weight constraints: `Dense(64, kernel_constraint=keras.constraints.max_norm(2.0))`.

A constraint maps a weight to an allowed one. The optimizer applies it after every update, so the
weight never leaves the allowed set (e.g. each unit's incoming weights have a norm of at most 2);
a regularizer, by contrast, only adds a penalty to the loss. `axis` is the axis the norm runs over:
for a Dense kernel of shape `(inputs, units)`, `axis=0` gives one norm per unit.
As in Keras 3, the lower-case names are the classes themselves: `max_norm(2.0)` is `MaxNorm(2.0)`.
"""

import jax.numpy as jnp

from kerasbook.core.catalog import Catalog

EPSILON = 1e-7  # Keras's backend.epsilon(): keeps a zero norm from dividing by zero


def _norms(w, axis):
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: subclasses define `__call__(weight)` returning the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Scales down the weights whose norm along `axis` exceeds `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (jnp.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return jnp.maximum(w, 0)


class UnitNorm(Constraint):
    """Scales the weights to a norm of 1 along `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves norms along `axis` into `[min_value, max_value]`; `rate` < 1 moves them only part-way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * jnp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_CATALOG = Catalog("constraint", [Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm],
                   {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
                    "min_max_norm": MinMaxNorm})
get, serialize, deserialize = _CATALOG.get, _CATALOG.serialize, _CATALOG.deserialize
