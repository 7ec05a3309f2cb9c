"""Functional, Sequential and subclassed models, the node graph, and the guides' own figures."""

import jax.numpy as jnp
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers, ops


# -- the node graph ------------------------------------------------------------------------------
def test_shared_layer_output_is_ambiguous_and_get_output_at_names_each_call():
    a = keras.Input(shape=(280, 256))
    b = keras.Input(shape=(280, 256))
    dense = layers.Dense(32)
    encoded_a = dense(a)
    assert dense.output is encoded_a and dense.input is a
    encoded_b = dense(b)
    with pytest.raises(AttributeError, match=r"multiple inbound nodes.*get_output_at\(node_index\)"):
        dense.output
    assert dense.get_output_at(0) is encoded_a and dense.get_output_at(1) is encoded_b
    assert dense.get_input_at(1) is b
    assert len(dense.inbound_nodes) == 2
    assert dense.input_shape == (None, 280, 256)  # the same at both nodes: well defined


def test_input_shape_at_each_node_of_a_shared_layer():
    a = keras.Input(shape=(32, 32, 3))
    b = keras.Input(shape=(64, 64, 3))
    reshape = layers.Reshape((-1, 3))
    reshape(a)
    assert reshape.input_shape == (None, 32, 32, 3)
    reshape(b)
    with pytest.raises(AttributeError, match=r"get_input_shape_at\(node_index\)"):
        reshape.input_shape
    assert reshape.get_input_shape_at(0) == (None, 32, 32, 3)
    assert reshape.get_input_shape_at(1) == (None, 64, 64, 3)
    assert reshape.get_output_shape_at(1) == (None, 4096, 3)


def test_output_of_a_layer_never_called_is_a_clear_error():
    with pytest.raises(AttributeError, match='"lonely" has never been called.*no defined output'):
        layers.Dense(2, name="lonely").output


def test_outbound_nodes_and_model_called_on_new_inputs_gets_a_node():
    x = keras.Input((4,))
    first = layers.Dense(3)
    h = first(x)
    y = layers.Dense(1)(h)
    assert len(first.outbound_nodes) == 1
    model = keras.Model(x, y)
    z = model(keras.Input((4,)))
    assert z.shape == (None, 1) and len(model.inbound_nodes) == 1
    assert model.get_output_at(0) is z


# -- functional models ---------------------------------------------------------------------------
def _headline_model():
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=16, input_dim=1000, input_length=100)(main_input)
    x = layers.Flatten()(x)
    aux_output = layers.Dense(1, activation="sigmoid", name="aux_output")(x)
    aux_input = keras.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([x, aux_input])
    x = layers.Dense(8, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    return keras.Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])


def test_multi_input_multi_output_model_runs_with_lists_and_dicts():
    model = _headline_model()
    assert model.input_names == ["main_input", "aux_input"]
    assert model.output_names == ["main_output", "aux_output"]
    tokens = np.random.randint(0, 1000, size=(3, 100))
    extra = np.random.rand(3, 5).astype("float32")
    main, aux = model([tokens, extra])
    assert main.shape == (3, 1) and aux.shape == (3, 1)
    by_name = model({"main_input": tokens, "aux_input": extra})
    np.testing.assert_allclose(by_name[0], main, rtol=1e-6)
    with pytest.raises(ValueError, match="unknown"):
        model({"main_input": tokens, "typo": extra})


def test_get_layer_by_name_and_index():
    model = _headline_model()
    assert model.get_layer("aux_output").units == 1
    assert model.get_layer(index=0).name == "main_input"
    with pytest.raises(ValueError, match='No such layer: "nope"'):
        model.get_layer("nope")


def test_dict_inputs_and_outputs():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    out = {"sum": layers.Dense(1, name="s")(layers.concatenate([a, b]))}
    model = keras.Model({"a": a, "b": b}, out)
    result = model({"a": np.ones((4, 2)), "b": np.ones((4, 3))})
    assert set(result) == {"sum"} and result["sum"].shape == (4, 1)


def test_feature_extraction_from_intermediate_outputs():
    inputs = keras.Input((8,))
    h1 = layers.Dense(4, name="h1")(inputs)
    h2 = layers.Dense(2, name="h2")(h1)
    model = keras.Model(inputs, h2)
    extractor = keras.Model(model.inputs, [layer.output for layer in model.layers])
    features = extractor(np.ones((1, 8), "float32"))
    assert [f.shape for f in features] == [(1, 8), (1, 4), (1, 2)]
    one = keras.Model(model.inputs, model.get_layer("h1").output)
    np.testing.assert_allclose(one(np.ones((1, 8))), features[1], rtol=1e-6)


def test_model_as_a_layer_shares_weights():
    encoder_input = keras.Input(shape=(16,))
    encoder = keras.Model(encoder_input, layers.Dense(4)(encoder_input), name="encoder")
    x = keras.Input(shape=(16,))
    y = layers.Dense(16)(encoder(x))
    auto = keras.Model(x, y)
    assert encoder in auto.layers
    assert auto.count_params() == 16 * 4 + 4 + 4 * 16 + 16
    np.testing.assert_allclose(encoder(np.ones((1, 16))), keras.Model(x, encoder.get_output_at(0))(np.ones((1, 16))),
                               rtol=1e-6)


def test_disconnected_graph_and_duplicate_names_fail_at_construction():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    y = layers.add([a, b])
    with pytest.raises(ValueError, match=r'Graph disconnected.*input "b".*\[\'a\'\]'):
        keras.Model(a, y)
    with pytest.raises(ValueError, match='Graph disconnected.*input "b"'):
        keras.Model(a, layers.Dense(2)(b))
    with pytest.raises(ValueError, match="must be symbolic tensors"):  # a ValueError, as in Keras 3
        keras.Model(a, np.ones(3))
    x = keras.Input((3,))
    z = layers.Dense(2, name="twin")(layers.Dense(3, name="twin")(x))
    with pytest.raises(ValueError, match="two different layers named 'twin'.*unique name"):
        keras.Model(x, z)


def test_merge_layers_reject_mismatched_shapes_at_build_time():
    a, b = keras.Input((3,)), keras.Input((4, 5))
    with pytest.raises(ValueError, match=r'"cat" \(Concatenate\).*matching shapes.*\(None, 3\).*\(None, 4, 5\)'):
        layers.Concatenate(name="cat")([a, b])
    with pytest.raises(ValueError, match=r'"plus" \(Add\).*incompatible shapes.*\(None, 3\).*\(None, 4\)'):
        layers.Add(name="plus")([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ValueError, match=r'"sum" \(Add\).*\(None, 3\).*\(None, 4\)'):
        layers.add([keras.Input((3,)), keras.Input((4,))], name="sum")


def test_reshape_that_cannot_hold_the_input_fails_when_the_model_is_built():
    tokens = keras.Input(shape=(24,), dtype="int32")
    x = layers.Embedding(1000, 64)(tokens)
    with pytest.raises(ValueError, match=r'"flat" \(Reshape\).*\(None, 24, 64\).*1536.*1024'):
        layers.Reshape((16 * 64,), name="flat")(x)


# -- Sequential ----------------------------------------------------------------------------------
def test_sequential_equals_the_chain_of_its_layers():
    model = keras.Sequential([layers.Dense(2, activation="relu", name="layer1"),
                              layers.Dense(3, activation="relu", name="layer2"),
                              layers.Dense(4, name="layer3")])
    x = ops.ones((3, 3))
    y = model(x)
    l1, l2, l3 = model.layers
    np.testing.assert_allclose(y, l3(l2(l1(x))), rtol=1e-6)
    assert model.input.shape == (3, 3) and model.output.shape == (3, 4)  # built by a call
    assert len(model.weights) == 6


def test_sequential_add_pop_and_errors():
    model = keras.Sequential(name="my_sequential")
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    model.pop()
    assert len(model.layers) == 2 and model.name == "my_sequential"
    with pytest.raises(ValueError, match="not been built"):
        model.weights
    with pytest.raises(ValueError, match=r'Only layers.*"my_sequential".*3 \(of type int\)'):  # as Keras 3
        model.add(3)
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name=model.layers[0].name))
    model.pop()
    model.pop()
    with pytest.raises(IndexError, match="no layers to pop"):
        model.pop()


def test_sequential_input_first_and_keras2_input_arguments():
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    assert len(model.layers) == 1 and model.output_shape == (None, 2) and model.count_params() == 10
    for first in (layers.Dense(64, activation="relu", input_shape=(16,)),
                  layers.Dense(64, activation="relu", input_dim=16),
                  layers.Dense(64, activation="relu", batch_input_shape=(None, 16))):
        m = keras.Sequential([first])
        assert m.built and m.input_shape == (None, 16) and len(m.weights) == 2
    m = keras.Sequential([layers.Dense(64), layers.Dense(4)])
    m.build((None, 16))
    assert m.output.shape == (None, 4)


def test_sequential_add_after_build_keeps_one_node_per_layer():
    model = keras.Sequential([keras.Input((250, 250, 3)), layers.Reshape((-1,))])
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert all(len(layer.inbound_nodes) == 1 for layer in model.layers)
    model.pop()
    assert model.output.shape == (None, 4) and len(model.layers[-1].outbound_nodes) == 0
    extractor = keras.Model(model.inputs, [layer.output for layer in model.layers])
    assert [o.shape for o in extractor.outputs] == [(None, 187500), (None, 4)]


def test_a_failed_add_or_build_leaves_the_sequential_model_as_it_was():
    """Keras 3 keeps a layer whose add() failed (every later add fails again) and calls each layer once
    more at every build; kerasbook undoes the failed step, so each layer keeps exactly one node."""
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="d")], name="seq")
    with pytest.raises(ValueError, match=r'"bad" \(Reshape\).*\(None, 3\)'):
        model.add(layers.Reshape((5,), name="bad"))
    assert [l.name for l in model.layers] == ["d"] and model.output.shape == (None, 3)
    model.add(layers.Dense(2))
    assert model.output.shape == (None, 2) and all(len(l.inbound_nodes) == 1 for l in model.layers)
    model.build((None, 4))  # already built: nothing happens
    assert all(len(l.inbound_nodes) == 1 for l in model.layers)
    with pytest.raises(ValueError, match=r'"seq" has already been configured to use input shape \(None, 4\)'):
        model.build((None, 5))

    deferred = keras.Sequential([layers.Dense(3), layers.Reshape((5,))])
    with pytest.raises(ValueError, match="cannot reshape"):
        deferred.build((None, 4))
    assert not deferred.built and len(deferred.layers[0].inbound_nodes) == 0
    deferred.pop()
    deferred.build((None, 4))
    assert deferred.layers[0].output.shape == (None, 3) and len(deferred.layers[0].inbound_nodes) == 1


def test_an_unbuilt_layer_rejects_an_input_of_the_wrong_rank_by_name():
    with pytest.raises(ValueError, match=r'"conv" \(Conv2D\).*expected min_ndim=4, found ndim=2.*\(None, 4\)'):
        layers.Conv2D(8, 3, name="conv")(keras.Input((4,)))


# -- subclassed models -----------------------------------------------------------------------------
class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(64, activation="relu")
        self.dense_2 = layers.Dense(10)

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


def test_subclassed_model_tracks_layers_builds_and_summarizes_shapes():
    mlp = MLP()
    mlp.build((None, 32))
    assert len(mlp.weights) == 4 and mlp.count_params() == 32 * 64 + 64 + 64 * 10 + 10
    lines = []
    mlp.summary(print_fn=lines.append)
    assert "(None, 64)" in lines[0] and "(None, 10)" in lines[0]
    assert mlp(jnp.zeros((1, 32))).shape == (1, 10)


def test_model_call_is_jit_compiled_once_per_signature():
    model = keras.Sequential([layers.Dense(3), layers.Dropout(0.5), layers.Dense(1)])
    model(np.ones((2, 4), "float32"))
    traces = []
    original = model.stateless_call

    def counting(*args, **kwargs):
        traces.append(1)
        return original(*args, **kwargs)

    model.stateless_call = counting
    model._clear_jit_cache()
    for _ in range(3):
        model(np.ones((2, 4), "float32"))
    model(np.ones((5, 4), "float32"))
    assert len(traces) == 2


def test_clone_model_has_same_structure_and_new_weights():
    model = _headline_model()
    clone = keras.models.clone_model(model)
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    assert clone.count_params() == model.count_params()
    assert not any(a is b for a, b in zip(clone.weights, model.weights))


def test_input_accepts_an_int_shape_batch_size_batch_shape_name_and_dtype():
    assert keras.Input(shape=(784)).shape == (None, 784)  # old guides write shape=(784): an int
    x = keras.Input(shape=(3,), batch_size=8, dtype="int32", name="tokens")
    assert x.shape == (8, 3) and x.dtype == "int32" and x.name == "tokens"
    assert keras.Input(batch_shape=(16, 10, 5)).shape == (16, 10, 5)
    with pytest.raises(ValueError, match="needs a `shape`"):
        keras.Input()


def test_a_compiled_call_returns_only_the_state_it_changed():
    """Returning a weight unchanged from a compiled call makes XLA copy it (VGG19: 548 MB a call)."""
    import jax
    inputs = keras.Input((4,))
    outputs = layers.BatchNormalization()(layers.Dense(3)(inputs))
    model = keras.Model(inputs, outputs)
    groups = (model.trainable_variables, model.non_trainable_variables)
    specs = tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups)
    x = jax.ShapeDtypeStruct((2, 4), "float32")
    for training, changed in ((False, set()), (True, {"moving_mean", "moving_variance"})):
        _, new_values, _ = jax.eval_shape(model._compiled_call(training), specs, x)
        assert {v.name for v, new in zip(groups[1], new_values) if new is not None} == changed


def test_a_subclass_with_two_positional_arguments_of_its_own_stays_subclassed():
    """VariationalAutoEncoder(784, 64, 32): numbers are the subclass's own arguments, not inputs and
    outputs, so the model is not made functional (it was: 'Functional.__init__() missing inputs')."""
    class Scaled(keras.Model):
        def __init__(self, units, extra, name="scaled", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = Scaled(2, 3)
    assert model(np.ones((1, 4), "float32")).shape == (1, 2)
    assert "Functional" not in [c.__name__ for c in type(model).__mro__]

    class Custom(keras.Model):
        pass

    inputs = keras.Input((4,))
    functional = Custom(inputs, layers.Dense(2)(inputs))
    assert "Functional" in [c.__name__ for c in type(functional).__mro__]
    assert functional.output.shape == (None, 2)
