"""Masks that travel with tensors: which time steps of a padded sequence are real.

`Embedding(mask_zero=True)` and `Masking` make a mask; layers whose `call` takes `mask` receive it.
A symbolic tensor keeps its mask as an attribute. A JAX array cannot take attributes, so its mask is
kept in a side table keyed by the array's identity and dropped when the array is freed.
"""

import weakref

from kerasbook.core.tensor import KerasTensor

_side_table = {}


def get_mask(x):
    if isinstance(x, KerasTensor):
        return x._keras_mask
    entry = _side_table.get(id(x))
    return entry[1] if entry is not None else None


def set_mask(x, mask):
    if isinstance(x, KerasTensor):
        x._keras_mask = mask
        return
    key = id(x)
    if mask is None:
        _side_table.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda _, key=key: _side_table.pop(key, None))
    except TypeError:  # a Python scalar or list: nothing to attach a mask to
        return
    _side_table[key] = (ref, mask)
