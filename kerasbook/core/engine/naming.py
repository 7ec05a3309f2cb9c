"""Automatic names, as Keras gives them: `dense`, `dense_1`, `dense_2`, ...

Names are unique per session so that a model never holds two layers with one name by accident;
`clear_session()` starts the count again (handy when re-running a notebook from the top).
"""

import re

_counts = {}


def to_snake_case(name):
    """Keras's rule: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`, `RMSprop` -> `rm_sprop`."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix):
    """`prefix` the first time, then `prefix_1`, `prefix_2`, ..."""
    count = _counts.get(prefix, 0)
    _counts[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session():
    """Forget every automatic name given so far."""
    _counts.clear()


def next_uid(prefix=""):
    """The count of `prefix` after one more use: 1 the first time (`keras.backend.get_uid`)."""
    _counts[prefix] = _counts.get(prefix, 0) + 1
    return _counts[prefix]
