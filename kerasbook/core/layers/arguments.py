"""Checking a layer's arguments when it is made, so that a mistake fails on the line that made it.

`Conv2D(-4, 3)` would otherwise build a layer whose output has -4 channels, and `strides=0` would end
in a ZeroDivisionError deep inside a shape computation, far from its cause. Each check names the
layer (its class and name), the argument and the value received, in Keras's words ("Received an
invalid value for `units`, expected a positive integer. Received: units=-3"), and returns the value
in the form the layer keeps (a tuple for `kernel_size=3` on a 2D layer, say).
"""

import contextlib
import functools
import inspect
import numbers

from kerasbook.core.ops.nn import NO_FLASH_ATTENTION

DATA_FORMATS = ("channels_last", "channels_first")


def _label(layer):
    """`Conv2D layer "conv2d"` (just `LSTM layer` while the layer is not named yet)."""
    name = vars(layer).get("name")
    return f'{type(layer).__name__} layer' + (f' "{name}"' if name else "")


def fail(layer, message):
    """A ValueError naming the layer (for the checks a single layer needs)."""
    raise ValueError(f"{_label(layer)}: {message}")


@contextlib.contextmanager
def reported_as(layer):
    """Argument errors of a layer made inside `layer` (an LSTM's cell) name `layer` instead: the user
    wrote `LSTM(-2)`, not `LSTMCell(-2)`."""
    try:
        yield
    except ValueError as error:
        inner = str(error)
        if not inner.split(": ", 1)[0].endswith(("layer", '"')):
            raise
        raise ValueError(f"{_label(layer)}: {inner.split(': ', 1)[1]}") from None


def positive_int(layer, name, value, allow=()):
    """An integer above 0 (bools are not integers here); `allow` lists extra accepted values."""
    if value in allow and not isinstance(value, bool):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        fail(layer, f"received an invalid value for `{name}`, expected a positive integer. "
                     f"Received: {name}={value!r}")
    return int(value)


def int_tuple(layer, name, value, rank, minimum=1):
    """`rank` integers, each at least `minimum` (`kernel_size=3` -> (3, 3) for a 2D layer)."""
    values = (value,) * rank if isinstance(value, numbers.Integral) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if values is None or len(values) != rank or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        fail(layer, f"the `{name}` argument must be a tuple of {rank} integers. Received {name}={value!r}")
    wrong = sorted({v for v in values if v < minimum})
    if wrong:
        fail(layer, f"the `{name}` argument must be a tuple of {rank} integers. Received {name}={value!r}, "
                     f"including values {wrong} that do not satisfy `value >= {minimum}`")
    return tuple(int(v) for v in values)


def fraction(layer, name, value, upper_open=False):
    """A number in [0, 1] (in [0, 1) with `upper_open`: a rate of 1 would divide by zero)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_label(layer)}: `{name}` must be a number between 0 and 1."
                        f" Received: {name}={value!r} (of type {type(value).__name__})")
    if not (0 <= value < 1 if upper_open else 0 <= value <= 1):
        upper = "1 (1 excluded)" if upper_open else "1"
        fail(layer, f"invalid value received for argument `{name}`. Expected a float value between 0 and "
                     f"{upper}. Received: {name}={value!r}")
    return value


def non_negative(layer, name, value):
    """A number of at least 0 (a standard deviation, a small epsilon)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        fail(layer, f"received an invalid value for `{name}`, expected a number >= 0. Received: {name}={value!r}")
    return value


def one_of(layer, name, value, allowed):
    """One of the strings `allowed` (compared in lower case, as Keras does)."""
    if not isinstance(value, str) or value.lower() not in allowed:
        fail(layer, f"the `{name}` argument must be one of {', '.join(map(repr, allowed))}. "
                    f"Received: {name}={value!r}")
    return value.lower()


def data_format(layer, value):
    """"channels_last" (the default, `None`) or "channels_first"."""
    return "channels_last" if value is None else one_of(layer, "data_format", value, DATA_FORMATS)


def axis(layer, value, name="axis"):
    """An axis index (negative counts from the end), or a list or tuple of them."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
        fail(layer, f"`{name}` must be an integer axis index (or a list of them), such as -1 for the last "
                     f"axis. Received: {name}={value!r}")
    return value


def keras_signature(order=None, **defaults):
    """A class decorator: the class's `__init__` with the defaults (and, with `order`, the argument
    order) Keras 3 gives this class, where one base class serves several ranks: `Conv2D(8, 3)` has
    `strides=(1, 1)` and `Conv3D` has `strides=(1, 1, 1)`, so positional calls and `inspect.signature`
    mean the same as in Keras. The arguments are bound to that signature, then passed by name."""
    def decorate(cls):
        base_init = cls.__init__
        signature = inspect.signature(base_init)
        parameters = [p.replace(default=defaults[p.name]) if p.name in defaults else p
                      for p in signature.parameters.values()]
        if order is not None:
            by_name = {p.name: p for p in parameters}
            named = [by_name[name] for name in order]
            parameters = [parameters[0]] + named + [p for p in parameters[1:] if p.name not in order]
        signature = signature.replace(parameters=parameters)

        @functools.wraps(base_init)
        def __init__(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            named = dict(bound.arguments)
            named.pop(parameters[0].name)
            extra = named.pop(parameters[-1].name) if parameters[-1].kind == parameters[-1].VAR_KEYWORD else {}
            base_init(self, **named, **extra)

        __init__.__signature__ = signature
        cls.__init__ = __init__
        return cls
    return decorate


def no_flash_attention(layer, flash_attention):
    """Attention layers: `flash_attention=True` is refused at construction (see ops.nn.NO_FLASH_ATTENTION);
    None (automatic) and False mean the same here: plain attention."""
    if flash_attention:
        raise RuntimeError(f"{_label(layer)}: {NO_FLASH_ATTENTION}")


def only_default(layer, **options):
    """Keras options kerasbook does not implement (`lora_rank`, `quantization_config`, ...), accepted at
    their default: `options` maps each name to `(value received, Keras's default)`. Another value is
    refused, naming the layer, rather than silently ignored."""
    for name, (value, default) in options.items():
        if value is not default and value != default:
            raise NotImplementedError(f"{_label(layer)}: kerasbook does not implement `{name}`; only its "
                                      f"default ({default!r}) is accepted. Received: {name}={value!r}")
