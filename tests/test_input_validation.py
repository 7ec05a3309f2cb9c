"""Wrong input refused early with a message that names the problem (issue 16): data against a model's
Input in call, fit, evaluate and predict. Keras 3 is the oracle for the exception type and for the
inputs it accepts (a rank off by a trailing axis of size 1)."""

import time

import keras as real_keras
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers


def mnist_like(lib):
    inputs = lib.Input((28, 28))
    outputs = lib.layers.Dense(10)(lib.layers.Flatten()(inputs))
    return lib.Model(inputs, outputs, name="digits")


def four_to_ten(lib):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(10)], name="ten")
    model.compile(optimizer="sgd", loss="mse")
    return model


WRONG = [  # (model, data, the hint kerasbook gives)
    (mnist_like, np.zeros((2, 784)), r"x\.reshape\(\(-1, 28, 28\)\)"),
    (mnist_like, np.zeros((2, 28, 27)), r"the other axes of the data must be \(28, 28\)"),
    (mnist_like, np.zeros((28, 28)), r"one sample without its batch axis: x\[None\]"),
    (four_to_ten, np.zeros((2, 3, 4)), r"the other axes of the data must be \(4,\)"),
    (four_to_ten, np.zeros((4,)), r"one sample without its batch axis"),
    (four_to_ten, np.zeros((2, 5)), r"The first axis is the batch"),
]


def expect_refusal(call, keras_call, pattern, model_name, expected, received):
    with pytest.raises(ValueError) as ours:
        call()
    message = str(ours.value)
    assert f'Model "{model_name}" expects its input 0' in message, message
    assert f"to have shape {expected}" in message and f"received data of shape {received}" in message
    assert __import__("re").search(pattern, message), message
    with pytest.raises(ValueError):  # Keras 3 refuses the same data, with the same exception type
        keras_call()


@pytest.mark.parametrize("make, x, hint", WRONG, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("how", ["call", "predict", "evaluate", "fit"])
def test_data_that_does_not_fit_the_input_is_refused_by_every_entry(make, x, hint, how):
    ours, theirs = make(keras), make(real_keras)
    for model in (ours, theirs):
        if not getattr(model, "compiled", False) and how in ("fit", "evaluate"):
            model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((len(x), 10))
    run = {"call": lambda m: m(x), "predict": lambda m: m.predict(x, verbose=0),
           "evaluate": lambda m: m.evaluate(x, y, verbose=0), "fit": lambda m: m.fit(x, y, verbose=0)}[how]
    expected = tuple(ours.inputs[0].shape)
    expect_refusal(lambda: run(ours), lambda: run(theirs), hint, ours.name, expected, x.shape)


def test_fit_refuses_before_any_weight_changes():
    model = four_to_ten(keras)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="expects its input 0"):
        model.fit(np.ones((8, 3, 4)), np.ones((8, 3, 10)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_trailing_axis_of_size_one_is_adjusted_as_keras_does():
    for x, make in ((np.ones((5,)), lambda lib: lib.Sequential([lib.Input((1,)), lib.layers.Dense(2)])),
                    (np.ones((5, 3, 1)), lambda lib: lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)]))):
        theirs = make(real_keras)
        ours = make(keras)
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6)
        np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6)


def test_several_inputs_are_checked_each_by_name():
    a, b = keras.Input((3,), name="left"), keras.Input((5,), name="right")
    model = keras.Model([a, b], layers.Concatenate()([a, b]), name="pair")
    assert model([np.ones((2, 3)), np.ones((2, 5))]).shape == (2, 8)
    with pytest.raises(ValueError, match=r'Model "pair" expects its input 1 \("right"\) to have shape '
                                         r"\(None, 5\).*received data of shape \(2, 4\)"):
        model([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r'input 0 \("left"\)'):
        model({"left": np.ones((2, 4)), "right": np.ones((2, 5))})


def test_any_batch_size_and_free_axes_are_accepted():
    model = keras.Sequential([keras.Input((None, 4)), layers.Dense(2)])
    for shape in ((1, 7, 4), (3, 2, 4), (9, 1, 4)):
        assert model(np.ones(shape)).shape == shape[:2] + (2,)
    built_by_data = keras.Sequential([layers.Dense(2)])
    built_by_data(np.ones((3, 4)))  # its Input records batch 3; other batch sizes still fit
    assert built_by_data.predict(np.ones((10, 4)), verbose=0).shape == (10, 2)


def test_the_check_runs_once_per_input_signature_not_per_call():
    """Repeated calls on one signature cost what they cost before the check: it runs while JAX
    traces the compiled call. Compared with the graph run alone (the check patched out)."""
    from kerasbook.core.models import input_check
    model = mnist_like(keras)
    x = np.ones((3, 28, 28), "float32")
    checked = []
    original = input_check.conform
    input_check.conform = lambda *args: checked.append(1) or original(*args)
    try:
        for _ in range(50):
            model(x)
        model.predict(x, verbose=0)
    finally:
        input_check.conform = original
    assert 1 <= len(checked) <= 3, len(checked)  # one trace for the call, one or two for predict

    def best(repeat=200):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeat):
                model(x)
            times.append((time.perf_counter() - start) / repeat)
        return min(times)
    assert best() < 1e-3  # an eager call stays well under a millisecond
