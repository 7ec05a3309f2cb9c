"""Activations, initializers and regularizers against Keras 3: values, names, configs, statistics."""

import inspect

import numpy as np
import pytest

import keras  # the oracle
from kerasbook.core import activations, initializers, random, regularizers
from kerasbook.core.engine.variables import Variable

rng = np.random.default_rng(1)
X = (3 * rng.normal(size=(4, 6))).astype("float32")

ACTIVATIONS = ["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "silu", "swish",
               "softplus", "softsign", "exponential", "hard_sigmoid", "leaky_relu", "relu6", "log_softmax",
               "mish", "celu", "glu", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "sparse_plus",
               "sparse_sigmoid", "squareplus", "tanh_shrink", "soft_shrink", "hard_shrink"]


# -- activations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_by_name_equals_keras_and_serializes_to_keras_name(name):
    ours, theirs = activations.get(name), keras.activations.get(name)
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)
    assert activations.serialize(ours) == keras.activations.serialize(theirs)
    assert activations.deserialize(activations.serialize(ours)) is ours


@pytest.mark.parametrize("kwargs", [{"negative_slope": 0.1}, {"max_value": 2.0}, {"threshold": 0.5},
                                    {"negative_slope": 0.3, "max_value": 4.0, "threshold": -1.0}])
def test_relu_options_equal_keras(kwargs):
    np.testing.assert_allclose(activations.relu(X, **kwargs), keras.activations.relu(X, **kwargs),
                               rtol=1e-6)


def test_activation_signatures_and_options_equal_keras():
    for name in ACTIVATIONS:
        ours = inspect.signature(getattr(activations, name)).parameters
        theirs = inspect.signature(getattr(keras.activations, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == \
               [(p.name, p.default) for p in theirs.values()], name
    for fn, kwargs in [("softmax", {"axis": 0}), ("gelu", {"approximate": True}), ("elu", {"alpha": 0.3}),
                       ("leaky_relu", {"negative_slope": 0.01}), ("threshold", {"threshold": 1.0,
                                                                                 "default_value": -2.0})]:
        np.testing.assert_allclose(getattr(activations, fn)(X, **kwargs),
                                   getattr(keras.activations, fn)(X, **kwargs), rtol=1e-5, atol=1e-6)


def test_activation_get_none_callable_unknown_and_keras_dict():
    assert activations.get(None) is activations.linear
    own = lambda x: x * 2  # noqa: E731
    assert activations.get(own) is own
    with pytest.raises(ValueError, match=r"Unknown activation 'rleu'\. Known activations: .*relu"):
        activations.get("rleu")
    record = {"module": "keras.activations", "class_name": "function", "config": "gelu",
              "registered_name": "gelu"}
    assert activations.get(record) is activations.gelu
    np.testing.assert_allclose(activations.relu(Variable(X)), np.maximum(X, 0))  # accepts a Variable


# -- initializers ---------------------------------------------------------------------------------

RANDOM = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
          "random_normal", "random_uniform", "truncated_normal", "orthogonal", "variance_scaling"]
CONSTANT = ["zeros", "ones", "identity", "one", "zero"]  # (Keras 3.15 cannot get("constant"))


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 32, 64)], ids=["dense", "conv"])
def test_random_initializer_statistics_equal_keras(name, shape):
    ours = np.asarray(initializers.get(name)(shape))
    theirs = np.asarray(keras.initializers.get(name)(shape))
    assert ours.shape == shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.03)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05 * theirs.std())
    if name not in ("random_normal", "orthogonal"):  # bounded: uniform or truncated at 2 std
        np.testing.assert_allclose(np.abs(ours).max(), np.abs(theirs).max(), rtol=0.05)


@pytest.mark.parametrize("name", CONSTANT)
def test_constant_initializers_equal_keras(name):
    np.testing.assert_array_equal(initializers.get(name)((3, 4)), keras.initializers.get(name)((3, 4)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_follows_the_fans_of_a_conv_kernel(mode, distribution):
    shape = (5, 5, 16, 8)  # fan_in = 25 * 16 = 400, fan_out = 25 * 8 = 200
    assert initializers.compute_fans(shape) == (400, 200)
    fan = {"fan_in": 400, "fan_out": 200, "fan_avg": 300}[mode]
    init = initializers.VarianceScaling(scale=2.0, mode=mode, distribution=distribution, seed=4)
    values = np.asarray(init(shape))
    np.testing.assert_allclose(values.std(), np.sqrt(2.0 / fan), rtol=0.05)
    if mode == "fan_avg":  # the formula above is Keras's; one check per distribution against Keras itself
        reference = keras.initializers.VarianceScaling(2.0, mode, distribution, seed=4)(shape)
        np.testing.assert_allclose(values.std(), np.std(reference), rtol=0.05)


@pytest.mark.parametrize("cls,kwargs", [
    ("Zeros", {}), ("Ones", {}), ("Constant", {"value": 2.5}), ("RandomNormal", {"mean": 1.0, "stddev": 0.2}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 3}), ("TruncatedNormal", {"seed": 7}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
    ("GlorotUniform", {"seed": 1}), ("GlorotNormal", {}), ("HeNormal", {}), ("HeUniform", {}),
    ("LecunNormal", {}), ("LecunUniform", {}), ("Orthogonal", {"gain": 2.0}), ("Identity", {}),
])
def test_initializer_configs_and_records_equal_keras(cls, kwargs):
    ours, theirs = getattr(initializers, cls)(**kwargs), getattr(keras.initializers, cls)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    record = initializers.serialize(ours)
    assert record == keras.initializers.serialize(theirs)
    rebuilt = initializers.deserialize(record)
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == ours.get_config()
    assert type(keras.initializers.deserialize(record)).__name__ == cls  # Keras reads ours


def test_initializer_module_has_keras_public_names():
    """Old guides write `keras.initializers.he_normal()`: Keras keeps lower-case aliases of the classes."""
    theirs = {name for name in dir(keras.initializers) if not name.startswith("_") and "STFT" not in name.upper()}
    assert theirs <= set(dir(initializers))
    for name in theirs:
        assert getattr(initializers, name).__name__ == getattr(keras.initializers, name).__name__, name
    assert isinstance(initializers.he_normal(seed=3), initializers.HeNormal)


def test_initializer_get_accepts_names_dicts_instances_and_functions():
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("HeNormal"), initializers.HeNormal)
    assert isinstance(initializers.get("zero"), initializers.Zeros)
    assert isinstance(initializers.get(initializers.HeUniform), initializers.HeUniform)  # a class
    assert isinstance(initializers.deserialize("ones"), initializers.Ones)
    init = initializers.get({"class_name": "RandomNormal", "config": {"stddev": 3.0, "seed": 2}})
    assert init.stddev == 3.0 and init.seed == 2
    same = initializers.Ones()
    assert initializers.get(same) is same
    fn = lambda shape, dtype=None: np.full(shape, 4.0)  # noqa: E731
    assert initializers.get(fn) is fn and initializers.get(None) is None
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="only for 2D"):
        initializers.Identity()((2, 3, 4))


def test_seeded_initializers_repeat_and_unseeded_follow_the_global_seed():
    init = initializers.HeNormal(seed=3)
    np.testing.assert_array_equal(init((6, 5)), initializers.HeNormal(seed=3)((6, 5)))
    assert not np.array_equal(init((6, 5)), initializers.HeNormal(seed=4)((6, 5)))
    random.set_seed(9)
    first = [initializers.GlorotUniform()((4, 4)) for _ in range(2)]
    random.set_seed(9)
    again = [initializers.GlorotUniform()((4, 4)) for _ in range(2)]
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])


def test_orthogonal_is_orthogonal_and_scaled_by_gain():
    q = np.asarray(initializers.Orthogonal(gain=2.0, seed=0)((6, 4)))
    np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(4), atol=1e-5)
    wide = np.asarray(initializers.Orthogonal(seed=0)((3, 7)))
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)


# -- regularizers ---------------------------------------------------------------------------------

W = rng.normal(size=(6, 4)).astype("float32")


@pytest.mark.parametrize("ours,theirs", [
    (lambda: regularizers.l2(1e-3), lambda: keras.regularizers.l2(1e-3)),
    (lambda: regularizers.L2(), lambda: keras.regularizers.L2()),
    (lambda: regularizers.l1(), lambda: keras.regularizers.l1()),
    (lambda: regularizers.L1(0.2), lambda: keras.regularizers.L1(0.2)),
    (lambda: regularizers.l1_l2(0.01, 0.02), lambda: keras.regularizers.l1_l2(0.01, 0.02)),
    (lambda: regularizers.L1L2(l2=0.5), lambda: keras.regularizers.L1L2(l2=0.5)),
    (lambda: regularizers.L1L2(), lambda: keras.regularizers.L1L2()),
    (lambda: regularizers.OrthogonalRegularizer(0.1), lambda: keras.regularizers.OrthogonalRegularizer(0.1)),
    (lambda: regularizers.get("l2"), lambda: keras.regularizers.get("l2")),
    (lambda: regularizers.get("l1l2"), lambda: keras.regularizers.get("l1l2")),
], ids=["l2", "L2", "l1", "L1", "l1_l2", "L1L2-l2", "L1L2", "orthogonal", "get-l2", "get-l1l2"])
def test_regularizer_equals_keras(ours, theirs):
    ours, theirs = ours(), theirs()
    np.testing.assert_allclose(float(ours(Variable(W))), float(theirs(W)), rtol=1e-5, atol=1e-8)
    assert ours.get_config() == pytest.approx(theirs.get_config())
    assert regularizers.serialize(ours)["class_name"] == keras.regularizers.serialize(theirs)["class_name"]
    rebuilt = regularizers.deserialize(regularizers.serialize(ours))
    assert type(rebuilt) is type(ours) and float(rebuilt(W)) == pytest.approx(float(ours(W)))


def test_l2_is_the_factor_times_the_sum_of_squares_and_bad_factors_are_refused():
    assert float(regularizers.l2(1e-3)(W)) == pytest.approx(1e-3 * float(np.sum(W ** 2)), rel=1e-6)
    assert float(regularizers.L1(0.5)(W)) == pytest.approx(0.5 * float(np.sum(np.abs(W))), rel=1e-6)
    with pytest.raises(ValueError, match="`l2` must be a non-negative number, received l2=-1"):
        regularizers.L2(-1)
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        regularizers.get("l3")
    assert regularizers.get(None) is None


def test_a_custom_activation_round_trips_through_its_record():
    def scaled_tanh(x):
        return 2 * activations.tanh(x)

    record = activations.serialize(scaled_tanh)
    assert record["class_name"] == "function" and record["config"] == "scaled_tanh"
    assert activations.deserialize(record, custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh
    assert activations.deserialize("scaled_tanh", custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_random_initializers_draw_in_the_dtype_asked_for_with_the_right_range_and_spread(dtype):
    uniform = np.asarray(initializers.RandomUniform(minval=2.0, maxval=3.0, seed=1)((4000,), dtype=dtype))
    assert uniform.dtype == dtype and uniform.min() >= 2.0 and uniform.max() <= 3.0
    np.testing.assert_allclose(uniform.mean(), 2.5, atol=0.02)
    normal = np.asarray(initializers.RandomNormal(mean=1.0, stddev=0.5, seed=1)((4000,), dtype=dtype))
    assert normal.dtype == dtype
    np.testing.assert_allclose([normal.mean(), normal.std()], [1.0, 0.5], atol=0.03)
    truncated = np.asarray(initializers.TruncatedNormal(stddev=2.0, seed=1)((4000,), dtype=dtype))
    assert truncated.dtype == dtype and np.abs(truncated).max() <= 4.0 + 1e-3


# -- STFT kernels (issue 17) -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"side": "imag"}, {"window": "hamming", "scaling": "spectrum", "periodic": True},
                                    {"window": None}, {"window": "blackman", "scaling": None},
                                    {"window": "values"}], ids=repr)
@pytest.mark.parametrize("shape", [(16, 1, 9), (32, 1, 17)])
def test_stft_kernels_equal_keras(kwargs, shape):
    if kwargs.get("window") == "values":  # a window given as its values, one per sample
        kwargs = {"window": list(np.linspace(0, 1, shape[0]))}
    ours = initializers.STFT(**kwargs)
    theirs = keras.initializers.STFT(**kwargs)
    np.testing.assert_allclose(ours(shape), np.asarray(theirs(shape)), atol=1e-6)
    assert ours.get_config() == theirs.get_config()


def test_stft_names_config_and_errors_as_keras():
    assert initializers.STFTInitializer is initializers.stft is initializers.STFT
    for name in ["stft", "STFT", "STFTInitializer"]:
        assert type(initializers.get(name)).__name__ == type(keras.initializers.get(name)).__name__ == "STFT"
    config = keras.initializers.serialize(keras.initializers.STFT("imag", "hamming"))
    assert initializers.deserialize(config).get_config() == config["config"]
    for kwargs in [{"side": "both"}, {"scaling": "l2"}]:
        with pytest.raises(ValueError) as ours:
            initializers.STFT(**kwargs)
        with pytest.raises(ValueError) as theirs:
            keras.initializers.STFT(**kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError):
        initializers.STFT(window="no_such_window")
