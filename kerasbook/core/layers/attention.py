"""Attention layers: each position of a query sequence takes a weighted mean of a value sequence, the
weights (attention scores, which sum to 1) saying how well the query matches each key.

- `Attention` (Luong): scores are dot products `query @ key^T` (optionally scaled by a learned number).
- `AdditiveAttention` (Bahdanau): scores are `sum(scale * tanh(query + key))`.
- `MultiHeadAttention` (the transformer's): query, key and value are first projected into
  `num_heads` smaller spaces, each head attends on its own, and the heads are projected back.

Shapes: query `(batch, Tq, dim)`, value `(batch, Tv, dim_v)`, key `(batch, Tv, dim_k)` (the value
when not given). Scores are `(batch, Tq, Tv)`, or `(batch, num_heads, Tq, Tv)` for MultiHeadAttention.
Masks say which positions are real: padded value positions get no attention, padded query positions
give zeros (Attention) and pass their mask on.
"""

import jax
import jax.numpy as jnp

from kerasbook.core import random
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments


def causal_mask(query_length, value_length):
    """`(1, Tq, Tv)`: position i of the query may look at value positions 0..i only."""
    rows = jnp.arange(query_length)[:, None]
    cols = jnp.arange(value_length)[None, :]
    return (rows >= cols)[None]


class _DotAndAdditiveBase(Layer):
    """What Attention and AdditiveAttention share: inputs `[query, value]` or `[query, value, key]`,
    masks `[query_mask, value_mask]`, scores -> masked softmax -> weighted mean of the values."""

    def __init__(self, use_scale, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.dropout = arguments.fraction(self, "dropout", dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    @staticmethod
    def _check(inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError("an attention layer takes a list [query, value] or [query, value, key]. "
                             f"Received: {type(inputs).__name__}")

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._check(inputs)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self.scores(query, key)  # (batch, Tq, Tv)
        keep = None if value_mask is None else jnp.asarray(value_mask, bool)[..., None, :]
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = jnp.where(keep, scores, scores - (65504.0 if scores.dtype == jnp.float16 else 1e9))
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        outputs = jnp.matmul(weights, value)
        if query_mask is not None:
            outputs = jnp.where(jnp.asarray(query_mask, bool)[..., None], outputs, 0)
        return (outputs, weights) if return_attention_scores else outputs

    def compute_mask(self, inputs, previous_mask=None):
        if not previous_mask or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "dropout": self.dropout, "seed": self.seed}


class Attention(_DotAndAdditiveBase):
    """Dot-product (Luong) attention: scores `query @ key^T`, times a learned `scale` with
    `use_scale`; `score_mode="concat"` scores `sum(tanh(query + key))` instead."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale, dropout, seed, **kwargs)
        self.score_mode = arguments.one_of(self, "score_mode", score_mode, ("dot", "concat"))

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
                                    if self.score_mode == "concat" else None)

    def scores(self, query, key):
        scale = 1.0 if self.scale is None else self.scale.value
        if self.score_mode == "dot":
            return jnp.matmul(query, jnp.swapaxes(key, -2, -1)) * scale
        summed = jnp.sum(jnp.tanh(scale * (query[..., :, None, :] + key[..., None, :, :])), axis=-1)
        return self.concat_score_weight.value * summed

    def get_config(self):
        return {**super().get_config(), "score_mode": self.score_mode}


class AdditiveAttention(_DotAndAdditiveBase):
    """Additive (Bahdanau) attention: scores `sum(scale * tanh(query + key))`, where `scale` (one
    learned weight per feature, shape `(dim,)`) is used when `use_scale`."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale, dropout, **kwargs)

    def build(self, input_shape):
        self._check(input_shape)
        self.scale = (self.add_weight(name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform")
                      if self.use_scale else None)

    def scores(self, query, key):
        scale = 1.0 if self.scale is None else self.scale.value
        return jnp.sum(scale * jnp.tanh(query[..., :, None, :] + key[..., None, :, :]), axis=-1)
