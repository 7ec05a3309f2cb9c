"""The same models built with kerasbook and with the real Keras 3: same shapes, counts and summaries."""

import os

import numpy as np
import pytest

import kerasbook

import keras  # noqa: E402  (the oracle; tests/conftest.py selects its JAX backend)


def sequential_guide(k):
    return k.Sequential([k.layers.Dense(2, activation="relu", name="layer1"),
                         k.layers.Dense(3, activation="relu", name="layer2"),
                         k.layers.Dense(4, name="layer3")])


def headline(k):
    layers = k.layers
    main_input = k.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=512, input_dim=10000)(main_input)
    x = layers.Flatten()(x)
    aux_output = layers.Dense(1, activation="sigmoid", name="aux_output")(x)
    auxiliary_input = k.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([x, auxiliary_input])
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    return k.Model(inputs=[main_input, auxiliary_input], outputs=[main_output, aux_output])


def shared_embedding(k):
    layers = k.layers
    a = k.Input(shape=(16,), dtype="int32", name="a")
    b = k.Input(shape=(16,), dtype="int32", name="b")
    embed = layers.Embedding(1000, 8)
    x = layers.Add()([layers.Flatten()(embed(a)), layers.Flatten()(embed(b))])
    y = layers.Dense(3, activation="softmax")(layers.Dropout(0.5)(x))
    return k.Model([a, b], y)


def autoencoder(k):
    layers = k.layers
    encoder_input = k.Input(shape=(16,), name="img")
    h = layers.Dense(8, activation="relu")(encoder_input)
    encoder = k.Model(encoder_input, layers.Dense(4)(h), name="encoder")
    decoder_input = k.Input(shape=(4,), name="encoded")
    decoder = k.Model(decoder_input, layers.Dense(16)(decoder_input), name="decoder")
    x = k.Input(shape=(16,), name="x")
    return k.Model(x, decoder(encoder(x)), name="autoencoder")


def chain_with_reshape(k):
    layers = k.layers
    inputs = k.Input(shape=(6, 4))
    x = layers.Reshape((24,))(inputs)
    x = layers.Dense(12, use_bias=False)(x)
    x = layers.Reshape((3, 4))(x)
    x = layers.Masking()(x)
    return k.Model(inputs, layers.Activation("tanh")(x))


BUILDERS = [headline, shared_embedding, autoencoder, chain_with_reshape]


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda text, line_break=False: lines.append(text), **kwargs)
    return "\n".join(lines).rstrip("\n")  # Keras hands print_fn a trailing newline


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich (Keras's table renderer) reads the console width


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_same_layers_shapes_and_parameter_counts(builder):
    ours, theirs = builder(kerasbook), builder(keras)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    assert [layer.count_params() for layer in ours.layers] == [layer.count_params() for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    for a, b in zip(ours.outputs, theirs.outputs):
        assert a.shape == tuple(b.shape) and a.dtype == b.dtype
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("options", [{}, {"show_trainable": True}, {"line_length": 80}])
def test_summary_text_equals_keras(builder, options):
    kerasbook.backend.clear_session()
    keras.backend.clear_session()
    ours, theirs = builder(kerasbook), builder(keras)
    assert _summary(ours, **options) == _summary(theirs, **options)


def test_sequential_guide_summary_and_same_numbers_with_same_weights():
    kerasbook.backend.clear_session()
    keras.backend.clear_session()
    ours, theirs = sequential_guide(kerasbook), sequential_guide(keras)
    x = np.ones((3, 3), "float32")
    ours(x), theirs(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6)
    assert _summary(ours) == _summary(theirs)


def test_model_config_matches_keras_shape():
    ours, theirs = headline(kerasbook), headline(keras)
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert [l["class_name"] for l in ours_config["layers"]] == [l["class_name"] for l in theirs_config["layers"]]
    assert ours_config["input_layers"] == [[l[0], l[1], l[2]] for l in theirs_config["input_layers"]] or \
        len(ours_config["input_layers"]) == len(theirs_config["input_layers"])
    rebuilt = kerasbook.Model.from_config(ours_config)
    assert rebuilt.count_params() == ours.count_params()
    assert [l.name for l in rebuilt.layers] == [l.name for l in ours.layers]


def test_keras_functional_config_builds_in_kerasbook():
    theirs = shared_embedding(keras)
    rebuilt = kerasbook.Model.from_config(theirs.get_config())
    assert rebuilt.count_params() == theirs.count_params()
    rebuilt.set_weights(theirs.get_weights())
    x = [np.random.randint(0, 1000, (2, 16)), np.random.randint(0, 1000, (2, 16))]
    np.testing.assert_allclose(rebuilt(x), theirs(x), rtol=1e-6, atol=1e-7)


def test_deferred_sequential_summary_uses_the_batch_it_saw():
    # The guide's S09 figures: 10, 9, 16 parameters; 35 in all; output shapes with batch 1.
    kerasbook.backend.clear_session()
    keras.backend.clear_session()
    model_ours = kerasbook.Sequential([kerasbook.layers.Dense(2, activation="relu"),
                                       kerasbook.layers.Dense(3, activation="relu"),
                                       kerasbook.layers.Dense(4)])
    model_theirs = keras.Sequential([keras.layers.Dense(2, activation="relu"),
                                     keras.layers.Dense(3, activation="relu"), keras.layers.Dense(4)])
    x = np.ones((1, 4), "float32")
    model_ours(x), model_theirs(x)
    assert [layer.count_params() for layer in model_ours.layers] == [10, 9, 16]
    assert _summary(model_ours) == _summary(model_theirs)


@pytest.mark.parametrize("name,kwargs", [("Add", {}), ("Subtract", {}), ("Multiply", {}), ("Average", {}),
                                         ("Maximum", {}), ("Minimum", {}), ("Concatenate", {"axis": 1}),
                                         ("Dot", {"axes": 1}), ("Dot", {"axes": 1, "normalize": True})])
def test_merge_layers_equal_keras(name, kwargs):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 3, 5)).astype("float32")  # two batches of 3 samples, 5 features
    ours = getattr(kerasbook.layers, name)(**kwargs)([a, b])
    theirs = getattr(keras.layers, name)(**kwargs)([a, b])
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)
    symbolic = getattr(kerasbook.layers, name)(**kwargs)([kerasbook.Input(a.shape[1:]), kerasbook.Input(b.shape[1:])])
    assert symbolic.shape == (None,) + tuple(np.asarray(ours).shape[1:])


def test_nested_summary_equals_keras():
    kerasbook.backend.clear_session()
    keras.backend.clear_session()
    assert _summary(autoencoder(kerasbook), expand_nested=True) == _summary(autoencoder(keras), expand_nested=True)


def test_lambda_layer_in_a_functional_model_equals_keras():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    for k in (kerasbook, keras):
        inputs = k.Input((3,))
        model = k.Model(inputs, k.layers.Lambda(lambda t: t * 2 + 1)(inputs))
        np.testing.assert_allclose(np.asarray(model(x)), x * 2 + 1)
        assert model.output_shape == (None, 3)
