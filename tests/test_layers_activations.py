"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers against Keras 3: values, configs, files, errors."""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle
from layer_twins import assert_files_pass_both_ways, assert_same_config, same_weights, twins

rng = np.random.default_rng(0)
X = (rng.normal(size=(3, 4, 5)) * 3).astype("float32")

CASES = [("ReLU", {}), ("ReLU", {"max_value": 6.0}), ("ReLU", {"negative_slope": 0.1}),
         ("ReLU", {"threshold": 0.5}), ("ReLU", {"max_value": 2.0, "negative_slope": 0.2, "threshold": 1.0}),
         ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.05}),
         ("ELU", {}), ("ELU", {"alpha": 0.5}),
         ("Softmax", {}), ("Softmax", {"axis": 1}), ("Softmax", {"axis": [1, 2]}),
         ("PReLU", {}), ("PReLU", {"alpha_initializer": "random_normal"}), ("PReLU", {"shared_axes": [1]}),
         ("PReLU", {"shared_axes": 2, "alpha_initializer": "ones"})]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_equals_keras(name, kwargs):
    ours, theirs = twins(name, **kwargs)
    expected = np.asarray(theirs(X))
    ours.build(X.shape)
    same_weights(ours, theirs)
    np.testing.assert_allclose(np.asarray(ours(X)), expected, rtol=1e-6, atol=1e-6)
    assert_same_config(ours, theirs)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours(kerasbook.Input((4, 5))).shape == theirs(keras.Input((4, 5))).shape


@pytest.mark.parametrize("name,kwargs", [("ReLU", {"max_value": 1.5, "threshold": 0.2}), ("LeakyReLU", {}),
                                         ("ELU", {"alpha": 2.0}), ("Softmax", {"axis": 1}),
                                         ("PReLU", {"alpha_initializer": "random_uniform", "shared_axes": [1]})])
def test_files_pass_both_ways(tmp_path, name, kwargs):
    ours, theirs = twins(name, **kwargs)
    ours.build((None, 4, 5))
    theirs.build((None, 4, 5))
    same_weights(ours, theirs)
    assert_files_pass_both_ways(tmp_path, ours, theirs, (4, 5), X)


def test_softmax_with_mask_equals_keras():
    mask = rng.random(size=(3, 4, 5)) > 0.3
    mask[0, 0] = False  # a row masked whole: zeros, not a uniform distribution
    ours, theirs = twins("Softmax")
    out = np.asarray(ours(X, mask=mask))
    np.testing.assert_allclose(out, np.asarray(theirs(X, mask=mask)), rtol=1e-6, atol=1e-7)
    assert np.all(out[~mask] == 0) and np.all(out[0, 0] == 0)
    broadcast = np.array([1.0, 1.0, 0.0, 1.0, 0.2], "float32")  # floats: > 0.5 keeps
    np.testing.assert_allclose(np.asarray(ours(X, mask=broadcast)), np.asarray(theirs(X, mask=broadcast)),
                               rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="broadcastable"):
        ours(X, mask=np.ones((3, 2, 5), bool))


def test_prelu_learns_its_slopes():
    model = kerasbook.Sequential([kerasbook.Input((4,)), kerasbook.layers.PReLU()])
    model.compile(optimizer=kerasbook.optimizers.SGD(0.5), loss="mse")
    x = -np.abs(rng.normal(size=(64, 4))).astype("float32")
    model.fit(x, 0.25 * x, epochs=30, verbose=0)
    np.testing.assert_allclose(np.asarray(model.layers[0].alpha.value), 0.25, atol=0.02)


@pytest.mark.parametrize("code", ["ReLU(max_value=-1)", "ReLU(negative_slope=-0.1)", "ReLU(threshold=None)",
                                  "LeakyReLU(negative_slope=-1)"])
def test_bad_arguments_fail_as_in_keras(code):
    with pytest.raises(ValueError):
        eval("keras.layers." + code)
    with pytest.raises(ValueError, match="cannot be None or a negative value"):
        eval("kerasbook.layers." + code)


def test_leaky_relu_takes_keras_2_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = kerasbook.layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
