"""Weight penalties added to the loss: `Dense(64, kernel_regularizer=keras.regularizers.l2(1e-3))`.

A regularizer maps a weight to a scalar; the layer's `losses` include it, and training adds it to
the loss, which pulls the weights towards zero (L2) or makes them sparse (L1).
As in Keras 3, the lower-case names are the classes themselves: `l2(1e-3)` is `L2(1e-3)`, and
`l1_l2()` without arguments penalizes nothing (L1 and L2 alone default to 0.01).
"""

import math

import jax.numpy as jnp

from kerasbook.core.catalog import Catalog


def _factor(value, name):
    """A penalty factor: a non-negative, finite number (None means 0)."""
    if value is None:
        return 0.0
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value) \
            or math.isinf(value) or value < 0:
        raise ValueError(f"Regularizer argument `{name}` must be a non-negative number, received "
                         f"{name}={value!r}.")
    return float(value)


class Regularizer:
    """Base class: subclasses define `__call__(weight)` returning a scalar penalty."""

    def __call__(self, x):
        return jnp.zeros(())

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|w|) + l2 * sum(w**2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor(l1, "l1"), _factor(l2, "l2")

    def __call__(self, x):
        x = jnp.asarray(x)
        loss = jnp.zeros((), x.dtype)
        if self.l1:
            loss = loss + self.l1 * jnp.sum(jnp.abs(x))
        if self.l2:
            loss = loss + self.l2 * jnp.sum(jnp.square(x))
        return loss

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|w|)`: drives many weights to exactly zero (sparse weights)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1")

    def __call__(self, x):
        return self.l1 * jnp.sum(jnp.abs(jnp.asarray(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(w**2)` ("weight decay"): keeps all weights small."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        return self.l2 * jnp.sum(jnp.square(jnp.asarray(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards being orthogonal to each other: the mean
    absolute cosine similarity between distinct pairs, times `factor`, halved (as Keras)."""

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', not {mode!r}.")
        self.factor, self.mode = _factor(factor, "factor"), mode

    def __call__(self, x):
        x = jnp.asarray(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2-D weight, received shape {x.shape}.")
        x = x if self.mode == "rows" else x.T
        x = x / jnp.maximum(jnp.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        size = x.shape[0]
        off_diagonal = jnp.sum(jnp.abs((x @ x.T) * (1 - jnp.eye(size, dtype=x.dtype))))
        return self.factor * 0.5 * off_diagonal / (size * (size - 1) / 2)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_CATALOG = Catalog("regularizer", [Regularizer, L1, L2, L1L2, OrthogonalRegularizer],
                   {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2,
                    "orthogonal_regularizer": OrthogonalRegularizer})
get, serialize, deserialize = _CATALOG.get, _CATALOG.serialize, _CATALOG.deserialize
