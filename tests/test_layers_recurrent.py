"""Recurrent layers against Keras 3: same weights, same numbers; masks; Bidirectional."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

X = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
CASES = [(name, kwargs) for name in ["SimpleRNN", "LSTM", "GRU"]
         for kwargs in ({}, {"return_sequences": True}, {"go_backwards": True, "return_sequences": True},
                        {"return_state": True}, {"activation": "relu", "use_bias": False})]
CASES.append(("GRU", {"reset_after": False}))


def _list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_recurrent_layers_equal_keras(name, kwargs):
    theirs = getattr(keras.layers, name)(5, **kwargs)
    ours = getattr(kerasbook.layers, name)(5, **kwargs)
    expected = _list(theirs(X))
    ours.build(X.shape)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    for a, b in zip(_list(ours(X)), expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
    symbolic = _list(ours(kerasbook.Input((None, 4))))
    assert [s.shape[1:] for s in symbolic] == [tuple(b.shape[1:]) if len(b.shape) == 2 else (None,) + tuple(b.shape[2:])
                                               for b in expected]


def test_initial_state_equals_keras():
    state = np.random.default_rng(1).normal(size=(3, 5)).astype("float32")
    theirs, ours = keras.layers.GRU(5), kerasbook.layers.GRU(5)
    expected = theirs(X, initial_state=[state])
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X, initial_state=[state])), np.asarray(expected), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_padded_sequence_with_a_mask_equals_the_unpadded_one(layer):
    inputs = kerasbook.Input((None,), dtype="int32")
    model = kerasbook.Model(inputs, getattr(kerasbook.layers, layer)(3)(
        kerasbook.layers.Embedding(10, 4, mask_zero=True)(inputs)))
    np.testing.assert_allclose(np.asarray(model(np.array([[1, 2, 3, 0, 0]]))),
                               np.asarray(model(np.array([[1, 2, 3]]))), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_equals_keras(merge_mode):
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True), merge_mode=merge_mode)
    ours = kerasbook.layers.Bidirectional(kerasbook.layers.LSTM(5, return_sequences=True), merge_mode=merge_mode)
    expected = theirs(X)
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(expected), rtol=1e-5, atol=1e-5)
    assert ours(kerasbook.Input((6, 4))).shape == (None,) + tuple(expected.shape[1:])


def test_recurrent_dropout_only_in_training():
    layer = kerasbook.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = layer(X), layer(X)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b))
    assert not np.allclose(np.asarray(layer(X, training=True)), np.asarray(a))
