"""Integers and numbers as categories: `CategoryEncoding` (token ids -> one-hot, multi-hot or count
vectors) and `Discretization` (numbers -> the index of their bin). Vocabularies of words or ids are
in `lookup.py` and `text_vectorization.py`."""

import numpy as np
import jax
import jax.numpy as jnp

from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.layers import arguments

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def encode(indices, mode, depth, dtype, count_weights=None):
    """Integer ids `(batch, n)` -> `(batch, depth)` vectors (multi_hot: 1 where an id occurs; count:
    how often, or the sum of `count_weights`; one_hot: `(batch, n, depth)`, a trailing axis of 1
    dropped), as Keras's `encode_categorical_inputs`. `mode="int"` keeps the ids."""
    if mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return jax.nn.one_hot(indices, depth, dtype=dtype)
    one_hot = jax.nn.one_hot(indices, depth, dtype=dtype if count_weights is None else count_weights.dtype)
    axis = 1 if indices.ndim > 1 else 0
    if mode == "multi_hot":
        return jnp.max(one_hot, axis=axis)
    if count_weights is not None:
        one_hot = one_hot * count_weights[..., None]
    return jnp.sum(one_hot, axis=axis)


class CategoryEncoding(Layer):
    """Token ids in `[0, num_tokens)` -> vectors of size `num_tokens`: `"multi_hot"` (default; 1 for
    each id present in a sample), `"one_hot"` (one vector per id) or `"count"` (occurrences, weighted
    by `count_weights` if given). `(batch, n)` -> `(batch, num_tokens)`."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        self.output_mode = arguments.one_of(self, "output_mode", output_mode, OUTPUT_MODES)
        if num_tokens is None:
            arguments.fail(self, "num_tokens must be set to use this layer. If the number of tokens is not "
                                 "known beforehand, use the IntegerLookup layer instead.")
        self.num_tokens = arguments.positive_int(self, "num_tokens", num_tokens)
        if sparse:
            arguments.fail(self, "`sparse=True` needs sparse tensors, which JAX does not have here.")
        self.sparse = False

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("`count_weights` is not used when `output_mode` is not 'count'.")
            count_weights = jnp.asarray(count_weights, self.compute_dtype)
        return encode(jnp.asarray(inputs), self.output_mode, self.num_tokens, self.compute_dtype, count_weights)

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return tuple(input_shape) + (self.num_tokens,)
        return tuple(input_shape[:-1]) + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}


class Discretization(Layer):
    """Numbers -> the index of their bin: with `bin_boundaries=[0., 1., 2.]`, x < 0 -> 0,
    0 <= x < 1 -> 1, 1 <= x < 2 -> 2, x >= 2 -> 3. Or give `num_bins` and call `adapt(data)`: the
    boundaries become quantiles of the data, so each bin holds about as many values (Keras finds
    them with an approximate summary, kerasbook with exact quantiles: nearly the same boundaries).
    `output_mode` "int" (same shape as the input) or one_hot / multi_hot / count as CategoryEncoding.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        self.output_mode = arguments.one_of(self, "output_mode", output_mode, ("int",) + OUTPUT_MODES)
        if sparse:
            arguments.fail(self, "`sparse=True` needs sparse tensors, which JAX does not have here.")
        if num_bins is not None and bin_boundaries is not None:
            arguments.fail(self, f"Both `num_bins` and `bin_boundaries` should not be set. Received: "
                                 f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            arguments.fail(self, "You need to set either `num_bins` or `bin_boundaries`.")
        if num_bins is not None and num_bins < 0:
            arguments.fail(self, f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        self.bin_boundaries, self.num_bins, self.epsilon, self.sparse = bin_boundaries, num_bins, epsilon, False

    def adapt(self, data, steps=None):
        """Boundaries at about the quantiles 1/num_bins, 2/num_bins, ... of `data` (an array or
        batches), found as Keras finds them: each batch is summarized by about 1/epsilon sorted
        values with weights, the summaries are merged, and the boundaries are read off the merged
        summary's cumulative weights. The same numbers as Keras's, batch for batch."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        batches = [data] if hasattr(data, "shape") else list(data)[:steps]
        summary = np.zeros((2, 0), "float32")
        for batch in batches:
            summary = _compress(_merged(_summary(np.asarray(batch, "float32"), self.epsilon), summary), self.epsilon)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or "
                             "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        boundaries = jnp.asarray(self.bin_boundaries, jnp.asarray(inputs).dtype if jnp.issubdtype(
            jnp.asarray(inputs).dtype, jnp.floating) else "float32")
        indices = jnp.digitize(inputs, boundaries).astype("int32")
        dtype = "int32" if self.output_mode == "int" else self.compute_dtype
        return encode(indices, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return tuple(input_shape[:-1]) + (depth,)

    def compute_output_spec(self, inputs):
        """Bin indices are int32 whatever the dtype policy (the encodings are in its compute dtype)."""
        dtype = "int32" if self.output_mode == "int" else self.compute_dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        config = super().get_config()
        config.pop("trainable")  # Keras writes none, and the dtype as a plain name
        config["dtype"] = self.dtype
        return {**config, "bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}

    @classmethod
    def from_config(cls, config):
        """An adapted layer's config holds both `num_bins` and the learned `bin_boundaries`, which the
        constructor refuses together: made with `num_bins`, then given the boundaries (as Keras)."""
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None) if config.get("num_bins") is not None else None
        layer = super().from_config(config)
        if boundaries is not None:
            layer.bin_boundaries = boundaries
        return layer


# -- Discretization's quantile summary (Keras's algorithm, keras/src/layers/preprocessing/discretization.py)
def _summary(values, epsilon):
    """`(2, n)`: every `step`-th sorted value (about 1/epsilon of them) and the count each stands for."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def _merged(summary, previous):
    both = np.concatenate((summary, previous), axis=1)
    return np.take(both, np.argsort(both[0]), axis=1)


def _compress(summary, epsilon):
    """About 1/epsilon values at evenly spaced fractions of the cumulative weight, interpolated."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    weights = summary[1].cumsum()
    new_weights = np.interp(fractions, weights / weights[-1], weights)
    values = np.interp(fractions, weights / weights[-1], summary[0])
    return np.stack((values, new_weights - np.concatenate(([0], new_weights[:-1])))).astype("float32")
