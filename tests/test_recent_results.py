"""A widget reuses what a model call just computed (kerasbook.core.models.recent_results), and only
when it is the same result: the same input tensors with equal arrays, the same weight values, arrays
still alive. Checked through the ActivationExplorer, as lesson 2 uses it."""

import gc
import weakref

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models import recent_results
from kerasbook.widgets import ActivationExplorer


@pytest.fixture(autouse=True)
def nothing_remembered():
    recent_results.forget()
    yield
    recent_results.forget()


def convnet():
    return keras.Sequential([keras.Input((12, 12, 1)), layers.Conv2D(4, 3, activation="relu", name="conv"),
                             layers.MaxPooling2D(name="pool"), layers.Flatten(name="flat"),
                             layers.Dense(3, name="logits")], name="convnet")


def images(seed=0, n=2):
    return np.random.default_rng(seed).random((n, 12, 12, 1), dtype="float32")


def feature_model(model):
    """Lesson 2's feature-extraction model: every layer's output (the input's too)."""
    return keras.Model(model.inputs, [layer.output for layer in model.layers])


def computed_afresh(model, x):
    """Every activation as the explorer computes it when nothing is remembered."""
    recent_results.forget()
    explorer = ActivationExplorer(model, x)
    assert explorer._features.reused == 0
    return {title: explorer._activations[title] for title in explorer.layers}


def test_the_explorer_takes_the_arrays_a_feature_model_just_computed():
    model, x = convnet(), images()
    expected = computed_afresh(model, x)
    outputs = feature_model(model)(x)
    explorer = ActivationExplorer(model, x)
    assert explorer._features.reused == 1 and explorer.extractions == 1
    assert list(explorer.layers) == list(expected)
    for title, array in expected.items():
        np.testing.assert_allclose(explorer._activations[title], array, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(explorer._activations["logits [node 0]"], np.asarray(outputs[-1]))


def test_new_weights_are_computed_not_taken():
    model, x = convnet(), images()
    outputs = feature_model(model)(x)  # noqa: F841 (alive)
    model.get_layer("logits").set_weights([np.ones((100, 3), "float32"), np.zeros(3, "float32")])
    explorer = ActivationExplorer(model, x)
    assert explorer._features.reused == 0
    flat = explorer._activations["flat [node 0]"]
    np.testing.assert_allclose(explorer._activations["logits [node 0]"], flat.sum(-1, keepdims=True).repeat(3, -1),
                               rtol=1e-5)


def test_another_input_or_the_same_array_changed_in_place_is_computed():
    model, x = convnet(), images()
    outputs = feature_model(model)(x)  # noqa: F841 (alive)
    assert ActivationExplorer(model, images(seed=1))._features.reused == 0
    outputs = feature_model(model)(x)  # noqa: F841
    x[0, 0, 0, 0] += 1.0  # the student edits the array after the call
    explorer = ActivationExplorer(model, x)
    assert explorer._features.reused == 0
    np.testing.assert_allclose(explorer._activations["conv [node 0]"], computed_afresh(model, x)["conv [node 0]"],
                               rtol=1e-6)


def test_arrays_the_student_dropped_are_not_kept_and_are_computed_again():
    model, x = convnet(), images()
    outputs = feature_model(model)(x)
    watched = weakref.ref(outputs[1])
    del outputs
    gc.collect()
    assert watched() is None  # the record held it weakly
    assert ActivationExplorer(model, x)._features.reused == 0


def test_a_model_call_that_lacks_some_layers_is_not_enough():
    model, x = convnet(), images()
    first_two = keras.Model(model.inputs, [model.get_layer("conv").output, model.get_layer("pool").output])
    outputs = first_two(x)  # noqa: F841 (alive)
    assert ActivationExplorer(model, x)._features.reused == 0


def test_training_calls_and_big_inputs_are_not_remembered():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="d"), layers.Dropout(0.5, name="drop")])
    features = keras.Model(model.inputs, [layer.output for layer in model.layers])
    x = np.ones((3, 8), "float32")
    outputs = features(x, training=True)  # dropout on: not what the explorer shows
    assert ActivationExplorer(model, x)._features.reused == 0
    big = np.ones((recent_results.MAX_INPUT_BYTES // 32 + 1, 8), "float32")
    outputs = features(big)  # noqa: F841 (alive)
    assert not recent_results._records or recent_results._records[-1].inputs[0][1].shape != big.shape


def test_a_record_keeps_neither_the_model_nor_its_weights_alive():
    model, x = convnet(), images()
    outputs = feature_model(model)(x)  # noqa: F841 (alive: the record is there)
    assert recent_results._records
    kernel = weakref.ref(model.get_layer("conv").kernel)
    watched = weakref.ref(model)
    del model
    gc.collect()
    assert watched() is None and kernel() is None
