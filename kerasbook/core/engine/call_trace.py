"""Recording the layer calls made during one call of a model (a subclassed model has no node graph).

A subclassed model's `call` is Python code: which sub-layers it calls, in which order and on what is
known only by running it. Inside `with call_trace.recording() as calls:`, every eager layer call
appends a `Call` to `calls`, in the order the calls began: the layer, how deeply it is nested (the
model itself 0, its sub-layers 1, ...) and its input and output arrays. `GraphView` reads their
shapes, links a call to the call that made its input (the same array object), and draws them.
Outside `recording()` the hook in `Layer.__call__` costs one attribute read.
"""

import contextlib
import threading
from dataclasses import dataclass, field

from kerasbook.core import tree

_local = threading.local()


@dataclass
class Call:
    layer: object
    depth: int
    inputs: list                                  # the arrays the call received (flattened)
    outputs: list = field(default_factory=list)   # the arrays it returned (flattened)


@contextlib.contextmanager
def recording():
    """Collect the layer calls made inside the block; yields the list they are appended to."""
    outer = getattr(_local, "calls", None), getattr(_local, "depth", 0)
    _local.calls, _local.depth = [], 0
    try:
        yield _local.calls
    finally:
        _local.calls, _local.depth = outer


def _arrays(structure):
    return [x for x in tree.flatten(structure) if hasattr(x, "shape")]


def begin(layer, args):
    """`layer` is being called on `args`: note it (returns the record; None when not recording)."""
    calls = getattr(_local, "calls", None)
    if calls is None:
        return None
    record = Call(layer, _local.depth, _arrays(args))
    calls.append(record)
    _local.depth += 1
    return record


def end(record, outputs):
    """The call noted by `begin` returned `outputs`."""
    if record is not None:
        record.outputs = _arrays(outputs)
        _local.depth -= 1
