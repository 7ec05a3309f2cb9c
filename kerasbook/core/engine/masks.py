"""Masks that travel with tensors: which time steps of a padded sequence are real.

`Embedding(mask_zero=True)` and `Masking` make a mask; layers whose `call` takes `mask` receive it.
A tensor keeps its mask as its `_keras_mask` attribute, as in Keras 3: a symbolic tensor, and a JAX
array too (`Embedding(10, 3, mask_zero=True)(ids)._keras_mask`). What cannot take attributes (a NumPy
array, a tracer inside `jax.jit`) keeps its mask in a side table keyed by the object's identity and
dropped when the object is freed.
"""

import weakref

from kerasbook.core.engine.tensor import KerasTensor

_side_table = {}


def get_mask(x):
    if isinstance(x, KerasTensor):
        return x._keras_mask
    mask = getattr(x, "_keras_mask", None)
    if mask is not None:
        return mask
    entry = _side_table.get(id(x))
    return entry[1] if entry is not None else None


def set_mask(x, mask):
    if isinstance(x, KerasTensor):
        x._keras_mask = mask
        return
    try:
        x._keras_mask = mask
        return
    except AttributeError:
        pass
    key = id(x)
    if mask is None:
        _side_table.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda _, key=key: _side_table.pop(key, None))
    except TypeError:  # a Python scalar or list: nothing to attach a mask to
        return
    _side_table[key] = (ref, mask)
