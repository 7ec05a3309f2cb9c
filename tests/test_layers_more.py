"""Layers added for issue 17's coverage goal (RMSNormalization, EinsumDense, adaptive pooling), beyond
what tests/test_layer_conformance.py compares case by case: .keras files both ways with Keras 3, the
kernel's initial spread, the errors Keras raises, and a model that trains."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

rng = np.random.default_rng(3)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-4, rtol=1e-4)


def small_model(k):
    """Images -> adaptive pooling to 3x3 -> per-position projection to (heads, dim) by EinsumDense ->
    RMS normalization over both -> adaptive max pooling of the 9 positions into 2."""
    x = k.Input((7, 5, 2))
    h = k.layers.AdaptiveAveragePooling2D(3)(x)
    h = k.layers.Reshape((9, 2))(h)
    h = k.layers.EinsumDense("abc,cde->abde", (9, 2, 3), bias_axes="de", activation="tanh")(h)
    h = k.layers.RMSNormalization(axis=[2, 3])(h)
    h = k.layers.Reshape((9, 6))(h)
    return k.Model(x, k.layers.AdaptiveMaxPooling1D(2)(h))


def test_files_pass_both_ways(tmp_path):
    data = rng.normal(size=(4, 7, 5, 2)).astype("float32")
    ours, theirs = small_model(kerasbook), small_model(keras)
    ours.set_weights(theirs.get_weights())
    close(ours.predict(data, verbose=0), theirs.predict(data, verbose=0))
    for saver, loader, label in ((ours, keras, "ours"), (theirs, kerasbook, "theirs")):
        saver.save(tmp_path / f"{label}.keras")
        loaded = loader.models.load_model(tmp_path / f"{label}.keras")
        close(loaded.predict(data, verbose=0), saver.predict(data, verbose=0))
        assert [tuple(w.shape) for w in loaded.weights] == [tuple(w.shape) for w in saver.weights]


def test_model_trains():
    model = small_model(kerasbook)
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(32, 7, 5, 2)).astype("float32")
    losses = model.fit(x, np.full((32, 2, 6), 0.5, "float32"), epochs=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_einsum_kernel_spread_counts_the_equations_axes():
    """Glorot over a (64, 8, 16) kernel projecting 64 features onto 8 heads of 16: fan_in 64, fan_out
    128, as Keras counts them (not a convolution's fans of the 3-axis shape), so std sqrt(2 / 192)."""
    layer = kerasbook.layers.EinsumDense("abc,cde->abde", (5, 8, 16))
    layer.build((None, 5, 64))
    np.testing.assert_allclose(np.asarray(layer.kernel.value).std(), (2 / 192) ** 0.5, rtol=0.05)


@pytest.mark.parametrize("equation,message", [("ab,bc", "Invalid einsum equation"),
                                              ("ab,cd->ad", "Weight dimension 'c'"),
                                              ("ab,bc->az", "Dimension 'z'")])
def test_einsum_errors_as_keras(equation, message):
    for k in (kerasbook, keras):
        with pytest.raises(ValueError, match=message):
            k.layers.EinsumDense(equation, 4).build((None, 3))


def test_einsum_bias_axis_must_be_in_the_output():
    for k in (kerasbook, keras):
        with pytest.raises(ValueError, match="Bias dimension 'q'"):
            k.layers.EinsumDense("ab,bc->ac", 4, bias_axes="q").build((None, 3))


def test_adaptive_pooling_output_size_checked():
    with pytest.raises(TypeError, match="output_size"):
        kerasbook.layers.AdaptiveAveragePooling2D((2, 2, 2))


def test_adaptive_pooling_any_input_size_gives_the_output_size():
    layer = kerasbook.layers.AdaptiveAveragePooling2D((7, 7))
    for size in (7, 13, 224):
        assert layer(np.ones((1, size, size, 3), "float32")).shape == (1, 7, 7, 3)
    out = kerasbook.layers.AdaptiveMaxPooling1D(2)(np.arange(5, dtype="float32").reshape(1, 5, 1))
    assert np.asarray(out).ravel().tolist() == [2.0, 4.0]  # bins [0, 3) and [2, 5) overlap at 2


COLOR = [("RandomInvert", {"factor": 0.5}), ("RandomGrayscale", {"factor": 0.5}),
         ("Solarization", {"addition_factor": 0.2, "threshold_factor": 0.5}),
         ("RandomPosterization", {"factor": (2, 5)}), ("RandomSaturation", {"factor": 0.6}),
         ("RandomHue", {"factor": 0.5}), ("RandomColorDegeneration", {"factor": 0.7}),
         ("RandomSharpness", {"factor": 0.8}),
         ("RandomColorJitter", {"brightness_factor": 0.2, "contrast_factor": 0.3, "hue_factor": 0.3})]


def color_model(k):
    """Every colour layer in a row; in inference only AutoContrast acts."""
    return k.Sequential([k.Input((5, 5, 3))] + [getattr(k.layers, name)(seed=4, **kw) for name, kw in COLOR]
                        + [k.layers.AutoContrast()])


def test_color_layers_files_pass_both_ways(tmp_path):
    data = (rng.uniform(size=(3, 5, 5, 3)) * 200 + 20).astype("float32")
    ours, theirs = color_model(kerasbook), color_model(keras)
    expected = theirs.predict(data, verbose=0)
    close(ours.predict(data, verbose=0), expected)
    assert expected.min() == 0 and expected.max() == 255  # stretched by AutoContrast
    for saver, loader, label in ((ours, keras, "ours"), (theirs, kerasbook, "theirs")):
        saver.save(tmp_path / f"{label}.keras")
        loaded = loader.models.load_model(tmp_path / f"{label}.keras")
        assert [layer.get_config()["name"] for layer in loaded.layers] == [l.name for l in saver.layers]
        close(loaded.predict(data, verbose=0), expected)


@pytest.mark.parametrize("name,kwargs", COLOR)
def test_color_layers_follow_their_seed_and_stay_in_range(name, kwargs):
    data = (rng.uniform(size=(64, 4, 4, 3)) * 255).astype("float32")
    first, again, other = (getattr(kerasbook.layers, name)(seed=s, **kwargs) for s in (7, 7, 8))
    out = np.asarray(first(data, training=True))
    np.testing.assert_array_equal(out, np.asarray(again(data, training=True)))
    assert not np.array_equal(out, np.asarray(other(data, training=True)))
    assert out.shape == data.shape
    if name == "RandomSaturation":  # Keras 3.15 clips saturation to value_range, not to [0, 1]: it
        theirs = np.asarray(keras.layers.RandomSaturation(seed=7, **kwargs)(data, training=True))
        assert out.min() < 0 and theirs.min() < 0  # leaves 0..255 too; kerasbook does as Keras does
    else:
        assert out.min() >= 0 and out.max() <= 255
    assert not np.array_equal(out, data)  # some images changed
    np.testing.assert_array_equal(np.asarray(first(data, training=False)), data)


def gqa_block(k, use_gate=False):
    """A decoder-style block: causal grouped-query self-attention (4 query heads sharing 2 key/value
    heads), a residual and RMS normalization."""
    x = k.Input((6, 8))
    attended = k.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2,
                                            use_gate=use_gate)(x, x, use_causal_mask=True)
    return k.Model(x, k.layers.RMSNormalization()(k.layers.Add()([x, attended])))


@pytest.mark.parametrize("use_gate", [False, True])
def test_group_query_attention_files_pass_both_ways_and_train(tmp_path, use_gate):
    x = rng.normal(size=(8, 6, 8)).astype("float32")
    kerasbook.backend.clear_session()  # both name counters afresh: the weights' paths hold the names
    keras.backend.clear_session(free_memory=False)
    ours, theirs = gqa_block(kerasbook, use_gate), gqa_block(keras, use_gate)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    for saver, loader, label in ((ours, keras, "ours"), (theirs, kerasbook, "theirs")):
        saver.save(tmp_path / f"{label}.keras")
        close(loader.models.load_model(tmp_path / f"{label}.keras").predict(x, verbose=0),
              saver.predict(x, verbose=0))
    ours.compile(optimizer="adam", loss="mse")
    losses = ours.fit(x, np.zeros_like(x), epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_group_query_attention_causal_scores_and_shared_heads():
    """Scores: one row per query head, nothing above the diagonal with a causal mask; query heads of
    one group read the same keys (equal queries give equal scores)."""
    layer = kerasbook.layers.GroupQueryAttention(2, 4, 2, use_bias=False)
    x = rng.normal(size=(1, 5, 3)).astype("float32")
    _, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    scores = np.asarray(scores)
    assert scores.shape == (1, 4, 5, 5)
    assert np.all(np.triu(scores[0, 0], 1) == 0)
    np.testing.assert_allclose(scores.sum(-1), 1, rtol=1e-5)
    kernel = np.asarray(layer._query_dense.kernel.value)
    layer._query_dense.kernel.assign(np.repeat(kernel[:, ::2], 2, axis=1))  # heads 0,1 and 2,3 equal
    _, scores = layer(x, x, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(scores)[0, 0], np.asarray(scores)[0, 1], rtol=1e-6)


def test_group_query_attention_refuses_uneven_groups():
    with pytest.raises(ValueError, match="divisible"):
        kerasbook.layers.GroupQueryAttention(4, 6, 4)
