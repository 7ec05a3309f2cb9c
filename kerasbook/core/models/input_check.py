"""Data given to a functional or Sequential model, checked against the model's `Input`s.

`Model(Input((28, 28)) -> Flatten -> Dense(10))` would otherwise accept a batch of shape (2, 784):
Flatten turns both into (2, 784) and the model answers with numbers that mean nothing. So before
the graph runs, each input's shape is compared with its `Input` (the batch axis, the first, may have
any size), and a mismatch is a ValueError naming the model and the input, with both shapes and a hint
(the batch axis missing, or a reshape that would fit).

As in Keras 3, a rank that differs by a trailing axis of size 1 is adjusted instead: data of shape
(5,) fits `Input((1,))`, and (5, 3, 1) fits `Input((3,))`.

The check runs where the graph runs: inside the compiled call (`model(x)`'s `_compiled_call`, `fit`, `evaluate`,
`predict`) that is while JAX traces, once per input signature, so it costs nothing per batch.
"""

import math

import jax.numpy as jnp


def conform(model, given, expected):
    """`given` (arrays, one per input of `model`) with ranks adjusted as Keras does, or a ValueError.

    `expected` are the model's input KerasTensors, whose shapes have None for any size."""
    return [_conform_one(model, index, x, ref) for index, (x, ref) in enumerate(zip(given, expected))]


def check_data(model, given, expected):
    """The same check on whole data sets (`fit`, `evaluate`, `predict`), before they are cut into
    batches: the message then shows the data's own shape, whose first axis holds the samples."""
    for index, (x, ref) in enumerate(zip(given, expected)):
        if hasattr(x, "shape") and _fitted_rank(tuple(x.shape), tuple(ref.shape)) is None:
            raise ValueError(_message(model, index, ref, tuple(x.shape), tuple(ref.shape)))


def _fitted_rank(shape, want):
    """"squeeze" or "expand" (Keras's adjustments of a trailing axis of size 1), "" when `shape`
    fits `want` as it is, None when it does not fit."""
    adjust = ""
    if len(shape) == len(want) + 1 and shape[-1] == 1:
        adjust, shape = "squeeze", shape[:-1]
    elif len(shape) == len(want) - 1 and want[-1] == 1:
        adjust, shape = "expand", shape + (1,)
    if len(shape) != len(want) or any(w is not None and s != w for s, w in zip(shape[1:], want[1:])):
        return None
    return adjust


def _conform_one(model, index, x, ref):
    if not hasattr(x, "shape"):
        return x
    adjust = _fitted_rank(tuple(x.shape), tuple(ref.shape))
    if adjust is None:
        raise ValueError(_message(model, index, ref, tuple(x.shape), tuple(ref.shape)))
    return jnp.squeeze(x, -1) if adjust == "squeeze" else jnp.expand_dims(x, -1) if adjust else x


def _message(model, index, ref, shape, want):
    name = ref._keras_history.operation.name
    sample = want[1:]
    return (f'Model "{model.name}" expects its input {index} ("{name}") to have shape {want}: a batch of '
            f"samples of shape {sample}. It received data of shape {shape}. {_hint(shape, sample)}")


def _hint(shape, sample):
    """What probably went wrong, and the line that fixes it."""
    if shape == sample or (len(shape) == len(sample) and None in sample):
        return ("This looks like one sample without its batch axis: x[None] (or np.expand_dims(x, 0)) "
                "makes it a batch of one.")
    if None not in sample and shape and math.prod(shape[1:]) == math.prod(sample):
        return (f"Each sample has the right number of values ({math.prod(sample)}) in another shape: "
                f"x.reshape({(-1,) + sample}) gives the model's shape, if that is how the values are laid out.")
    return f"The first axis is the batch (any size); the other axes of the data must be {sample}."
