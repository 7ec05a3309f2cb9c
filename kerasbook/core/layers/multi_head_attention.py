"""`MultiHeadAttention`, the transformer's attention, as Keras 3 computes it.

query `(batch, Tq, dim)` and value `(batch, Tv, dim_v)` (key `(batch, Tv, dim_k)`, the value when
not given) are projected by einsum kernels into `num_heads` heads:

    query_dense   kernel (dim, num_heads, key_dim)      -> q (batch, Tq, num_heads, key_dim)
    key_dense     kernel (dim_k, num_heads, key_dim)    -> k (batch, Tv, num_heads, key_dim)
    value_dense   kernel (dim_v, num_heads, value_dim)  -> v (batch, Tv, num_heads, value_dim)
    scores = softmax(q . k / sqrt(key_dim))             -> (batch, num_heads, Tq, Tv)
    heads  = scores @ v                                 -> (batch, Tq, num_heads, value_dim)
    output_dense  kernel (num_heads, value_dim, out)    -> (batch, Tq, out), out = dim by default

The sub-layers carry Keras's names (query_dense, ...), so `.keras` files pass both ways. Inputs of
higher rank (`(batch, height, width, dim)`) attend over all their middle axes at once.

`_ProjectedAttention` holds what MultiHeadAttention shares with GroupedQueryAttention
(grouped_query_attention.py): building from three input shapes, the masks, the softmax and the
weights' initializers, regularizers and constraints.
"""

import math

import numpy as np
import jax.numpy as jnp

from kerasbook.core.engine import masks
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments, weight_options
from kerasbook.core.layers.activations import Softmax
from kerasbook.core.layers.attention import causal_mask
from kerasbook.core.layers.regularization import Dropout


class _HeadProjection(Layer):
    """An einsum projection: `(..., d) @ (d, heads, size) -> (..., heads, size)`, or back with
    `(..., heads, size) @ (heads, size, d) -> (..., d)` (`merge_heads`). Keras calls it EinsumDense."""

    def __init__(self, kernel_shape, bias_shape, owner, merge_heads=False, **kwargs):
        super().__init__(**kwargs)
        self.kernel_shape, self.bias_shape, self.merge_heads = kernel_shape, bias_shape, merge_heads
        self.kernel = self.add_weight(shape=kernel_shape, initializer=owner.kernel_initializer,
                                      regularizer=owner.kernel_regularizer, constraint=owner.kernel_constraint,
                                      name="kernel")
        self.bias = (self.add_weight(shape=bias_shape, initializer=owner.bias_initializer,
                                     regularizer=owner.bias_regularizer, constraint=owner.bias_constraint,
                                     name="bias") if owner.use_bias else None)
        self.built = True

    def call(self, inputs):
        equation = "...hs,hsd->...d" if self.merge_heads else "...d,dhs->...hs"
        outputs = jnp.einsum(equation, inputs, self.kernel.value)
        return outputs if self.bias is None else outputs + self.bias.value


class _ProjectedAttention(Layer):
    """What every attention layer with learned query, key and value projections shares.

    A subclass's `__init__` keeps the projections' kernel and bias options (`weight_options.keep`),
    its `_build_projections(query_shape, value_shape, key_shape)` makes the sub-layers, its `call`
    computes the attention with `_attention_mask` and `_normalize_scores`, and its `get_config` adds
    `weight_options.config(self, activity=True)`.
    """

    # -- building: three input shapes, so the layer builds itself before Layer.__call__ would -------
    def __call__(self, query, value, key=None, **kwargs):
        if not self.built:
            shape = lambda x: None if x is None else tuple(x.shape)
            self.build(shape(query), shape(value), shape(key))
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """The value's shape defaults to the query's, the key's to the value's; the shapes given are
        remembered for `get_build_config`."""
        value_shape = query_shape if value_shape is None else value_shape
        self._build_projections(query_shape, value_shape, value_shape if key_shape is None else key_shape)
        given = {"query_shape": query_shape, "value_shape": value_shape, "key_shape": key_shape}
        self._shapes = {name: shape for name, shape in given.items() if shape is not None}
        self._build_input_shape = query_shape
        self.built = True

    def get_build_config(self):
        """As Keras writes it: `{"shapes_dict": {"query_shape": ..., "value_shape": ...}}`."""
        return {"shapes_dict": dict(self._shapes)} if self.built else None

    def build_from_config(self, config):
        shapes = config.get("shapes_dict", config)
        if not self.built and shapes.get("query_shape") is not None:
            self.build(*(tuple(shapes[k]) if shapes.get(k) is not None else None
                         for k in ("query_shape", "value_shape", "key_shape")))

    # -- the computation shared -----------------------------------------------------------------
    def _attention_mask(self, query, value, key, query_mask, value_mask, key_mask, attention_mask, causal):
        """`(batch, Tq..., Tv...)` True where attention is allowed, from every mask given or carried."""
        query_mask = masks.get_mask(query) if query_mask is None else query_mask
        value_mask = masks.get_mask(value) if value_mask is None else value_mask
        key_mask = masks.get_mask(key) if key_mask is None and key is not value else key_mask
        query_rank = query.ndim - 2  # positions axes of the query and of the value
        value_rank = value.ndim - 2
        keep = None
        if query_mask is not None:
            keep = jnp.asarray(query_mask, bool).reshape(query_mask.shape + (1,) * value_rank)
        for mask in (value_mask, key_mask):
            if mask is not None:
                mask = jnp.asarray(mask, bool).reshape(mask.shape[:1] + (1,) * query_rank + mask.shape[1:])
                keep = mask if keep is None else keep & mask
        if causal:
            lower = causal_mask(int(np.prod(query.shape[1:-1])), int(np.prod(value.shape[1:-1])))
            lower = lower.reshape((1,) + query.shape[1:-1] + value.shape[1:-1])
            keep = lower if keep is None else keep & lower
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask, bool)
            keep = attention_mask if keep is None else keep & attention_mask
        return None if keep is None else jnp.broadcast_to(
            keep, (query.shape[0],) + query.shape[1:-1] + value.shape[1:-1])

    def _normalize_scores(self, scores, keep, training, exact_masking):
        """Softmax over the value positions, then dropout: scores `(batch, heads, Tq, Tv)` -> `(scores,
        attended)`, the probabilities and those dropout was applied to (what multiplies the values).

        `keep` is `None` or True where attention is allowed, broadcastable to the scores. Keras takes
        two paths: with `exact_masking` (scores returned, dropout, ...) a query position masked whole
        gets scores of 0; on its fused path it attends to all values alike."""
        if exact_masking:
            scores = self._softmax(scores, mask=keep)
        else:
            scores = self._softmax(scores if keep is None else jnp.where(keep, scores, -1e9))
        attended = self._dropout_layer(scores, training=training) if self.dropout > 0 else scores
        return scores, attended


class MultiHeadAttention(_ProjectedAttention):
    """Multi-head attention (Vaswani et al., 2017): `layer(query, value)` for cross-attention,
    `layer(x, x)` for self-attention; `return_attention_scores=True` also returns the scores,
    `(batch, num_heads, Tq, Tv)`. Masks: the inputs' own (from `Embedding(mask_zero=True)`),
    `query_mask`/`value_mask`/`key_mask` (`(batch, T)`), `attention_mask` (`(batch, Tq, Tv)`, True
    where query position i may attend to value position j) and `use_causal_mask` (no looking ahead).

    One departure: Keras 3.15 ignores a `query_mask` passed by hand (it reads only the mask the query
    carries); kerasbook uses it, as Keras documents.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        arguments.no_flash_attention(self, flash_attention)
        self.num_heads = arguments.positive_int(self, "num_heads", num_heads)
        self.key_dim = arguments.positive_int(self, "key_dim", key_dim)
        self.value_dim = key_dim if value_dim is None else arguments.positive_int(self, "value_dim", value_dim)
        self.dropout = arguments.fraction(self, "dropout", dropout)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self.use_bias, self.output_shape_arg, self.seed = use_bias, output_shape, seed
        self.attention_axes = None if attention_axes is None else (
            tuple(attention_axes) if isinstance(attention_axes, (list, tuple)) else (attention_axes,))
        for name, value, default in (("sliding_window", sliding_window, None), ("use_gate", use_gate, False)):
            if value != default:
                arguments.fail(self, f"kerasbook does not support `{name}` ({value!r}).")
        weight_options.keep(self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)
        self.supports_masking = True

    # -- building (from three shapes: _ProjectedAttention.build) -----------------------------------
    def _build_projections(self, query_shape, value_shape, key_shape):
        """query_dense, key_dense, value_dense, output_dense (their kernels as the module docstring
        shows), with attention over every axis between the batch and the features."""
        rank = len(query_shape)
        middle = tuple(range(1, rank - 1))
        if self.attention_axes not in (None, middle, tuple(a - rank for a in middle)):
            raise ValueError(f"kerasbook's MultiHeadAttention attends over all axes between the batch and "
                             f"the features {middle}; received attention_axes={self.attention_axes}.")
        self.attention_axes = middle  # as Keras's config after building
        heads = self.num_heads
        self.query_dense = _HeadProjection((query_shape[-1], heads, self.key_dim), (heads, self.key_dim), self,
                                           name="query")
        self.key_dense = _HeadProjection((key_shape[-1], heads, self.key_dim), (heads, self.key_dim), self,
                                         name="key")
        self.value_dense = _HeadProjection((value_shape[-1], heads, self.value_dim), (heads, self.value_dim), self,
                                           name="value")
        out = self._output_size(query_shape)
        self.output_dense = _HeadProjection((heads, self.value_dim, out), (out,), self, merge_heads=True,
                                            name="attention_output")
        self._softmax = Softmax(axis=-1)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed)

    def _output_size(self, query_shape):
        shape = self.output_shape_arg
        if shape is None:
            return query_shape[-1]
        shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
        if len(shape) != 1:
            raise ValueError(f"kerasbook's MultiHeadAttention takes one output size; received {shape}.")
        return shape[0]

    # -- the computation -----------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        keep = self._attention_mask(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                                    use_causal_mask)
        q, k, v = self.query_dense(query), self.key_dense(key), self.value_dense(value)
        batch, query_positions, value_positions = q.shape[0], q.shape[1:-2], v.shape[1:-2]
        q = q.reshape((batch, -1) + q.shape[-2:]) * (1.0 / math.sqrt(self.key_dim))
        k, v = k.reshape((batch, -1) + k.shape[-2:]), v.reshape((batch, -1) + v.shape[-2:])
        scores = jnp.einsum("bsnh,btnh->bnts", k, q)  # (batch, heads, Tq, Tv)
        if keep is not None:
            keep = keep.reshape(keep.shape[:1] + (-1, int(np.prod(value_positions))))[:, None]
        scores, attended = self._normalize_scores(
            scores, keep, training, exact_masking=return_attention_scores or self.dropout > 0 or query.ndim != 3)
        heads = jnp.einsum("bnts,bsnh->btnh", attended, v).reshape((batch,) + query_positions + v.shape[-2:])
        outputs = self.output_dense(heads)
        if not return_attention_scores:
            return outputs
        return outputs, scores.reshape(scores.shape[:2] + query_positions + value_positions)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "use_gate": False, "output_shape": self.output_shape_arg, "attention_axes": self.attention_axes,
                "sliding_window": None, **weight_options.config(self, activity=True), "seed": self.seed}
