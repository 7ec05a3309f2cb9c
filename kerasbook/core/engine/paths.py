"""Variable paths as Keras writes them: the names of the layers being built, outermost first.

A weight made while layer `block` builds its sub-layer `dense_2` is `block/dense_2/kernel`; inside
a subclassed model `net` it is `net/block/dense_2/kernel`; in a Sequential model
`sequential/dense/kernel`; a functional model's layers are built before the model exists, so
theirs is `dense/kernel`. Each layer opens its *name scope* while it builds and while it computes,
and a variable's path is the open scopes plus its own name. A `keras.distribution.LayoutMap` matches
its keys against these paths.

The place of a layer is fixed the first time it opens its scope (its parent path): calling a layer
later from elsewhere, or again inside a compiled step, does not change the paths of its weights or
its output (`block/dense_2/output`). One stack per thread, since steps are traced in a background
thread too.
"""

import contextlib
import threading

_local = threading.local()


def _stack():
    """The open scopes of this thread, outermost first: (name, layer, parent path or None)."""
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def current_path():
    """The open scopes as a path: "net/block" (empty at top level)."""
    parts = []
    for name, _, parent in _stack():
        if parent is not None:  # a layer placed earlier: its own parents, not those open now
            parts = [p for p in parent.split("/") if p]
        parts.append(name)
    return "/".join(parts)


def path_of(name):
    """The path of something called `name` made now: "net/block/dense_2/kernel"."""
    prefix = current_path()
    return f"{prefix}/{name}" if prefix else name


@contextlib.contextmanager
def layer_scope(layer):
    """Open `layer`'s scope (once: a layer already at the top of the stack is not entered twice)."""
    stack = _stack()
    if stack and stack[-1][1] is layer:
        yield
        return
    parent = layer.__dict__.get("_parent_path")
    if parent is None:
        object.__setattr__(layer, "_parent_path", current_path())
    stack.append((layer.name, layer, parent))
    try:
        yield
    finally:
        stack.pop()
