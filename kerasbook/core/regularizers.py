"""Weight penalties added to the loss: `Dense(64, kernel_regularizer=keras.regularizers.l2(1e-3))`.

A regularizer maps a weight to a scalar; the layer's `losses` include it, and training adds it to
the loss, which pulls the weights towards zero (L2) or makes them sparse (L1).
"""

import jax.numpy as jnp

from kerasbook.core.catalog import Catalog


class Regularizer:
    def __call__(self, x):
        return jnp.zeros(())

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

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


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a weight towards being orthonormal."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor, self.mode = factor, mode

    def __call__(self, x):
        x = jnp.asarray(x)
        x = x if self.mode == "rows" else x.T
        x = x / jnp.maximum(jnp.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        product = x @ x.T
        size = product.shape[0]
        off_diagonal = jnp.sum(jnp.abs(product * (1 - jnp.eye(size))))
        return self.factor * off_diagonal / (size * (size - 1) / 2)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1(l1=0.01):
    return L1(l1)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1, l2)


_CATALOG = Catalog("regularizer", [Regularizer, L1, L2, L1L2, OrthogonalRegularizer],
                   {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})
get, serialize, deserialize = _CATALOG.get, _CATALOG.serialize, _CATALOG.deserialize
