"""`GroupQueryAttention` (grouped-query attention, Ainslie et al., 2023), as Keras 3.15 computes it.

Multi-head attention keeps one key and one value projection per query head; grouped-query attention
shares each key/value head among a group of `num_query_heads / num_key_value_heads` query heads, so the
keys and values a language model caches while it generates take that many times less memory (Llama 2
70B, Mistral, Gemma). With as many key/value heads as query heads it is multi-head attention; with one,
multi-query attention.

    query   (batch, Tq, dim) -> q (batch, Tq, num_query_heads, head_dim)       kernel (dim, Hq, head_dim)
    key     (batch, Tv, dim) -> k (batch, Tv, num_key_value_heads, head_dim)   kernel (dim, Hkv, head_dim)
    value   (batch, Tv, dim) -> v (batch, Tv, num_key_value_heads, head_dim)
    k, v repeated on the heads axis to Hq heads (head i uses key/value head i // group size)
    scores = softmax(q . k / sqrt(head_dim))  (batch, Hq, Tq, Tv)
    output = (scores @ v) projected back       (batch, Tq, dim)

The sub-layers are EinsumDense layers with Keras's names (query, key, value, attention_output, gate),
so `.keras` files pass both ways. (As Keras's, the class is GroupedQueryAttention, which names the layer
and its group in weights files, and is exported and saved as GroupQueryAttention.) Building from three
input shapes, the masks, the softmax and the weights' options are MultiHeadAttention's, from their
shared base `_ProjectedAttention` (multi_head_attention.py).
"""

import math

import jax.numpy as jnp

from kerasbook.core.layers import arguments, weight_options
from kerasbook.core.layers.activations import Softmax
from kerasbook.core.layers.einsum_dense import EinsumDense
from kerasbook.core.layers.multi_head_attention import _ProjectedAttention
from kerasbook.core.layers.regularization import Dropout


class GroupedQueryAttention(_ProjectedAttention):
    """`layer(query, value)` (key = value unless given): `(batch, Tq, dim)` -> `(batch, Tq, dim)`;
    `return_attention_scores=True` also returns the scores `(batch, num_query_heads, Tq, Tv)`. Masks as
    MultiHeadAttention's (`query_mask`, `value_mask`, `key_mask`, `attention_mask`, `use_causal_mask`,
    and the inputs' own); `sliding_window=w` lets a position attend only to positions less than `w`
    away; `use_gate=True` multiplies the heads by a sigmoid gate computed from the query."""

    _export_name = "GroupQueryAttention"  # the name Keras exports and saves it under

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        arguments.no_flash_attention(self, flash_attention)
        self.head_dim = arguments.positive_int(self, "head_dim", head_dim)
        self.num_query_heads = arguments.positive_int(self, "num_query_heads", num_query_heads)
        self.num_key_value_heads = arguments.positive_int(self, "num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = arguments.fraction(self, "dropout", dropout)
        self.use_bias, self.use_gate, self.sliding_window, self.seed = use_bias, use_gate, sliding_window, seed
        weight_options.keep(self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)
        self.supports_masking = True

    # -- building (from three shapes: _ProjectedAttention.build) -----------------------------------
    def _projection(self, equation, output_shape, bias_axes, name, activation=None):
        """An EinsumDense sharing this layer's initializers (fresh copies), regularizers, constraints."""
        return EinsumDense(equation, output_shape, activation=activation,
                           bias_axes=bias_axes if self.use_bias else None, name=name,
                           kernel_initializer=type(self.kernel_initializer).from_config(
                               self.kernel_initializer.get_config()),
                           bias_initializer=type(self.bias_initializer).from_config(
                               self.bias_initializer.get_config()),
                           kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                           activity_regularizer=self.activity_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)

    def _build_projections(self, query_shape, value_shape, key_shape):
        """query, key, value, (gate,) attention_output: EinsumDense layers with the kernels the module
        docstring shows."""
        hq, hkv, size = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._projection("bqm,muh->bquh", (None, hq, size), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", (None, hkv, size), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", (None, hq, size), "uh", "gate", "sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection("bkm,mvh->bkvh", (None, hkv, size), "vh", "value")
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed)
        self._output_dense = self._projection("bquh,uhm->bqm", (None, query_shape[-1]), "m", "attention_output")
        self._output_dense.build((None, None, hq, size))

    # -- the computation -----------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        keep = self._attention_mask(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                                    use_causal_mask)
        if self.sliding_window is not None:
            distance = jnp.abs(jnp.arange(query.shape[1])[:, None] - jnp.arange(value.shape[1])[None, :])
            near = (distance < self.sliding_window)[None]
            keep = near if keep is None else keep & near
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query) * (1.0 / math.sqrt(self.head_dim))
        k = jnp.repeat(self._key_dense(key), self.num_repeats, axis=2)     # (batch, Tv, Hq, head_dim)
        v = jnp.repeat(self._value_dense(value), self.num_repeats, axis=2)
        scores = jnp.einsum("bquh,bkuh->buqk", q, k)
        keep = None if keep is None else keep[:, None]
        scores, attended = self._normalize_scores(scores, keep, training,
                                                  exact_masking=return_attention_scores or self.dropout > 0)
        heads = jnp.einsum("buqk,bkuh->bquh", attended, v)
        outputs = self._output_dense(heads if gate is None else heads * gate)
        return (outputs, scores) if return_attention_scores else outputs

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        return query_shape

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "sliding_window": self.sliding_window, "dropout": self.dropout,
                **weight_options.config(self, activity=True), "seed": self.seed}


GroupQueryAttention = GroupedQueryAttention
