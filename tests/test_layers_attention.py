"""MultiHeadAttention, Attention and AdditiveAttention against Keras 3 with the same weights: outputs,
attention scores, masks (carried, given, causal), configs, weights' shapes and `.keras` files."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle
from layer_twins import assert_same_config, same_weights, twins

rng = np.random.default_rng(0)
Q = rng.normal(size=(2, 4, 5)).astype("float32")
V = rng.normal(size=(2, 6, 7)).astype("float32")
K = rng.normal(size=(2, 6, 3)).astype("float32")
QUERY_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
VALUE_MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], bool)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=2e-6)


def built_twins(name, call, *args, **kwargs):
    """The two layers, Keras's called first by `call(layer)` to build it, ours given its weights."""
    ours, theirs = twins(name, *args, **kwargs)
    call(theirs)
    call(ours)
    same_weights(ours, theirs)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    return ours, theirs


ATTENTION_MASK = rng.random((2, 4, 6)) > 0.3
MHA_CALLS = [("self", (Q, Q), {}), ("cross", (Q, V), {}), ("key", (Q, V, K), {}),
             ("value_mask", (Q, V), {"value_mask": VALUE_MASK}),
             ("key_mask", (Q, V, K), {"key_mask": VALUE_MASK}),
             ("attention_mask", (Q, V), {"attention_mask": ATTENTION_MASK}),
             ("causal", (Q, Q), {"use_causal_mask": True}),
             ("causal+value_mask", (Q, Q), {"value_mask": QUERY_MASK, "use_causal_mask": True})]


@pytest.mark.parametrize("label,args,call_kwargs", MHA_CALLS, ids=[c[0] for c in MHA_CALLS])
@pytest.mark.parametrize("kwargs", [{}, {"value_dim": 3, "output_shape": 8, "use_bias": False}])
def test_multi_head_attention_equals_keras(label, args, call_kwargs, kwargs):
    call = lambda layer, scores=True: layer(*args, return_attention_scores=scores, **call_kwargs)
    ours, theirs = built_twins("MultiHeadAttention", call, 3, 4, **kwargs)
    (out, scores), (expected, expected_scores) = call(ours), call(theirs)
    close(out, expected)
    close(scores, expected_scores)
    if "value_dim" not in kwargs:  # Keras 3.15's fused path (taken without scores) fails on value_dim != key_dim
        close(call(ours, False), call(theirs, False))
    else:
        close(call(ours, False), out)
    assert_same_config(ours, theirs)


def test_multi_head_attention_query_mask_leaves_masked_queries_out():
    """Keras 3.15 ignores a query_mask given by hand; kerasbook uses it as documented: a masked query
    position attends to nothing (its scores are 0, its output the output projection's bias)."""
    layer = kerasbook.layers.MultiHeadAttention(2, 4, bias_initializer="ones")
    out, scores = layer(Q, V, query_mask=QUERY_MASK, return_attention_scores=True)
    assert np.all(np.asarray(scores)[0, :, 3] == 0) and np.all(np.asarray(scores)[1].sum(-1) > 0.999)
    np.testing.assert_allclose(np.asarray(out)[0, 3], 1.0)


def test_multi_head_attention_over_images_equals_keras():
    images = rng.normal(size=(2, 3, 4, 6)).astype("float32")
    call = lambda l: l(images, images, return_attention_scores=True)
    ours, theirs = built_twins("MultiHeadAttention", call, 2, 3)
    (out, scores), (expected, expected_scores) = call(ours), call(theirs)
    assert scores.shape == (2, 2, 3, 4, 3, 4)
    close(out, expected)
    close(scores, expected_scores)


def test_multi_head_attention_uses_the_mask_an_embedding_carries():
    tokens = np.array([[3, 5, 2, 0, 0], [4, 1, 1, 7, 2]])

    def model(k):
        x = k.Input((5,), dtype="int32")
        e = k.layers.Embedding(10, 6, mask_zero=True)(x)
        return k.Model(x, k.layers.MultiHeadAttention(2, 3)(e, e))

    ours, theirs = model(kerasbook), model(keras)
    ours.set_weights(theirs.get_weights())
    real = tokens != 0  # padded query positions attend to nothing: their outputs are arbitrary in Keras
    close(ours.predict(tokens, verbose=0)[real], theirs.predict(tokens, verbose=0)[real])
    unmasked = model(kerasbook)  # the mask matters: without it, real positions attend to padding too
    unmasked.set_weights(theirs.get_weights())
    assert not np.allclose(unmasked.predict(np.where(real, tokens, 9), verbose=0)[real],
                           ours.predict(tokens, verbose=0)[real], atol=1e-4)


def transformer_block(k):
    """The Keras examples' small transformer block: attention, residuals, layer norms, feed-forward."""
    x = k.Input((6, 8))
    attended = k.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(x, x)
    x1 = k.layers.LayerNormalization(epsilon=1e-6)(k.layers.Add()([x, attended]))
    ff = k.layers.Dense(8)(k.layers.Dense(16, activation="relu")(x1))
    return k.Model(x, k.layers.LayerNormalization(epsilon=1e-6)(k.layers.Add()([x1, ff])))


def test_transformer_block_file_passes_both_ways_and_trains(tmp_path):
    x = rng.normal(size=(16, 6, 8)).astype("float32")
    ours, theirs = transformer_block(kerasbook), transformer_block(keras)
    ours.set_weights(theirs.get_weights())
    close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    close(keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0), ours.predict(x, verbose=0))
    close(kerasbook.models.load_model(tmp_path / "theirs.keras").predict(x, verbose=0), theirs.predict(x, verbose=0))
    ours.compile(optimizer="adam", loss="mse")
    losses = ours.fit(x, np.zeros_like(x), epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


DOT_CALLS = [
    ("pair", lambda l: l([Q, Q[:, :3] + 1], return_attention_scores=True)),
    ("key", lambda l: l([Q, V[..., :5], K[..., :1] + V[..., :5]], return_attention_scores=True)),
    ("masks", lambda l: l([Q, Q[:, ::-1]], mask=[QUERY_MASK, QUERY_MASK[::-1]], return_attention_scores=True)),
    ("causal", lambda l: l([Q, Q], use_causal_mask=True, return_attention_scores=True)),
]


@pytest.mark.parametrize("label,call", DOT_CALLS, ids=[c[0] for c in DOT_CALLS])
@pytest.mark.parametrize("name,kwargs", [("Attention", {}), ("Attention", {"use_scale": True}),
                                         ("Attention", {"score_mode": "concat"}),
                                         ("Attention", {"score_mode": "concat", "use_scale": True}),
                                         ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False})])
def test_dot_and_additive_attention_equal_keras(label, call, name, kwargs):
    ours, theirs = built_twins(name, call, **kwargs)
    for layer in (ours, theirs):  # a scale other than its initial ones
        if getattr(layer, "scale", None) is not None:
            layer.scale.assign(np.full(layer.scale.shape, 0.7, "float32"))
    (out, scores), (expected, expected_scores) = call(ours), call(theirs)
    close(out, expected)
    close(scores, expected_scores)
    assert_same_config(ours, theirs)


def test_attention_passes_the_query_mask_on():
    q, v = kerasbook.Input((4, 5)), kerasbook.Input((6, 5))
    masked_q = kerasbook.layers.Masking()(q)
    out = kerasbook.layers.Attention()([masked_q, v])
    assert out._keras_mask is not None and tuple(out._keras_mask.shape) == (None, 4)


@pytest.mark.parametrize("name,kwargs", [("Attention", {"use_scale": True, "score_mode": "concat"}),
                                         ("AdditiveAttention", {})])
def test_dot_and_additive_attention_files_pass_both_ways(tmp_path, name, kwargs):
    def model(k):
        q, v = k.Input((4, 5)), k.Input((6, 5))
        return k.Model([q, v], getattr(k.layers, name)(**kwargs)([q, v]))

    data = [Q, V[..., :5]]
    ours, theirs = model(kerasbook), model(keras)
    ours.set_weights(theirs.get_weights())
    for saver, loader, label in ((ours, keras, "ours"), (theirs, kerasbook, "theirs")):
        saver.save(tmp_path / f"{label}.keras")
        close(loader.models.load_model(tmp_path / f"{label}.keras").predict(data, verbose=0),
              saver.predict(data, verbose=0))


def test_unsupported_options_are_refused():
    with pytest.raises(ValueError, match="sliding_window"):
        kerasbook.layers.MultiHeadAttention(2, 4, sliding_window=3)
    with pytest.raises(ValueError, match="score_mode"):
        kerasbook.layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="list"):
        kerasbook.layers.Attention()(Q)


def test_flash_attention_is_refused_rather_than_ignored():
    """Keras runs a flash kernel or raises ("cuDNN is not detected" on a CPU); kerasbook has no flash
    kernel, so True fails at once, naming where, and None / False (plain attention) work."""
    with pytest.raises(RuntimeError, match='MultiHeadAttention layer "mha": flash_attention=True .*=None or False'):
        kerasbook.layers.MultiHeadAttention(2, 4, flash_attention=True, name="mha")
    with pytest.raises(RuntimeError, match="GroupedQueryAttention layer \"grouped_query_attention\": flash_attention=True"):
        kerasbook.layers.GroupQueryAttention(4, 2, 1, flash_attention=True)
    q = rng.normal(size=(1, 3, 2, 4)).astype("float32")
    with pytest.raises(RuntimeError, match="ops.dot_product_attention: flash_attention=True"):
        kerasbook.ops.dot_product_attention(q, q, q, flash_attention=True)
    with pytest.raises(RuntimeError, match=r"\(ops.dot_product_attention\) .* flash_attention=True"):
        kerasbook.ops.dot_product_attention(kerasbook.Input((3, 2, 4)), q, q, flash_attention=True)
    for off in (None, False):
        close(kerasbook.ops.dot_product_attention(q, q, q, flash_attention=off),
              keras.ops.dot_product_attention(q, q, q, flash_attention=off))
        assert kerasbook.layers.MultiHeadAttention(2, 4, flash_attention=off)(Q, Q).shape == (2, 4, 5)
        assert kerasbook.layers.GroupQueryAttention(4, 2, 1, flash_attention=off)(Q, Q).shape == (2, 4, 5)
