"""What every layer in one top-level call shares: the `training` flag.

`model(x, training=True)` must reach the Dropout layer three models deep without every `call` passing
it on by hand. The outermost `Layer.__call__` opens a context; nested calls read `training` from it
when they are not given one, and know they are nested (so only the outermost call resets `losses`).
"""

import contextlib
import threading

_local = threading.local()


def current():
    return getattr(_local, "context", None)


class CallContext:
    def __init__(self, training=None):
        self.training = training


@contextlib.contextmanager
def enter(training=None):
    outer = current()
    context = CallContext(training if training is not None or outer is None else outer.training)
    _local.context = context
    try:
        yield context
    finally:
        _local.context = outer
