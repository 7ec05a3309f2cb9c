"""Recurrent layers against Keras 3: same weights in, same numbers, shapes, names and masks out."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

X = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]], bool)
TOL = dict(rtol=1e-5, atol=1e-5)
SEQ_STATE_BACK = {"return_sequences": True, "return_state": True, "go_backwards": True}
CASES = [("SimpleRNN", {}), ("SimpleRNN", SEQ_STATE_BACK), ("SimpleRNN", {"activation": "relu", "use_bias": False}),
         ("LSTM", {}), ("LSTM", SEQ_STATE_BACK), ("LSTM", {"unit_forget_bias": False, "recurrent_activation": "hard_sigmoid"}),
         ("GRU", {}), ("GRU", {"return_sequences": True, "return_state": True}), ("GRU", {"reset_after": False}),
         ("GRU", {"reset_after": False, "use_bias": False, "go_backwards": True, "return_sequences": True})]


def _list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _close(ours, theirs):
    ours, theirs = _list(ours), _list(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOL)


def _copy_weights(ours, theirs, shape):
    ours.build(shape)
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    assert set(ours.get_config()) == set(theirs.get_config())


@pytest.mark.parametrize("name,kwargs", CASES)
def test_recurrent_layers_equal_keras_with_and_without_a_mask(name, kwargs):
    theirs = getattr(keras.layers, name)(5, **kwargs)
    ours = getattr(kerasbook.layers, name)(5, **kwargs)
    expected = theirs(X)
    _copy_weights(ours, theirs, X.shape)
    _close(ours(X), expected)
    _close(ours(X, mask=MASK), theirs(X, mask=MASK))
    symbolic = _list(ours(kerasbook.Input((None, 4))))
    assert [s.shape for s in symbolic] == [k.shape for k in _list(theirs(keras.Input((None, 4))))]


def test_initial_state_equals_keras():
    rng = np.random.default_rng(1)
    h, c = rng.normal(size=(2, 3, 5)).astype("float32")
    theirs, ours = keras.layers.LSTM(5, return_state=True), kerasbook.layers.LSTM(5, return_state=True)
    expected = theirs(X, initial_state=[h, c])
    _copy_weights(ours, theirs, X.shape)
    _close(ours(X, initial_state=[h, c]), expected)


def test_encoder_decoder_with_symbolic_initial_state_equals_keras():
    """The seq2seq pattern: the encoder's final states start the decoder."""
    def build(lib):
        encoder_in, decoder_in = lib.Input((None, 4)), lib.Input((None, 3))
        _, h, c = lib.layers.LSTM(5, return_state=True)(encoder_in)
        decoded = lib.layers.LSTM(5, return_sequences=True)(decoder_in, initial_state=[h, c])
        return lib.Model([encoder_in, decoder_in], lib.layers.Dense(2)(decoded))
    theirs, ours = build(keras), build(kerasbook)
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    target = np.random.default_rng(2).normal(size=(3, 7, 3)).astype("float32")
    _close(ours([X, target]), theirs([X, target]))


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_padded_sequence_with_a_mask_equals_the_unpadded_one(layer):
    inputs = kerasbook.Input((None,), dtype="int32")
    outputs = getattr(kerasbook.layers, layer)(3, return_sequences=True)(
        kerasbook.layers.Embedding(10, 4, mask_zero=True)(inputs))
    assert outputs._keras_mask is not None  # the mask goes on with return_sequences
    model = kerasbook.Model(inputs, kerasbook.layers.GlobalAveragePooling1D()(outputs))
    np.testing.assert_allclose(np.asarray(model(np.array([[1, 2, 3, 0, 0]]))),
                               np.asarray(model(np.array([[1, 2, 3]]))), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("merge_mode,kwargs", [("concat", {}), ("ave", {"return_sequences": True}),
                                               (None, {"return_sequences": True, "return_state": True})])
def test_bidirectional_equals_keras(merge_mode, kwargs):
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(5, **kwargs), merge_mode=merge_mode)
    ours = kerasbook.layers.Bidirectional(kerasbook.layers.LSTM(5, **kwargs), merge_mode=merge_mode)
    expected = theirs(X)
    _copy_weights(ours, theirs, X.shape)
    _close(ours(X), expected)
    _close(ours(X, mask=MASK), theirs(X, mask=MASK))
    assert [s.shape for s in _list(ours(kerasbook.Input((6, 4))))] == \
        [s.shape for s in _list(theirs(keras.Input((6, 4))))]


def test_bidirectional_merge_modes_combine_the_two_directions():
    layers = {mode: kerasbook.layers.Bidirectional(kerasbook.layers.GRU(3, return_sequences=True), merge_mode=mode)
              for mode in ("concat", "sum", "mul")}
    layers["concat"].build(X.shape)
    for layer in layers.values():
        layer.build(X.shape)
        layer.set_weights(layers["concat"].get_weights())
    both = np.asarray(layers["concat"](X))
    forward, backward = both[..., :3], both[..., 3:]
    _close([layers["sum"](X), layers["mul"](X)], [forward + backward, forward * backward])


def test_bidirectional_with_backward_layer_and_initial_state_equals_keras():
    states = list(np.random.default_rng(3).normal(size=(2, 3, 5)).astype("float32"))
    theirs = keras.layers.Bidirectional(keras.layers.GRU(5), backward_layer=keras.layers.GRU(
        5, go_backwards=True, reset_after=False))
    ours = kerasbook.layers.Bidirectional(kerasbook.layers.GRU(5), backward_layer=kerasbook.layers.GRU(
        5, go_backwards=True, reset_after=False))
    expected = theirs(X, initial_state=states)
    _copy_weights(ours, theirs, X.shape)
    _close(ours(X, initial_state=states), expected)


@pytest.mark.parametrize("name,shape,kwargs", [
    ("ConvLSTM2D", (2, 3, 5, 6, 2), dict(filters=3, kernel_size=(3, 2), padding="same", return_sequences=True,
                                         return_state=True)),
    ("ConvLSTM2D", (2, 3, 2, 5, 6), dict(filters=3, kernel_size=3, strides=2, data_format="channels_first")),
    ("ConvLSTM1D", (2, 4, 7, 2), dict(filters=3, kernel_size=2, dilation_rate=2, go_backwards=True)),
])
def test_conv_lstm_equals_keras(name, shape, kwargs):
    x = np.random.default_rng(4).normal(size=shape).astype("float32")
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(kerasbook.layers, name)(**kwargs)
    expected = theirs(x)
    _copy_weights(ours, theirs, shape)
    _close(ours(x), expected)
    assert [s.shape for s in _list(ours(kerasbook.Input(shape[1:])))] == \
        [s.shape for s in _list(theirs(keras.Input(shape[1:])))]


def test_rnn_wrapper_runs_builtin_and_custom_cells():
    theirs = keras.layers.RNN(keras.layers.LSTMCell(5), return_sequences=True)
    ours = kerasbook.layers.RNN(kerasbook.layers.LSTMCell(5), return_sequences=True)
    expected = theirs(X, mask=MASK)
    _copy_weights(ours, theirs, X.shape)
    _close(ours(X, mask=MASK), expected)

    class MinimalCell(kerasbook.layers.Layer):  # Keras's custom-cell example: call(inputs, states)
        state_size = 5

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 5), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(5, 5), name="recurrent_kernel")

        def call(self, inputs, states):
            h = kerasbook.ops.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
            return h, [h]

    reference = keras.layers.SimpleRNN(5, use_bias=False)
    custom = kerasbook.layers.RNN(MinimalCell())
    custom.build(X.shape)
    custom.set_weights(reference(X) is not None and reference.get_weights())
    _close(custom(X), reference(X))
    assert custom(kerasbook.Input((None, 4))).shape == (None, 5)


def test_recurrent_dropout_only_in_training_and_cells_step_alone():
    layer = kerasbook.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = layer(X), layer(X)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b))
    assert not np.allclose(np.asarray(layer(X, training=True)), np.asarray(a))
    cell, theirs = kerasbook.layers.GRUCell(4), keras.layers.GRUCell(4)
    h = np.ones((3, 4), "float32")
    expected = theirs(X[:, 0], [h])
    cell.build((3, 4))
    cell.set_weights(theirs.get_weights())
    _close([cell(X[:, 0], [h])[0]], [expected[0]])


def test_stateful_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="stateful"):
        kerasbook.layers.LSTM(3, stateful=True)
