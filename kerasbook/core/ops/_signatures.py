"""Ops that are `jax.numpy` (or `jax.nn`) functions, taking Keras's arguments.

Many ops compute exactly what a jax function computes, but Keras names and orders the arguments its
own way: `ops.sum(x, axis=None, keepdims=False)`, where `jnp.sum`'s third argument is a dtype, so that
`ops.sum(x, 0, True)` would go wrong if the op were `jnp.sum` itself. Each such op is written in a
table as Keras's signature, `"sum(x, axis=None, keepdims=False)"`, and becomes a function with that
signature which hands its arguments to jax: by name where jax has the same name, by position (in
front) where it does not (`x` is `jnp.sum`'s `a`, `newshape` is `jnp.reshape`'s second argument).
"""

import ast
import functools
import inspect
import re

import jax.numpy as jnp

# "name(arguments)", where a default may hold one level of brackets: rot90(array, k=1, axes=(0, 1))
_ENTRY = re.compile(r"(\w+)\(((?:[^()]|\([^()]*\))*)\)")


def parse(table):
    """`"sum(x, axis=None, keepdims=False) abs(x)"` -> `{"sum": <Signature>, "abs": <Signature>}`."""
    return {name: _signature(arguments) for name, arguments in _ENTRY.findall(table)}


def _signature(arguments):
    """The `inspect.Signature` of `def f(<arguments>)`, its defaults read as Python literals."""
    spec = ast.parse(f"def f({arguments}): pass").body[0].args
    kind = inspect.Parameter
    positional = spec.args
    defaults = [kind.empty] * (len(positional) - len(spec.defaults)) + [ast.literal_eval(d) for d in spec.defaults]
    parameters = [kind(a.arg, kind.POSITIONAL_OR_KEYWORD, default=d) for a, d in zip(positional, defaults)]
    if spec.vararg:
        parameters.append(kind(spec.vararg.arg, kind.VAR_POSITIONAL))
    for a, d in zip(spec.kwonlyargs, spec.kw_defaults):
        parameters.append(kind(a.arg, kind.KEYWORD_ONLY, default=kind.empty if d is None else ast.literal_eval(d)))
    if spec.kwarg:
        parameters.append(kind(spec.kwarg.arg, kind.VAR_KEYWORD))
    return inspect.Signature(parameters)


def _names_jax_takes(function):
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return set()
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def with_keras_signature(name, function, signature, arrays):
    """`function` taking the arguments of `signature`; the first `arrays` arguments may be Python
    lists (made arrays, as Keras accepts them and jax does not)."""
    by_name = _names_jax_takes(function)
    order = [p.name in by_name for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    if order != sorted(order):  # a positional argument after a named one would land in the wrong place
        raise TypeError(f"ops.{name}: jax's {function.__name__} takes {order} by name; cannot map {signature}.")

    @functools.wraps(function)
    def op(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        positional, named = [], {}
        for index, (parameter, value) in enumerate(bound.arguments.items()):
            kind = signature.parameters[parameter].kind
            if index < arrays and isinstance(value, (list, tuple)) and kind is not kind.VAR_POSITIONAL:
                value = jnp.asarray(value)
            if kind is inspect.Parameter.VAR_POSITIONAL:
                positional.extend(value)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                named.update(value)
            elif parameter in by_name:
                named[parameter] = value
            else:
                positional.append(value)
        return function(*positional, **named)
    op.__name__ = op.__qualname__ = name
    op.__signature__ = signature
    op.__module__ = None  # set by the module that makes it
    del op.__wrapped__  # inspect and the graph read Keras's signature, not jax's
    return op


def define(namespace, source, tables):
    """Put into `namespace` (a module's globals) one op per entry of `tables` ({how many leading
    arguments are arrays: "name(signature) ..."}), each computed by `source.<name>`."""
    for arrays, table in tables.items():
        for name, signature in parse(table).items():
            op = with_keras_signature(name, getattr(source, name), signature, arrays)
            op.__module__ = namespace["__name__"]
            namespace[name] = op
