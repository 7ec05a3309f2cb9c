"""Layers that merge a list of tensors: `Concatenate`, `Add`, `Subtract`, `Multiply`, `Average`,
`Maximum`, `Minimum`, `Dot`, and their functional forms (`keras.layers.concatenate([a, b])`)."""

import functools

import jax.numpy as jnp

from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


class Merge(Layer):
    """Elementwise merge of two or more tensors of the same shape (size-1 and unknown sizes broadcast)."""

    keeps_input_dtype = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"a `{type(self).__name__}` layer takes a list of tensors, received a single "
                             f"input of shape {shapes}.")
        if len(shapes) < self.min_inputs:
            raise ValueError(f"a `{type(self).__name__}` layer takes at least {self.min_inputs} inputs, "
                             f"received {len(shapes)}.")

    min_inputs = 2

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        return functools.reduce(lambda a, b: self._broadcast(a, b, input_shape), input_shape)

    def _broadcast(self, a, b, all_shapes):
        if len(a) != len(b):
            raise ValueError(f"inputs must have the same rank; received shapes {list(all_shapes)}.")
        out = []
        for x, y in zip(a, b):
            if x is None or y is None:
                out.append(x if y in (None, 1) else y)
            elif x == y or y == 1:
                out.append(x)
            elif x == 1:
                out.append(y)
            else:
                raise ValueError(f"inputs have incompatible shapes {list(all_shapes)}: sizes {x} and {y} "
                                 "cannot be merged elementwise.")
        return tuple(out)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        return functools.reduce(self._merge, inputs)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        present = [m for m in previous_mask if m is not None]
        return functools.reduce(jnp.logical_and, present)


class Add(Merge):
    _merge = staticmethod(jnp.add)


class Subtract(Merge):
    _merge = staticmethod(jnp.subtract)

    def _check_list(self, shapes):
        super()._check_list(shapes)
        if len(shapes) != 2:
            raise ValueError(f"a `Subtract` layer takes exactly 2 inputs, received {len(shapes)}.")


class Multiply(Merge):
    _merge = staticmethod(jnp.multiply)


class Maximum(Merge):
    _merge = staticmethod(jnp.maximum)


class Minimum(Merge):
    _merge = staticmethod(jnp.minimum)


class Average(Merge):
    def call(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


class Concatenate(Merge):
    """Joins tensors along `axis`; every other axis must match."""

    min_inputs = 1

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = arguments.axis(self, axis)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        axis = self.axis % len(input_shape[0]) if len(ranks) == 1 else None
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            for i, (x, y) in enumerate(zip(out, shape)):
                if axis is not None and i == axis:
                    out[i] = None if x is None or y is None else x + y
                elif x is not None and y is not None and x != y:
                    axis = None
                elif x is None:
                    out[i] = y
            if axis is None:
                raise ValueError(
                    "a `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis ({self.axis}). Received: input shapes {list(input_shape)}.")
        return tuple(out)

    def call(self, inputs):
        return jnp.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        # Masks have one axis fewer than the tensors: expand, concatenate like the tensors, reduce.
        filled = [jnp.ones(x.shape[:-1], bool) if m is None else m for x, m in zip(inputs, previous_mask)]
        joined = jnp.concatenate([m[..., None] for m in filled], axis=self.axis)
        return jnp.all(joined, axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Dot product of two tensors along `axes` (per sample); `normalize=True` gives cosine similarity."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = arguments.axis(self, axes, "axes")
        self.normalize = normalize

    def _axes(self, rank_a, rank_b):
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        return axes[0] % rank_a, axes[1] % rank_b

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        a, b = input_shape
        ax, bx = self._axes(len(a), len(b))
        if a[ax] is not None and b[bx] is not None and a[ax] != b[bx]:
            raise ValueError(f"a `Dot` layer needs equal sizes on its axes {self.axes}; received shapes "
                             f"{a} and {b}.")
        shape = a[:ax] + a[ax + 1:] + b[1:bx] + b[bx + 1:]
        return shape if len(shape) > 1 else shape + (1,)

    def call(self, inputs):
        a, b = inputs
        ax, bx = self._axes(a.ndim, b.ndim)
        if self.normalize:
            a = a / jnp.maximum(jnp.linalg.norm(a, axis=ax, keepdims=True), 1e-12)
            b = b / jnp.maximum(jnp.linalg.norm(b, axis=bx, keepdims=True), 1e-12)
        out = jnp.einsum(_dot_spec(a.ndim, b.ndim, ax, bx), a, b)
        return out[:, None] if out.ndim == 1 else out

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _dot_spec(rank_a, rank_b, ax, bx):
    letters = iter("bcdefghijklmnopqrstuvw")
    a = ["a"] + [next(letters) for _ in range(rank_a - 1)]
    b = ["a"] + [next(letters) for _ in range(rank_b - 1)]
    b[bx] = a[ax]
    out = [a[0]] + [c for i, c in enumerate(a) if i not in (0, ax)] + [c for i, c in enumerate(b)
                                                                        if i not in (0, bx)]
    return f"{''.join(a)},{''.join(b)}->{''.join(out)}"


def _functional(layer_class):
    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)
    merge.__name__ = layer_class.__name__.lower()
    merge.__doc__ = f"Functional form of `{layer_class.__name__}`: `{merge.__name__}([a, b], **kwargs)`."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([a, b], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
