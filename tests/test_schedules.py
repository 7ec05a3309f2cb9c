"""PolynomialDecay and CosineDecayRestarts against Keras 3: values at many steps (inside jit too),
configs and their round trip through both libraries, and a fit whose SGD follows the schedule: the
same weights as Keras's after every step."""

import inspect

import jax
import keras
import numpy as np
import pytest

import kerasbook
from kerasbook.core.training import schedules

STEPS = np.arange(0, 400, 1)
CASES = [
    ("PolynomialDecay", (0.1, 100), {}),
    ("PolynomialDecay", (0.1, 100), {"end_learning_rate": 0.01, "power": 2.0}),
    ("PolynomialDecay", (0.5, 70), {"end_learning_rate": 0.05, "power": 0.5, "cycle": True}),
    ("CosineDecayRestarts", (0.1, 50), {}),
    ("CosineDecayRestarts", (0.1, 30), {"t_mul": 1.0, "m_mul": 0.8, "alpha": 0.1}),
    ("CosineDecayRestarts", (1.0, 20), {"t_mul": 1.5, "m_mul": 0.5, "alpha": 0.01, "name": "sgdr"}),
]
IDS = [f"{c[0]}-{c[2]}" for c in CASES]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
def test_values_equal_keras(name, args, kwargs):
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    ours = getattr(schedules, name)(*args, **kwargs)
    expected = np.asarray(jax.vmap(theirs)(STEPS))  # Keras's schedule on its JAX backend, vectorized
    np.testing.assert_allclose(float(theirs(STEPS[57])), expected[57], rtol=1e-6)  # as called one by one
    np.testing.assert_allclose(np.asarray(jax.vmap(ours)(STEPS)), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(float(jax.jit(ours)(137)), float(theirs(137)), rtol=1e-5, atol=1e-8)
    assert expected.max() > expected.min()  # the schedule moves over these steps


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
def test_configs_equal_keras_and_load_both_ways(name, args, kwargs):
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    ours = getattr(schedules, name)(*args, **kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.name == theirs.name
    back = keras.optimizers.schedules.deserialize(schedules.serialize(ours))
    assert type(back).__name__ == name and back.get_config() == theirs.get_config()
    again = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    assert [(p.name, p.default) for p in inspect.signature(type(ours)).parameters.values()] == \
        [(p.name, p.default) for p in inspect.signature(type(theirs)).parameters.values()]
    assert getattr(kerasbook.optimizers.schedules, name) is type(ours)


def test_bad_steps_are_refused_as_keras_does():
    for name, argument in [("PolynomialDecay", "decay_steps"), ("CosineDecayRestarts", "first_decay_steps")]:
        with pytest.raises(ValueError, match=f"Argument `{argument}` must be > 0"):
            getattr(schedules, name)(0.1, 0)


@pytest.mark.parametrize("name,args,kwargs", [CASES[2], CASES[5]], ids=["polynomial-cycle", "restarts"])
def test_an_optimizer_follows_the_schedule_in_fit(name, args, kwargs, tmp_path):
    """SGD's step size is the schedule at the iteration: after 3 epochs of 10 steps the weights
    equal Keras's; the schedule is saved in the optimizer's config inside the .keras file."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    results = {}
    for library in (keras, kerasbook):
        model = library.Sequential([library.Input((3,)), library.layers.Dense(1)])
        model.set_weights([np.zeros((3, 1), "float32"), np.zeros(1, "float32")])
        schedule = getattr(library.optimizers.schedules, name)(*args, **kwargs)
        model.compile(library.optimizers.SGD(schedule), "mse")
        history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
        results[library] = (model.get_weights(), history.history["loss"])
        if library is kerasbook:
            model.save(tmp_path / "m.keras")
    for ours, theirs in zip(results[kerasbook][0], results[keras][0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(results[kerasbook][1], results[keras][1], rtol=1e-4)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer.learning_rate).__name__ == name or \
        type(loaded.optimizer._learning_rate).__name__ == name
