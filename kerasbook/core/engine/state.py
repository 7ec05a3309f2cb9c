"""Where a variable's value lives while a stateless function runs.

A model's weights are `Variable` objects, but `jax.jit` and `jax.grad` need pure functions of arrays.
The bridge is a *stateless scope*: inside `with StatelessScope({var: value, ...})`, reading a variable
gives the value from the scope (a tracer, under jit) and `assign` writes into the scope instead of the
variable. After the call, the new values are read back from the scope and returned, so the function
stays pure. The scope also collects the losses that layers add with `add_loss` during the call.
"""

import threading

_local = threading.local()


class StatelessScope:
    """Maps variables to values for the duration of a `with` block."""

    def __init__(self, mapping=None, abstract=False):
        self.values = {id(var): value for var, value in (mapping or {}).items()}
        self.losses = []
        # Abstract: only shapes matter (jax.eval_shape). A variable created inside such a scope
        # reads as zeros instead of running its initializer on a tracer.
        self.abstract = abstract

    def get(self, variable, default=None):
        return self.values.get(id(variable), default)

    def assign(self, variable, value):
        self.values[id(variable)] = value

    def __enter__(self):
        stack = _stack()
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _stack().pop()


def unchanged_as_none(new_values, old_values):
    """None where a value came out of a stateless call as it went in (a weight the call did not
    assign): a compiled function that returned it would have XLA copy it on every call, which for
    VGG19's first Dense kernel alone is 411 MB."""
    return [None if new is old else new for new, old in zip(new_values, old_values)]


def _stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def current_scope():
    """The innermost active `StatelessScope`, or None when running statefully."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None
