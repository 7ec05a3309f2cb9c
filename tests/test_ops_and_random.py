"""keras.ops, activations, initializers, regularizers and random, against Keras 3."""

import numpy as np
import pytest

import kerasbook
from kerasbook import ops

import keras  # the oracle

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(4, 5)).astype("float32")
P = rng.random((3, 4)).astype("float32")
LABELS = np.array([0, 3, 1])

OPS = [
    ("matmul", (A, B), {}), ("sum", (A,), {"axis": 1}), ("mean", (A,), {"axis": 0, "keepdims": True}),
    ("max", (A,), {}), ("argmax", (A,), {"axis": -1}), ("exp", (A,), {}), ("square", (A,), {}),
    ("sqrt", (P,), {}), ("log", (P,), {}), ("abs", (A,), {}), ("clip", (A, -0.5, 0.5), {}),
    ("transpose", (A,), {}), ("reshape", (A, (4, 3)), {}), ("expand_dims", (A, 1), {}),
    ("concatenate", ([A, A],), {"axis": 0}), ("stack", ([A, A],), {"axis": 1}), ("tile", (A, (2, 1)), {}),
    ("where", (A > 0, A, 0.0), {}), ("maximum", (A, 0.1), {}), ("cumsum", (A,), {"axis": 1}),
    ("relu", (A,), {}), ("sigmoid", (A,), {}), ("softmax", (A,), {}), ("log_softmax", (A,), {}),
    ("gelu", (A,), {}), ("silu", (A,), {}), ("softplus", (A,), {}), ("leaky_relu", (A,), {}),
    ("one_hot", (LABELS, 4), {}), ("binary_crossentropy", (P > 0.5, P), {}),
    ("categorical_crossentropy", (np.eye(4)[LABELS], P), {}),
    ("sparse_categorical_crossentropy", (LABELS, A), {"from_logits": True}),
    ("norm", (A,), {"axis": -1}), ("tanh", (A,), {}), ("ones", ((2, 3),), {}), ("zeros_like", (A,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", OPS, ids=[o[0] for o in OPS])
def test_ops_equal_keras(name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)


def test_ops_accept_variables_and_shape_is_a_tuple():
    v = kerasbook.Variable(A)
    np.testing.assert_allclose(ops.matmul(v, B), A @ B, rtol=1e-5)
    assert ops.shape(v) == (3, 4) and ops.cast(v, "int32").dtype == np.int32


@pytest.mark.parametrize("name", ["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu",
                                  "silu", "swish", "softplus", "softsign", "exponential", "hard_sigmoid",
                                  "relu6", "log_softmax", "mish", "leaky_relu"])
def test_activations_by_name_equal_keras(name):
    ours = kerasbook.activations.get(name)(A)
    theirs = keras.activations.get(name)(A)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)
    assert kerasbook.activations.serialize(kerasbook.activations.get(name)) in (name, "silu")


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown activation 'rleu'.*relu"):
        kerasbook.activations.get("rleu")


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal", "random_normal", "random_uniform",
                                  "truncated_normal", "zeros", "ones", "orthogonal"])
def test_initializers_have_keras_statistics_and_configs(name):
    shape = (300, 200)
    ours = np.asarray(kerasbook.initializers.get(name)(shape))
    theirs = np.asarray(keras.initializers.get(name)(shape))
    assert ours.shape == shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05, atol=1e-6)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.01)
    ours_config = kerasbook.initializers.serialize(kerasbook.initializers.get(name))
    theirs_config = keras.initializers.serialize(keras.initializers.get(name))
    assert ours_config["class_name"] == theirs_config["class_name"]
    assert set(ours_config["config"]) == set(theirs_config["config"])


def test_seeded_initializer_repeats_and_conv_fans_count_the_receptive_field():
    init = kerasbook.initializers.GlorotUniform(seed=3)
    np.testing.assert_array_equal(init((4, 5)), init((4, 5)))
    assert kerasbook.initializers.compute_fans((3, 3, 16, 32)) == (144, 288)


def test_regularizers_equal_keras():
    for ours, theirs in [(kerasbook.regularizers.l2(1e-3), keras.regularizers.l2(1e-3)),
                         (kerasbook.regularizers.l1(0.01), keras.regularizers.l1(0.01)),
                         (kerasbook.regularizers.l1_l2(0.01, 0.02), keras.regularizers.l1_l2(0.01, 0.02))]:
        np.testing.assert_allclose(float(ours(A)), float(theirs(A)), rtol=1e-6)
        assert ours.get_config() == {k: pytest.approx(v) for k, v in theirs.get_config().items()}


def test_random_is_deterministic_under_a_seed_and_seed_generators_advance():
    kerasbook.utils.set_random_seed(5)
    first = np.asarray(kerasbook.random.normal((1000,)))
    kerasbook.utils.set_random_seed(5)
    np.testing.assert_array_equal(first, kerasbook.random.normal((1000,)))
    assert abs(first.mean()) < 0.1 and abs(first.std() - 1) < 0.1
    generator = kerasbook.random.SeedGenerator(1337)
    a = kerasbook.random.uniform((5,), seed=generator)
    b = kerasbook.random.uniform((5,), seed=generator)
    assert not np.allclose(a, b)
    dropped = np.asarray(kerasbook.random.dropout(np.ones((2000,)), 0.25, seed=1))
    np.testing.assert_allclose(np.unique(dropped), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((dropped == 0).mean() - 0.25) < 0.05


def test_seed_generator_inside_a_stateless_scope_leaves_its_variable_alone():
    generator = kerasbook.random.SeedGenerator(7)
    before = generator.state.numpy().copy()
    with kerasbook.StatelessScope({generator.state: generator.state.value}) as scope:
        kerasbook.random.normal((3,), seed=generator)
    np.testing.assert_array_equal(generator.state.numpy(), before)
    assert int(scope.get(generator.state)[1]) == before[1] + 1


def test_initial_weights_do_not_depend_on_the_order_they_are_read():
    def weights(read_order):
        kerasbook.utils.set_random_seed(11)
        layers = [kerasbook.layers.Dense(4), kerasbook.layers.Dense(4)]
        for layer in layers:
            layer.build((None, 3))
        return [layers[i].kernel.numpy() for i in read_order]

    forward = weights([0, 1])
    backward = weights([1, 0])
    np.testing.assert_array_equal(forward[0], backward[1])
    np.testing.assert_array_equal(forward[1], backward[0])
