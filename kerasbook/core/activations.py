"""Activation functions by Keras's names: `Dense(64, activation="relu")`.

Each is a function of a tensor; `get` turns a name (or a function, or None for "linear") into one.
"""

import jax
import jax.numpy as jnp


def linear(x):
    return jnp.asarray(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    x = jnp.asarray(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return jax.nn.relu(x)
    out = jnp.where(x >= threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else jnp.minimum(out, max_value)


def relu6(x):
    return jax.nn.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(x, negative_slope)


def sigmoid(x):
    return jax.nn.sigmoid(x)


def hard_sigmoid(x):
    return jax.nn.hard_sigmoid(x)


def softmax(x, axis=-1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(x, axis=axis)


def tanh(x):
    return jnp.tanh(x)


def elu(x, alpha=1.0):
    return jax.nn.elu(x, alpha)


def selu(x):
    return jax.nn.selu(x)


def gelu(x, approximate=False):
    return jax.nn.gelu(x, approximate=approximate)


def silu(x):
    return jax.nn.silu(x)


swish = silu


def softplus(x):
    return jax.nn.softplus(x)


def softsign(x):
    return jax.nn.soft_sign(x)


def exponential(x):
    return jnp.exp(x)


def mish(x):
    return jax.nn.mish(x)


_BY_NAME = {fn.__name__: fn for fn in [linear, relu, relu6, leaky_relu, sigmoid, hard_sigmoid, softmax,
                                       log_softmax, tanh, elu, selu, gelu, silu, softplus, softsign,
                                       exponential, mish]}
_BY_NAME["swish"] = silu


def get(identifier):
    """`None` -> linear; a name -> that function; a function -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown activation {identifier!r}. Known: {sorted(_BY_NAME)}.")
        return _BY_NAME[identifier]
    if isinstance(identifier, dict):  # Keras 3's serialized form of a function
        return get(identifier.get("config"))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation {identifier!r}.")


def serialize(activation):
    """The name Keras writes in a config ("relu"); a custom function is written as its record."""
    for name, fn in _BY_NAME.items():
        if fn is activation and name != "swish":
            return name
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)
