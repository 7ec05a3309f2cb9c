"""`clone_model` with Keras 3's arguments, beside the real Keras: `input_tensors`, `clone_function`,
`call_function` (layers added around calls) and `recursive` (models inside cloned too)."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle


def functional(k):
    inputs = k.Input((4,), name="x")
    shared = k.layers.Dense(4, name="shared")
    x = shared(k.layers.Dense(4, activation="relu", name="first")(inputs))
    x = shared(x) * 2  # the shared layer called twice, then an op
    return k.Model(inputs, k.layers.Dense(2, name="last")(x), name="net")


def nested(k):
    inner = k.Sequential([k.Input((4,)), k.layers.Dense(3, name="inner_dense")], name="inner")
    inputs = k.Input((4,))
    return k.Model(inputs, k.layers.Dense(2, name="top")(inner(inputs)), name="outer")


def layer_summary(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


def test_clone_has_the_same_graph_and_new_weights_as_keras():
    ours, theirs = kerasbook.models.clone_model(functional(kerasbook)), keras.models.clone_model(functional(keras))
    assert layer_summary(ours) == layer_summary(theirs)
    assert ours.count_params() == theirs.count_params() == 20 + 20 + 10
    assert len(ours.get_layer("shared")._inbound_nodes) == 2  # still shared: one layer, two calls
    original = functional(kerasbook)
    clone = kerasbook.models.clone_model(original)
    assert not any(a is b for a, b in zip(clone.weights, original.weights))
    clone.set_weights(original.get_weights())
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(clone(x), original(x), rtol=1e-6)


def test_call_function_adds_a_dropout_after_each_dense_as_keras():
    def call_function(k):
        def call(layer, *args, **kwargs):
            out = layer(*args, **kwargs)
            return k.layers.Dropout(0.5)(out) if isinstance(layer, k.layers.Dense) else out
        return call

    ours = kerasbook.models.clone_model(functional(kerasbook), clone_function=lambda layer: layer,
                                        call_function=call_function(kerasbook))
    theirs = keras.models.clone_model(functional(keras), clone_function=lambda layer: layer,
                                      call_function=call_function(keras))
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    assert sum(isinstance(layer, kerasbook.layers.Dropout) for layer in ours.layers) == 4  # one per Dense call


def test_clone_function_and_input_tensors():
    def seeded(layer):
        config = layer.get_config()
        if "units" in config:
            config["units"] += 1
        return type(layer).from_config(config)
    model = functional(kerasbook)
    new_input = kerasbook.Input((4,), name="new")
    clone = kerasbook.models.clone_model(model, input_tensors=new_input, clone_function=seeded)
    assert clone.inputs[0] is new_input
    assert clone.get_layer("first").units == 5 and clone.output.shape == (None, 3)


def test_recursive_clones_inner_models_as_keras():
    for recursive in (False, True):
        ours = kerasbook.models.clone_model(nested(kerasbook), recursive=recursive)
        theirs = keras.models.clone_model(nested(keras), recursive=recursive)
        # (an unnamed Input's clone: Keras names it after its tensor, "keras_tensor_26")
        assert layer_summary(ours)[1:] == layer_summary(theirs)[1:]
        assert ours.count_params() == theirs.count_params()
    model = nested(kerasbook)  # layers reused: only a recursive clone makes a new inner model around them
    flat = kerasbook.models.clone_model(model, clone_function=lambda layer: layer)
    deep = kerasbook.models.clone_model(model, clone_function=lambda layer: layer, recursive=True)
    assert flat.get_layer("inner") is model.get_layer("inner")
    assert deep.get_layer("inner") is not model.get_layer("inner")
    assert deep.get_layer("inner").layers[0] is model.get_layer("inner").layers[0]
    inner_original = nested(kerasbook).get_layer("inner")
    seen = []
    kerasbook.models.clone_model(inner_original, clone_function=lambda layer: seen.append(layer.name) or layer)
    assert seen == ["inner_dense"]


def test_call_function_with_a_sequential_model_is_refused_as_keras():
    model = kerasbook.Sequential([kerasbook.Input((2,)), kerasbook.layers.Dense(1)])
    with pytest.raises(ValueError, match="call_function"):
        kerasbook.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
