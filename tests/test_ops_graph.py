"""keras.ops and Python operators on symbolic tensors are nodes of a functional graph, as in Keras 3
(issue 15): the same summaries, the same outputs with the same weights, training, node accessors."""

import numpy as np
import pytest

import kerasbook

import keras  # noqa: E402  (the oracle; tests/conftest.py selects its JAX backend)


def issue_model(k):
    """The issue's example, followed by a Dense layer so that there are weights to copy."""
    x = k.Input((8,))
    y = k.ops.relu(x) * 2 + 1
    y = y[:, :4]
    z = k.ops.concatenate([y, k.ops.mean(x, axis=-1, keepdims=True)], axis=-1)
    return k.Model(x, k.layers.Dense(3)(z))


def operators_model(k):
    """Every Python operator Keras 3 records, with numbers on either side."""
    x = k.Input((4,))
    w = np.arange(8, dtype="float32").reshape(4, 2)
    y = (2 - x) / 3 + 1 / (abs(x) + 1) - (-x) ** 2 * 0.5
    y = (y // 1 + y % 2) @ w
    h = k.layers.Dense(2, name="hidden")(x)
    return k.Model(x, k.ops.sigmoid(y + h) * k.ops.cast(x[:, :2] < 0.5, "float32"))


def comparisons_model(k):
    """`!=` and the logical operators Keras 3 records (`==` it does not: it stays Python's identity)."""
    x = k.Input((4,))
    y = k.layers.Dense(4, name="hidden")(x)
    flags = ((x != 0.5) & (y > 0)) | ~(x < 0.2) ^ (0.1 != y)
    return k.Model(x, k.ops.cast(flags, "float32") + round(y * 3))


BUILDERS = [issue_model, operators_model, comparisons_model]


def _summary(model):
    lines = []
    model.summary(print_fn=lambda text, line_break=False: lines.append(text))
    return "\n".join(lines).rstrip("\n")


@pytest.fixture(autouse=True)
def fresh_names(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich (Keras's table renderer) reads the console width
    kerasbook.backend.clear_session()
    keras.backend.clear_session()


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_summary_lists_the_op_nodes_as_keras_does(builder):
    ours, theirs = builder(kerasbook), builder(keras)
    assert [(type(op).__name__, op.name) for op in ours._operations] == \
        [(type(op).__name__, op.name) for op in theirs._operations]
    assert _summary(ours) == _summary(theirs)
    assert "│ get_item (GetItem)" in _summary(ours) or builder is not issue_model


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_same_outputs_as_keras_with_the_same_weights(builder):
    ours, theirs = builder(kerasbook), builder(keras)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]  # ops are no layers
    ours.set_weights(theirs.get_weights())
    data = np.random.default_rng(0).normal(size=(6, ours.inputs[0].shape[1])).astype("float32")
    expected = np.asarray(theirs.predict(data, verbose=0))
    np.testing.assert_allclose(ours.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours(data), expected, rtol=1e-5, atol=1e-6)


def test_a_model_with_ops_trains_as_in_keras():
    ours, theirs = issue_model(kerasbook), issue_model(keras)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 8)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
    history = ours.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    expected = theirs.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history, expected, rtol=1e-4)
    assert history[-1] < history[0]


def test_op_nodes_have_outputs_and_feed_feature_extraction():
    x = kerasbook.Input((8,), name="x")
    scaled = kerasbook.ops.relu(x) * 2
    model = kerasbook.Model(x, kerasbook.layers.Dense(3, name="head")(scaled))
    multiply = scaled._keras_history.operation
    assert isinstance(multiply, kerasbook.Operation) and not isinstance(multiply, kerasbook.layers.Layer)
    assert multiply.get_output_at(0) is scaled and multiply.output is scaled
    assert multiply.get_input_at(0)._keras_history.operation.name == "relu"

    features = kerasbook.Model(model.inputs, [op.output for op in model._operations[1:]])
    data = np.linspace(-1, 1, 16, dtype="float32").reshape(2, 8)
    relu_out, multiply_out, head_out = features(data)
    np.testing.assert_allclose(relu_out, np.maximum(data, 0))
    np.testing.assert_allclose(multiply_out, 2 * np.maximum(data, 0))
    np.testing.assert_allclose(head_out, model(data), rtol=1e-6)


def test_a_model_with_ops_is_called_as_a_layer_in_another_model():
    inner = issue_model(kerasbook)
    outer_input = kerasbook.Input((8,))
    outer = kerasbook.Model(outer_input, kerasbook.ops.softmax(inner(outer_input)))
    data = np.ones((2, 8), "float32")
    np.testing.assert_allclose(np.asarray(outer(data)).sum(-1), 1, rtol=1e-6)
    assert [op.name for op in outer._operations][-1] == "softmax"


def test_an_op_on_incompatible_shapes_names_itself_and_both_shapes():
    a, b = kerasbook.Input((3,)), kerasbook.Input((4,))
    with pytest.raises((ValueError, TypeError),
                       match=r'Operation "add" \(ops\.add\) cannot take inputs of shapes \(None, 3\), \(None, 4\)'):
        kerasbook.ops.add(a, b)
    with pytest.raises((ValueError, TypeError), match=r'Operation "multiply_?\d*" \(ops\.multiply\).*\(None, 3\), \(None, 4\)'):
        a * b


def _op_records(model):
    """(class, name, config) of every record of a functional config, as Keras 3 lists them."""
    return [(r["module"], r["class_name"], r["name"], r["config"]) for r in model.get_config()["layers"]
            if r["module"].startswith("keras.src.ops")]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_config_records_the_ops_as_keras_does(builder):
    ours, theirs = builder(kerasbook), builder(keras)
    import json
    theirs_config = json.loads(json.dumps(theirs.get_config()))  # tuples as the file holds them: lists
    assert _op_records(ours) == [(m, c, n, cfg) for m, c, n, cfg in [
        (r["module"], r["class_name"], r["name"], r["config"]) for r in theirs_config["layers"]
        if r["module"].startswith("keras.src.ops")]]
    ours_nodes = [r["inbound_nodes"] for r in json.loads(json.dumps(ours.get_config()))["layers"]]
    assert ours_nodes == [r["inbound_nodes"] for r in theirs_config["layers"]]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_keras_files_with_ops_load_both_ways(builder, tmp_path):
    ours, theirs = builder(kerasbook), builder(keras)
    ours.set_weights(theirs.get_weights())
    data = np.random.default_rng(2).normal(size=(4, ours.inputs[0].shape[1])).astype("float32")
    expected = np.asarray(theirs(data))

    ours.save(tmp_path / "ours.keras")
    loaded_by_keras = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(loaded_by_keras(data), expected, rtol=1e-5, atol=1e-6)
    assert [op.name for op in loaded_by_keras._operations] == [op.name for op in ours._operations]

    theirs.save(tmp_path / "theirs.keras")
    loaded = kerasbook.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(loaded(data), expected, rtol=1e-5, atol=1e-6)
    assert [(type(op).__name__, op.name) for op in loaded._operations] == \
        [(type(op).__name__, op.name) for op in theirs._operations]
    assert _summary(loaded) == _summary(theirs)


def test_kerasbook_rebuilds_a_keras_config_made_in_memory():
    """Keras's get_config() in memory holds tuples (a file holds lists): both rebuild."""
    theirs = issue_model(keras)
    rebuilt = kerasbook.Model.from_config(theirs.get_config())
    rebuilt.set_weights(theirs.get_weights())
    data = np.ones((2, 8), "float32")
    np.testing.assert_allclose(rebuilt(data), theirs(data), rtol=1e-5, atol=1e-6)


def test_a_keras_op_kerasbook_lacks_is_named_on_load():
    config = issue_model(keras).get_config()
    config["layers"][1]["class_name"] = "NoSuchOp"
    with pytest.raises(ValueError, match=r'op "relu" \(NoSuchOp, keras\.ops\.no_such_op\).*kerasbook does not have'):
        kerasbook.Model.from_config(config)


def test_node_graph_shows_an_op_call_as_code_with_its_shapes():
    """A student reads "multiply", what it computes and its shapes; a layer keeps its class name."""
    from kerasbook.viz import node_graph
    source = node_graph(issue_model(kerasbook)).source
    for text in ("<b>multiply</b>", "ops.multiply(relu, 2)", "ops.add(multiply, 1)", "add[:, :4]",
                 "ops.mean(input_layer, axis=-1, keepdims=True)", "in: (None, 8)", "out: (None, 4)",
                 ">Dense<"):
        assert text in source, text


def test_graph_view_selects_an_op_call():
    from kerasbook.widgets import GraphView
    view = GraphView(issue_model(kerasbook))
    view.select("multiply", node_index=0)
    assert "selected multiply [node 0]" in view.fallback_text()


def test_the_ops_of_a_submodule_record_nodes_too():
    """`keras.ops.nn.relu` and `keras.ops.numpy.mean` are Keras 3's public names as well."""
    from kerasbook.ops import nn, numpy as knp
    assert nn.relu is kerasbook.ops.relu and knp.mean is kerasbook.ops.mean
    x = kerasbook.Input((4,))
    y = knp.mean(nn.relu(x), axis=-1)
    assert [type(op).__name__ for op in kerasbook.Model(x, y)._operations] == ["InputLayer", "Relu", "Mean"]


def test_not_equal_records_a_node_and_equal_stays_identity_as_in_keras():
    ours, theirs = kerasbook.Input((3,)), keras.Input((3,))
    for k, x in ((kerasbook, ours), (keras, theirs)):
        other = k.Input((3,))
        assert (x == x) is True and (x == other) is False and (x == 1.0) is False
        assert (x != other)._keras_history.operation.name.startswith("not_equal")
        assert type((x != 1.0)._keras_history.operation).__name__ == "NotEqual"


def test_keras_tensors_stay_usable_as_dict_keys_and_in_lists():
    """The engine keeps symbolic tensors in dicts and looks for them in lists (`x in outputs`)."""
    a, b = kerasbook.Input((2,)), kerasbook.Input((2,))
    seen = {a: "a", b: "b"}
    assert seen[a] == "a" and hash(a) == object.__hash__(a)
    assert a in [b, a] and b not in [a] and [a, b].index(b) == 1
    y = kerasbook.layers.Dense(2)(a) != b
    model = kerasbook.Model([a, b], y)  # the graph walk finds its inputs among the tensors it keeps
    assert model.inputs == [a, b]


def test_einsum_records_its_subscripts_as_keras_does_and_loads_both_ways(tmp_path):
    """`einsum(subscripts, *operands)`: the subscripts are the op's option (its config), the operands
    the node's arguments; such a node runs again after a round trip through a .keras file."""
    def build(k):
        x = k.Input((4,))
        return k.Model(x, k.ops.einsum("bi,bj->bij", x, k.layers.Dense(3, name="d")(x)))
    ours, theirs = build(kerasbook), build(keras)
    ours.set_weights(theirs.get_weights())
    assert _op_records(ours) == _op_records(theirs)
    data = np.random.default_rng(3).normal(size=(2, 4)).astype("float32")
    expected = np.asarray(theirs(data))
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "ours.keras")(data), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kerasbook.models.load_model(tmp_path / "theirs.keras")(data), expected, rtol=1e-5,
                               atol=1e-6)
