"""LossScaleOptimizer against Keras 3: the same steps, skips and scale changes; the same config,
variable paths and saved files; the trainer differentiates the scaled loss.

Keras's own `apply` fails eagerly on JAX (its `cond` branches assign variables), so the oracle runs
through `stateless_apply`, as Keras's JAX trainer does; kerasbook is checked both ways."""

import keras
import numpy as np
import pytest

import kerasbook as kb

# Scaled gradients for one weight vector of 3: a few good steps, an inf and a NaN (both skipped).
GRADS = [[0.5, 1.0, 2.0], [1.0, 1.0, 1.0], [np.inf, 0.0, 1.0], [2.0, 3.0, 4.0], [1.0, -1.0, 1.0],
         [0.1, 0.2, np.nan], [0.1, 0.2, 0.3]]
INNER = {"SGD": lambda lib: lib.optimizers.SGD(0.1, momentum=0.9, name="sgd"),
         "Adam": lambda lib: lib.optimizers.Adam(0.01, name="adam")}


def _lso(lib, inner, **kwargs):
    kwargs = {"initial_scale": 4.0, "dynamic_growth_steps": 2, "name": "loss_scale_optimizer", **kwargs}
    return lib.optimizers.LossScaleOptimizer(INNER[inner](lib), **kwargs)


def _run(lib, inner, stateless):
    """After each step: the weights, then the scale, the good-step counter and the inner steps."""
    w = lib.Variable(np.array([1.0, 2.0, 3.0], "float32"), name="w")
    optimizer = _lso(lib, inner)
    optimizer.build([w])
    rows = []
    for grad in GRADS:
        grad = np.array(grad, "float32") * 4.0  # scaled by the initial scale
        if stateless:
            weights, state = optimizer.stateless_apply([v.value for v in optimizer.variables], [grad], [w.value])
            w.assign(weights[0])
            for variable, value in zip(optimizer.variables, state):
                variable.assign(value)
        else:
            optimizer.apply([grad], [w])
        rows.append([*np.asarray(w.value), float(optimizer.dynamic_scale.value),
                     int(optimizer.step_counter.value), int(optimizer.iterations.value)])
    return np.array(rows), optimizer


@pytest.mark.parametrize("inner", sorted(INNER))
@pytest.mark.parametrize("stateless", [False, True])
def test_steps_match_keras(inner, stateless):
    expected, keras_optimizer = _run(keras, inner, stateless=True)
    got, optimizer = _run(kb, inner, stateless)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # growth after 2 good steps, halving on inf and on NaN with the weights left as they were
    np.testing.assert_array_equal(got[:, 3], [4, 8, 4, 4, 8, 4, 4])
    np.testing.assert_array_equal(got[2, :3], got[1, :3])
    np.testing.assert_array_equal(got[5, :3], got[4, :3])
    assert [v.path for v in optimizer.variables] == [v.path for v in keras_optimizer.variables]
    for ours, theirs in zip(optimizer.variables, keras_optimizer.variables):
        np.testing.assert_allclose(np.asarray(ours.value), np.asarray(theirs.value), rtol=1e-6, atol=1e-6)
        assert str(np.asarray(ours.value).dtype) == str(np.asarray(theirs.value).dtype)


def test_skipped_step_leaves_inner_state_alone():
    w = kb.Variable(np.ones(3, "float32"), name="w")
    optimizer = _lso(kb, "Adam")
    optimizer.apply([np.ones(3, "float32")], [w])
    before = [np.asarray(v.value).copy() for v in optimizer.inner_optimizer.variables] + [np.asarray(w.value)]
    optimizer.apply([np.array([1.0, np.nan, 1.0], "float32")], [w])
    after = [np.asarray(v.value) for v in optimizer.inner_optimizer.variables] + [np.asarray(w.value)]
    for old, new in zip(before, after):
        np.testing.assert_array_equal(new, old)
    assert int(optimizer.iterations.value) == 1 and float(optimizer.dynamic_scale.value) == 2.0


def test_unbuilt_variables_scale_loss_and_delegation():
    ours, theirs = _lso(kb, "Adam"), _lso(keras, "Adam")
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    assert float(ours.scale_loss(3.0)) == float(theirs.scale_loss(3.0)) == 12.0
    assert float(kb.optimizers.Adam().scale_loss(3.0)) == 3.0
    assert ours.iterations is ours.inner_optimizer.iterations
    ours.learning_rate = 0.5
    assert float(np.asarray(ours.inner_optimizer.learning_rate)) == 0.5
    assert (ours.initial_scale, ours.dynamic_growth_steps) == (4.0, 2)


def test_config_and_round_trips():
    ours, theirs = _lso(kb, "Adam"), _lso(keras, "Adam")
    assert ours.get_config() == theirs.get_config()
    assert kb.optimizers.serialize(ours) == keras.optimizers.serialize(theirs)
    for restored in (kb.optimizers.LossScaleOptimizer.from_config(ours.get_config()),
                     kb.optimizers.deserialize(keras.optimizers.serialize(theirs)),
                     kb.optimizers.get(keras.optimizers.serialize(theirs))):
        assert type(restored) is kb.optimizers.LossScaleOptimizer
        assert type(restored.inner_optimizer) is kb.optimizers.Adam
        assert restored.get_config() == theirs.get_config()
    back = keras.optimizers.deserialize(kb.optimizers.serialize(ours))
    assert back.get_config() == theirs.get_config()
    defaults = kb.optimizers.LossScaleOptimizer(kb.optimizers.SGD(name="sgd"), name="lso").get_config()
    assert defaults == keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(name="sgd"), name="lso").get_config()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"inner_optimizer": "adam"}, TypeError, "Received: inner_optimizer='adam'"),
    ({"inner_optimizer": 3}, TypeError, "of type int"),
    ({"dynamic_growth_steps": 0}, ValueError, "dynamic_growth_steps=0"),
    ({"dynamic_growth_steps": 2.5}, ValueError, "integer >= 1"),
    ({"initial_scale": 0}, ValueError, "initial_scale=0"),
    ({"initial_scale": -1.0}, ValueError, "> 0"),
    ({"initial_scale": float("inf")}, ValueError, "finite"),
    ({"clipnorm": 1.0}, ValueError, "does not support `clipnorm`. Instead, set `clipnorm` on the"),
    ({"foo": 1}, ValueError, "does not support arguments: `foo`"),
    ({"dynamic": False}, ValueError, "no longer supports `dynamic=False`"),
])
def test_bad_arguments(kwargs, error, match):
    kwargs = {"inner_optimizer": kb.optimizers.SGD(), **kwargs}
    with pytest.raises(error, match=match):
        kb.optimizers.LossScaleOptimizer(**kwargs)


def test_old_configs_with_base_defaults_load():
    """Older Keras wrote the base optimizer's arguments too, at their defaults."""
    config = {**_lso(keras, "SGD").get_config(), "clipnorm": None, "use_ema": False, "ema_momentum": 0.99}
    assert kb.optimizers.LossScaleOptimizer.from_config(config).dynamic_growth_steps == 2


def _model(lib, weights):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"), lib.layers.Dense(1)])
    model.set_weights(weights)
    return model


RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
WEIGHTS = [RNG.normal(size=s).astype("float32") * 0.5 for s in [(3, 4), (4,), (4, 1), (1,)]]


def _fit(lib, optimizer, y=Y):
    model = _model(lib, WEIGHTS)
    model.compile(optimizer=optimizer, loss="mse")
    history = model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    return model, history.history["loss"]


def test_fit_matches_keras_and_plain_adam():
    model, losses = _fit(kb, _lso(kb, "Adam", initial_scale=2.0**10))
    keras_model, keras_losses = _fit(keras, _lso(keras, "Adam", initial_scale=2.0**10))
    _, plain = _fit(kb, kb.optimizers.Adam(0.01))
    np.testing.assert_allclose(losses, keras_losses, rtol=1e-5)
    np.testing.assert_allclose(losses, plain, rtol=1e-6)  # powers of two scale and unscale exactly
    for ours, theirs in zip(model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # 12 good steps with growth every 2: the scale doubled 6 times, as in Keras
    assert float(model.optimizer.dynamic_scale.value) == float(keras_model.optimizer.dynamic_scale.value) == 2.0**16
    assert int(model.optimizer.iterations.value) == 12


def test_fit_differentiates_the_scaled_loss():
    """A scale so large that loss * scale overflows float32: the gradients are inf, so the first steps
    are skipped and the scale halves until it fits, as in Keras. Without scaling nothing would skip."""
    y = Y * 1e3
    model, losses = _fit(kb, _lso(kb, "Adam", initial_scale=2.0**120), y)
    keras_model, keras_losses = _fit(keras, _lso(keras, "Adam", initial_scale=2.0**120), y)
    np.testing.assert_allclose(losses, keras_losses, rtol=1e-5)
    assert int(model.optimizer.iterations.value) == int(keras_model.optimizer.iterations.value) < 12
    assert float(model.optimizer.dynamic_scale.value) == float(keras_model.optimizer.dynamic_scale.value)
    assert int(model.optimizer.step_counter.value) == int(keras_model.optimizer.step_counter.value)


# Keras writes the inner optimizer's variables a second time, under optimizer/inner_optimizer/vars, and
# warns when a file lacks that group; kerasbook writes it too, so the warning is an error here.
@pytest.mark.filterwarnings("error:Skipping variable loading for optimizer")
@pytest.mark.parametrize("writer", ["kerasbook", "keras"])
def test_saved_optimizer_state_loads_in_the_other(tmp_path, writer):
    """A `.keras` file after fit keeps the scale, the counter and Adam's slots, read by the other library."""
    libs = {"kerasbook": kb, "keras": keras}
    source = libs[writer]
    target = libs["keras" if writer == "kerasbook" else "kerasbook"]
    model, _ = _fit(source, _lso(source, "Adam", initial_scale=2.0**10, dynamic_growth_steps=5))
    path = str(tmp_path / "lso.keras")
    model.save(path)
    loaded = target.saving.load_model(path)
    assert type(loaded.optimizer).__name__ == "LossScaleOptimizer"
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables) == 14
    for ours, theirs in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(ours.value), np.asarray(theirs.value))
    assert float(loaded.optimizer.dynamic_scale.value) == 2.0**12  # 12 steps, growth every 5


@pytest.mark.parametrize("policy, auto_scale_loss, wrapped", [("mixed_float16", True, True),
                                                              ("mixed_float16", False, False),
                                                              ("float32", True, False)])
def test_compile_wraps_the_optimizer_under_mixed_float16_as_keras(policy, auto_scale_loss, wrapped):
    """compile(auto_scale_loss=True), Keras's default, puts a mixed_float16 model's optimizer in a
    LossScaleOptimizer named "loss_scale_optimizer"; fit then trains through it."""
    for library in (kb, keras):
        library.mixed_precision.set_global_policy(policy)
        try:
            model = library.Sequential([library.Input((3,)), library.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse", auto_scale_loss=auto_scale_loss)
            optimizer = model.optimizer
            assert isinstance(optimizer, library.optimizers.LossScaleOptimizer) is wrapped, library
            if wrapped:
                assert optimizer.name == "loss_scale_optimizer"
                assert library.mixed_precision.LossScaleOptimizer is library.optimizers.LossScaleOptimizer
                assert isinstance(optimizer.inner_optimizer, library.optimizers.Adam)
            if library is kb:
                x = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
                history = model.fit(x, x.sum(axis=1), epochs=2, verbose=0)
                assert np.all(np.isfinite(history.history["loss"]))
        finally:
            library.mixed_precision.set_global_policy("float32")
