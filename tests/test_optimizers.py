"""Optimizers against Keras 3: same variables and gradients, five steps, same values and state layout."""

import jax
import keras
import numpy as np
import pytest

from kerasbook.core.engine.state import StatelessScope
from kerasbook.core.training import optimizers, schedules
from kerasbook.core.engine.variables import Variable

SHAPES = {"dense/kernel": (3, 4), "dense/bias": (4,)}
RNG = np.random.default_rng(0)
INITIAL = {path: RNG.normal(size=shape).astype("float32") for path, shape in SHAPES.items()}
GRADS = [[RNG.normal(size=shape).astype("float32") * 3 for shape in SHAPES.values()] for _ in range(5)]
GRADS[2][1][:] = 0.0  # a zero gradient (Adam's epsilon matters there)

CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "clipvalue": 0.5}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.05, "clipnorm": 1.0, "beta_1": 0.8}),
    ("Adam", {"global_clipnorm": 2.0, "weight_decay": 0.1, "learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.05}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True, "learning_rate": 0.01}),
    ("RMSprop", {"momentum": 0.3, "rho": 0.8}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.05, "beta_1": 0.8, "clipnorm": 1.0}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.1, "beta_2": 0.9, "weight_decay": 0.1}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.8, "epsilon": 1e-4}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9, "global_clipnorm": 2.0}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3,
              "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.2,
              "l2_shrinkage_regularization_strength": 0.1, "beta": 0.5}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "epsilon": 1e-4, "weight_decay": 0.1}),
    ("Adafactor", {}),
    ("Adafactor", {"learning_rate": 0.5, "beta_2_decay": -0.5, "epsilon_2": 0.01, "clip_threshold": 0.5}),
    ("Adafactor", {"learning_rate": 0.05, "relative_step": False, "clipnorm": 1.0}),
]


def _keras_run(name, kwargs, schedule=None):
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = keras.optimizers.schedules.deserialize(schedule)
    optimizer = getattr(keras.optimizers, name)(**kwargs)
    variables = [keras.Variable(INITIAL[p], name=p.split("/")[1]) for p in SHAPES]
    for var, path in zip(variables, SHAPES):
        var._path = path  # the path Keras gives a Dense layer's weights
    optimizer.build(variables)
    for grads in GRADS:
        optimizer.apply(grads, variables)
    return optimizer, variables


def _ours(name, kwargs, schedule=None):
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = schedules.deserialize(schedule)
    optimizer = getattr(optimizers, name)(**kwargs)
    variables = [Variable(INITIAL[p], name=p.split("/")[1], path=p) for p in SHAPES]
    return optimizer, variables


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_five_steps_equal_keras(name, kwargs):
    theirs, their_vars = _keras_run(name, kwargs)
    ours, our_vars = _ours(name, kwargs)
    for grads in GRADS:
        ours.apply(grads, our_vars)
    for mine, reference in zip(our_vars, their_vars):
        np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), atol=1e-6, rtol=1e-6)
    # The state: same names, shapes, order, and values (what a .keras file stores).
    # (Keras calls Nadam's last variable, its momentum-schedule product, just "variable".)
    assert [v.path for v in ours.variables] == [
        v.path.replace(theirs.name, ours.name, 1) if not v.path.startswith("variable") else f"{ours.name}/u_product"
        for v in theirs.variables]
    assert {**ours.get_config(), "name": None} == {**theirs.get_config(), "name": None}  # names count up
    for mine, reference in zip(ours.variables, theirs.variables):
        assert mine.shape == tuple(reference.shape) and mine.dtype == reference.dtype
        np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), atol=1e-6, rtol=1e-6)


def test_names_follow_keras():
    for cls, name in [(optimizers.RMSprop, "rm_sprop"), (optimizers.AdamW, "adam_w"), (optimizers.SGD, "sgd")]:
        assert cls().name.startswith(name)
    assert optimizers.Adam(name="opt").variables[0].path == "opt/iteration"


@pytest.mark.parametrize("schedule", [
    keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True),
    keras.optimizers.schedules.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]),
    keras.optimizers.schedules.CosineDecay(0.1, 4, alpha=0.1, warmup_target=0.2, warmup_steps=2),
    keras.optimizers.schedules.InverseTimeDecay(0.1, 3, 0.5),
])
def test_schedules_equal_keras(schedule):
    config = keras.optimizers.schedules.serialize(schedule)
    ours = schedules.deserialize(config)
    assert ours.get_config() == schedule.get_config()
    for step in range(8):
        np.testing.assert_allclose(float(ours(step)), float(schedule(step)), rtol=1e-6)
    theirs, their_vars = _keras_run("Adam", {}, schedule=config)
    optimizer, variables = _ours("Adam", {}, schedule=config)
    for grads in GRADS:
        optimizer.apply(grads, variables)
    for mine, reference in zip(variables, their_vars):
        np.testing.assert_allclose(mine.numpy(), np.asarray(reference.value), atol=1e-6)
    assert len(optimizer.variables) == len(theirs.variables)  # no learning-rate variable
    assert float(optimizer.learning_rate) == pytest.approx(float(theirs.learning_rate))


def test_apply_inside_stateless_scope_is_pure_and_jittable():
    optimizer, variables = _ours("Adam", {"learning_rate": 0.1})
    optimizer.build(variables)
    state = optimizer.variables

    @jax.jit
    def step(values, state_values, grads):
        with StatelessScope(dict(zip(variables + state, values + state_values))) as scope:
            optimizer.apply(grads, variables)
        return [scope.get(v) for v in variables], [scope.get(v) for v in state]

    new_values, new_state = step([v.value for v in variables], [v.value for v in state], GRADS[0])
    for variable, path in zip(variables, SHAPES):  # the real variables did not move
        np.testing.assert_array_equal(variable.numpy(), INITIAL[path])
    assert int(optimizer.iterations.numpy()) == 0
    assert int(new_state[0]) == 1
    reference, _ = _ours("Adam", {"learning_rate": 0.1})
    reference_vars = [Variable(INITIAL[p], path=p) for p in SHAPES]
    reference.apply(GRADS[0], reference_vars)
    for value, expected in zip(new_values, reference_vars):
        np.testing.assert_allclose(np.asarray(value), expected.numpy(), atol=1e-6)


def test_subset_of_built_variables_and_apply_gradients():
    optimizer, variables = _ours("Adam", {"learning_rate": 0.1})
    optimizer.build(variables)
    kernel, bias = variables
    optimizer.apply_gradients([(GRADS[0][1], bias)])  # the kernel is frozen
    np.testing.assert_array_equal(kernel.numpy(), INITIAL["dense/kernel"])
    assert not np.allclose(bias.numpy(), INITIAL["dense/bias"])
    kernel_momentum = optimizer.variables[2]
    assert kernel_momentum.path.endswith("dense_kernel_momentum")
    assert not kernel_momentum.numpy().any()
    optimizer.apply(GRADS[1])  # no variables: all that were built
    assert kernel_momentum.numpy().any()
    assert int(optimizer.iterations.numpy()) == 2
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizer.apply(GRADS[0], [kernel])


def test_learning_rate_is_readable_and_settable():
    optimizer = optimizers.SGD()
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    optimizer.learning_rate = 0.5
    assert float(optimizer.learning_rate.numpy()) == 0.5
    optimizer.learning_rate.assign(0.25)
    assert optimizer.get_config()["learning_rate"] == 0.25
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    with pytest.raises(TypeError, match="schedule"):
        scheduled.learning_rate = 0.1


@pytest.mark.parametrize("name,kwargs", [("Adam", {"amsgrad": True}), ("RMSprop", {"centered": True}),
                                         ("SGD", {"momentum": 0.5, "nesterov": True}), ("AdamW", {}),
                                         ("Adagrad", {"epsilon": 0.1}), ("Nadam", {"beta_2": 0.9}),
                                         ("Adamax", {}), ("Adadelta", {"rho": 0.5}), ("Lion", {"beta_1": 0.5}),
                                         ("Ftrl", {"beta": 0.1, "l1_regularization_strength": 0.2}),
                                         ("Lamb", {"epsilon": 1e-3}), ("Adafactor", {"relative_step": False})])
def test_config_round_trip_with_keras(name, kwargs):
    theirs = getattr(keras.optimizers, name)(name="opt", **kwargs)
    ours = getattr(optimizers, name)(name="opt", **kwargs)
    assert ours.get_config() == pytest.approx(theirs.get_config()) or ours.get_config().keys() == \
        theirs.get_config().keys()
    for key, value in theirs.get_config().items():
        assert ours.get_config()[key] == pytest.approx(value), key
    again = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    back = keras.optimizers.deserialize(optimizers.serialize(ours))
    if name == "Lamb":  # Keras 3.15's deserialize gives its own Lamb's config back as the string "Lamb"
        assert back == keras.optimizers.deserialize(keras.optimizers.serialize(theirs)) == "Lamb"
    else:
        assert type(back).__name__ == name


def test_get():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    adamw = optimizers.get({"class_name": "AdamW", "config": {"learning_rate": 0.1}})
    assert isinstance(adamw, optimizers.AdamW) and adamw.weight_decay == 0.004
    sgd = optimizers.SGD()
    assert optimizers.get(sgd) is sgd
    with pytest.raises(ValueError, match="Unknown optimizer 'adamx'"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="only one of clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_only_the_optimizers_module_imports_optax():
    import subprocess
    import sys
    code = ("import sys, kerasbook, kerasbook.core.training as t\n"
            "from kerasbook.core.training import losses, metrics, callbacks, progbar, schedules\n"
            "t.EarlyStopping, t.BinaryCrossentropy\n"
            "assert 'optax' not in sys.modules, 'optax imported'\n"
            "t.Adam\n"
            "assert 'optax' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


NEW_OPTIMIZERS = {"Nadam": {"learning_rate": 0.01}, "Adamax": {"learning_rate": 0.01}, "Adadelta": {"learning_rate": 1.0},
                  "Lion": {"learning_rate": 0.001}, "Ftrl": {"learning_rate": 0.1, "l1_regularization_strength": 0.01},
                  "Lamb": {"learning_rate": 0.01}, "Adafactor": {"learning_rate": 0.05}}


@pytest.mark.parametrize("name", sorted(NEW_OPTIMIZERS))
@pytest.mark.parametrize("direction", ["kerasbook-to-keras", "keras-to-kerasbook"])
def test_new_optimizers_state_crosses_over_in_keras_files(tmp_path, name, direction):
    """Nadam, Adamax, Adadelta, Lion and Ftrl by name in compile, their state in a .keras file: 2 epochs
    in one library, saved, 2 more in the other end where 4 uninterrupted epochs end (as
    test_saving_interop does for the other optimizers)."""
    import kerasbook
    writer, reader = (kerasbook, keras) if direction == "kerasbook-to-keras" else (keras, kerasbook)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.uniform(size=(32, 3)).astype("float32")

    def model():
        return writer.Sequential([writer.Input((6,)), writer.layers.Dense(8, activation="relu"),
                                  writer.layers.Dense(3, activation="softmax")])

    start, runs = model().get_weights(), []
    for _ in range(2):
        run = model()
        run.set_weights(start)
        run.compile(optimizer=getattr(writer.optimizers, name)(**NEW_OPTIMIZERS[name]), loss="mse")
        runs.append(run)
    uninterrupted, first_half = runs
    uninterrupted.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    first_half.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first_half.save(tmp_path / "half.keras")
    resumed = reader.models.load_model(tmp_path / "half.keras")
    assert type(resumed.optimizer).__name__ == name
    assert resumed.optimizer.get_config() == first_half.optimizer.get_config()
    assert int(np.asarray(resumed.optimizer.iterations)) == 8
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_new_optimizers_by_name():
    for name in NEW_OPTIMIZERS:  # Keras 3.15's get does not know "lamb" (its files name the class): kerasbook does
        theirs = name if name == "Lamb" else type(keras.optimizers.get(name.lower())).__name__
        assert type(optimizers.get(name.lower())).__name__ == theirs
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
