"""Activation functions by Keras's names: `Dense(64, activation="relu")`.

Each is a function of a tensor (the non-linearity between layers); `get` turns a name (or a function,
or None for "linear") into one, and `serialize` gives back the name a model config stores.
"""

import jax
import jax.numpy as jnp

from kerasbook.core.ops import nn


def linear(x):
    """The identity: a layer without activation is linear."""
    return jnp.asarray(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """`max(x, 0)`. Options as Keras: values up to `threshold` become 0, then everything is clipped to
    `[0, max_value]`, and values below `threshold` get `negative_slope * (x - threshold)`."""
    x = jnp.asarray(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return jax.nn.relu(x)
    out = jnp.where(x > threshold, x, 0.0)
    if max_value is not None:
        out = jnp.clip(out, 0.0, max_value)
    if negative_slope:
        out = out - negative_slope * jax.nn.relu(threshold - x)
    return out


def relu6(x):
    return nn.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return nn.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    return nn.elu(x, alpha)


def celu(x, alpha=1.0):
    return nn.celu(x, alpha)


def selu(x):
    """Scaled ELU: keeps activations at zero mean and unit variance (with `lecun_normal` weights)."""
    return nn.selu(x)


def gelu(x, approximate=False):
    return nn.gelu(x, approximate=approximate)


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times the sigmoid of the second half."""
    return nn.glu(x, axis=axis)


def sigmoid(x):
    """`1 / (1 + exp(-x))`: a probability for binary classification."""
    return nn.sigmoid(x)


def hard_sigmoid(x):
    return nn.hard_sigmoid(x)


def sparse_sigmoid(x):
    return nn.sparse_sigmoid(x)


def log_sigmoid(x):
    return nn.log_sigmoid(x)


def silu(x):
    """`x * sigmoid(x)` (also called swish)."""
    return nn.silu(x)


def hard_silu(x):
    return nn.hard_silu(x)


def softmax(x, axis=-1):
    """Exponentials normalized to sum to 1 along `axis`: class probabilities."""
    return nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis=axis)


def sparsemax(x, axis=-1):
    return nn.sparsemax(x, axis=axis)


def softplus(x):
    """`log(1 + exp(x))`: a smooth relu."""
    return nn.softplus(x)


def softsign(x):
    return nn.softsign(x)


def sparse_plus(x):
    return nn.sparse_plus(x)


def squareplus(x, b=4):
    return nn.squareplus(x, b)


def tanh(x):
    return jnp.tanh(x)


def hard_tanh(x):
    return nn.hard_tanh(x)


def tanh_shrink(x):
    return nn.tanh_shrink(x)


def soft_shrink(x, threshold=0.5):
    return nn.soft_shrink(x, threshold)


def hard_shrink(x, threshold=0.5):
    return nn.hard_shrink(x, threshold)


def threshold(x, threshold, default_value):
    return nn.threshold(x, threshold, default_value)


def exponential(x):
    return jnp.exp(x)


def mish(x):
    """`x * tanh(softplus(x))`."""
    return jax.nn.mish(jnp.asarray(x))


swish = silu
hard_swish = hard_silu

_BY_NAME = {fn.__name__: fn for fn in [
    linear, relu, relu6, leaky_relu, elu, celu, selu, gelu, glu, sigmoid, hard_sigmoid, sparse_sigmoid,
    log_sigmoid, silu, hard_silu, softmax, log_softmax, sparsemax, softplus, softsign, sparse_plus,
    squareplus, tanh, hard_tanh, tanh_shrink, soft_shrink, hard_shrink, threshold, exponential, mish]}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}


def get(identifier):
    """`None` -> linear; a name ("relu") -> that function; a function -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier) or _ALIASES.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation {identifier!r}. "
                             f"Known activations: {', '.join(sorted([*_BY_NAME, *_ALIASES]))}.")
        return fn
    if isinstance(identifier, dict):  # Keras 3's serialized form of a function (maybe a registered one)
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation {identifier!r}: expected a name, a function or "
                     "None.")


def serialize(activation):
    """The name Keras writes in a config ("relu"; swish is "silu"); a custom function is written as
    its serialized record."""
    name = getattr(activation, "__name__", None)
    if _BY_NAME.get(name) is activation:
        return name
    if activation in _ALIASES.values():
        return activation.__name__
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    """A name or a serialized record -> the function (`custom_objects` maps names to your own)."""
    if isinstance(config, dict) and "class_name" not in config and "value" in config:
        config = {"class_name": "__lambda__", "config": config}  # how Keras writes a lambda activation
    name = config.get("config") if isinstance(config, dict) else config
    if custom_objects and isinstance(name, str) and name in custom_objects:
        return custom_objects[name]
    if isinstance(config, dict) and (not isinstance(name, str) or name not in _BY_NAME and name not in _ALIASES):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        return deserialize_keras_object(config, custom_objects)  # a registered custom function
    return get(name)
