"""Mixed precision as Keras 3: dtype policies, float32 variables with computations in bfloat16 or
float16, autocast inputs, a float32 softmax at the end, configs and `.keras` files both ways."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

POLICIES = ["mixed_float16", "mixed_bfloat16", "float32", "bfloat16"]


@pytest.fixture(autouse=True)
def restore_global_policy():
    yield
    kerasbook.mixed_precision.set_global_policy("float32")
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", POLICIES)
def test_policy_dtypes_equal_keras(name):
    ours, theirs = kerasbook.mixed_precision.DTypePolicy(name), keras.mixed_precision.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype)
    assert ours.get_config() == theirs.get_config()
    assert kerasbook.mixed_precision.Policy is kerasbook.mixed_precision.DTypePolicy
    assert kerasbook.DTypePolicy is kerasbook.mixed_precision.DTypePolicy


def test_a_wrong_policy_name_is_refused_naming_the_layer():
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        kerasbook.mixed_precision.DTypePolicy("mixed_bfloat61")
    with pytest.raises(ValueError, match='Dense layer "d"'):
        kerasbook.layers.Dense(2, dtype="mixed_bfloat61", name="d")


@pytest.mark.parametrize("name", POLICIES)
def test_dense_with_a_policy_equals_keras(name):
    """Variables in the variable dtype, output in the compute dtype, the same numbers (bfloat16 keeps
    about 3 significant digits, float16 about 4)."""
    ours, theirs = kerasbook.layers.Dense(4, dtype=name), keras.layers.Dense(4, dtype=name)
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    expected = theirs(x)
    ours(kerasbook.Input((5,)))
    ours.set_weights(theirs.get_weights())
    got = ours(x)
    for attribute in ("dtype", "compute_dtype", "variable_dtype"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.dtype_policy.name == theirs.dtype_policy.name == name
    assert [w.dtype for w in ours.weights] == [w.dtype for w in theirs.weights]
    assert str(got.dtype) == str(expected.dtype) == ours.compute_dtype
    assert ours(kerasbook.Input((5,))).dtype == theirs(keras.Input((5,))).dtype
    np.testing.assert_allclose(np.asarray(got, "float32"), np.asarray(expected, "float32"), rtol=2e-2, atol=2e-2)
    assert ours.get_config()["dtype"] == theirs.get_config()["dtype"]


def classifier(k):
    """A small classifier ending, as Keras's mixed-precision guide advises, in a float32 softmax."""
    inputs = k.Input((6,), name="x")
    x = k.layers.Dense(8, activation="relu", name="hidden")(inputs)
    x = k.layers.LayerNormalization(name="norm")(x)
    logits = k.layers.Dense(3, name="logits")(x)
    outputs = k.layers.Activation("softmax", dtype="float32", name="probabilities")(logits)
    return k.Model(inputs, outputs)


@pytest.mark.parametrize("name", ["mixed_bfloat16", "mixed_float16"])
def test_global_policy_layer_by_layer_as_keras(name):
    kerasbook.mixed_precision.set_global_policy(name)
    keras.mixed_precision.set_global_policy(name)
    assert kerasbook.mixed_precision.global_policy().name == keras.mixed_precision.global_policy().name == name
    ours, theirs = classifier(kerasbook), classifier(keras)
    for a, b in zip(ours.layers, theirs.layers):
        assert (a.name, a.dtype_policy.name, a.compute_dtype) == (b.name, b.dtype_policy.name, b.compute_dtype)
        if a.name != "x":
            assert a.output.dtype == b.output.dtype, a.name  # bfloat16 inside, float32 at the end
    assert ours.output.dtype == "float32"
    assert {w.dtype for w in ours.weights} == {"float32"}  # the weights stay float32
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    got, expected = ours.predict(x, verbose=0), theirs.predict(x, verbose=0)
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-2)
    layer = kerasbook.layers.Dense(2)
    assert layer.dtype_policy.name == name and kerasbook.layers.Dense(2, dtype="float32").compute_dtype == "float32"


def test_autocast_casts_floating_inputs_only():
    embed = kerasbook.layers.Embedding(10, 4, dtype="mixed_bfloat16")
    ids = np.array([[1, 2, 3]])
    assert str(embed(ids).dtype) == "bfloat16" and embed.embeddings.dtype == "float32"
    frozen = kerasbook.layers.Dense(2, dtype="mixed_bfloat16", autocast=False)
    reference = keras.layers.Dense(2, dtype="mixed_bfloat16", autocast=False)
    x = np.ones((1, 3), "float32")
    assert str(frozen(x).dtype) == str(reference(x).dtype)


def test_fit_under_mixed_bfloat16_keeps_float32_weights():
    kerasbook.mixed_precision.set_global_policy("mixed_bfloat16")
    model = classifier(kerasbook)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(64, 6)).astype("float32"), rng.integers(0, 3, size=(64,))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_configs_record_the_policy_as_keras_writes_it():
    ours = kerasbook.layers.Dense(2, dtype="mixed_bfloat16").get_config()["dtype"]
    theirs = keras.layers.Dense(2, dtype="mixed_bfloat16").get_config()["dtype"]
    assert ours == theirs == {"module": "keras", "class_name": "DTypePolicy",
                              "config": {"name": "mixed_bfloat16"}, "registered_name": None}
    rebuilt = kerasbook.layers.Dense.from_config(keras.layers.Dense(2, dtype="mixed_float16").get_config())
    assert rebuilt.dtype_policy.name == "mixed_float16"


@pytest.mark.parametrize("direction", ["kerasbook to keras", "keras to kerasbook"])
def test_mixed_models_saved_by_one_load_in_the_other(tmp_path, direction):
    maker, loader = (kerasbook, keras) if direction == "kerasbook to keras" else (keras, kerasbook)
    maker.mixed_precision.set_global_policy("mixed_bfloat16")
    model = classifier(maker)
    maker.mixed_precision.set_global_policy("float32")
    path = tmp_path / "mixed.keras"
    model.save(path)
    loaded = loader.models.load_model(path)
    # (the InputLayer's config holds only its input's dtype, so a loaded one has the float32 policy)
    assert [layer.dtype_policy.name for layer in loaded.layers[1:]] == ["mixed_bfloat16"] * 3 + ["float32"]
    assert [layer.dtype_policy.name for layer in model.layers[1:]] == ["mixed_bfloat16"] * 3 + ["float32"]
    assert [w.dtype for w in loaded.weights] == ["float32"] * len(model.weights)
    x = np.random.default_rng(4).normal(size=(4, 6)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=2e-2)


def test_summary_under_a_mixed_policy_equals_keras(monkeypatch):
    """Keras's summary shows no dtypes, mixed or not: kerasbook's is the same text."""
    monkeypatch.setenv("COLUMNS", "200")
    texts = []
    for k in (kerasbook, keras):
        k.backend.clear_session()
        k.mixed_precision.set_global_policy("mixed_bfloat16")
        lines = []
        classifier(k).summary(print_fn=lambda text, line_break=False: lines.append(text))
        texts.append("\n".join(lines).rstrip("\n"))
    assert texts[0] == texts[1]


@pytest.mark.parametrize("name", ["LayerNormalization", "GroupNormalization"])
def test_normalization_statistics_in_float32_under_mixed_float16(name):
    """Values of a few hundred square to more than float16 holds (65,504): Keras takes these layers'
    statistics in float32 (and does not cast their inputs down), so the output is finite and right."""
    kwargs = {"groups": 2} if name == "GroupNormalization" else {}
    ours = getattr(kerasbook.layers, name)(dtype="mixed_float16", **kwargs)
    theirs = getattr(keras.layers, name)(dtype="mixed_float16", **kwargs)
    x = (np.random.default_rng(5).normal(size=(2, 3, 8)) * 300 + 500).astype("float32")
    assert not ours.autocast and not theirs.autocast
    got, expected = ours(x), theirs(x)
    assert str(got.dtype) == str(expected.dtype) == "float16"
    assert np.all(np.isfinite(np.asarray(got, "float32")))
    np.testing.assert_allclose(np.asarray(got, "float32"), np.asarray(expected, "float32"), atol=5e-3)


def _conformance_cases():
    """One case per layer from tests/test_layer_conformance.py, those that are called on data."""
    import test_layer_conformance as conformance
    for name, cases in sorted(conformance.CASES.items()):
        case = cases[0] if isinstance(cases, list) else cases
        if case.inputs is not None:
            yield pytest.param(name, case, id=name)


@pytest.mark.parametrize("name,case", list(_conformance_cases()))
def test_every_layer_outputs_keras_dtypes_under_mixed_bfloat16(name, case):
    """Under the global policy "mixed_bfloat16", each layer's outputs (symbolic and on arrays) have the
    dtypes Keras's twin gives: bfloat16 for computations, int32 for bin indices, ..."""
    import test_layer_conformance as conformance
    kerasbook.backend.clear_session()
    keras.backend.clear_session(free_memory=False)  # (which also resets Keras's global policy)
    for k in (kerasbook, keras):
        k.mixed_precision.set_global_policy("mixed_bfloat16")
    ours, theirs = case.make(kerasbook.layers, name), case.make(keras.layers, name)
    x = conformance.make_inputs(case)
    dtypes = lambda outputs: [str(o.dtype) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    expected = dtypes(conformance.call(theirs, conformance.symbolic_inputs(keras, x), case))
    assert dtypes(conformance.call(ours, conformance.symbolic_inputs(kerasbook, x), case)) == expected
    assert dtypes(conformance.call(ours, x, case, training=False)) == expected
