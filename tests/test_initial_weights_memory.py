"""Initial weights are drawn into memory JAX takes as it is (issue 13: VGG19's 572 MB of weights were
copied once more when they became JAX arrays). The numbers are the ones drawn before the change."""

import jax
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import initializers as keras_initializers
from kerasbook.core import initializers


@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 16, 32), (7,), ()])
def test_drawn_arrays_are_aligned_and_jax_shares_them_on_the_cpu(shape):
    values = keras_initializers.GlorotUniform(seed=1)(shape)
    assert values.shape == shape and values.dtype == np.float32
    assert values.ctypes.data % initializers.XLA_ALIGNMENT == 0
    if jax.default_backend() == "cpu" and values.size:
        assert jax.device_put(values).unsafe_buffer_pointer() == values.ctypes.data  # no copy


def test_a_dense_kernel_is_the_drawn_memory():
    layer = keras.layers.Dense(64, kernel_initializer=keras_initializers.RandomNormal(seed=5))
    layer.build((None, 128))
    kernel = layer.kernel.value
    assert kernel.unsafe_buffer_pointer() % initializers.XLA_ALIGNMENT == 0
    np.testing.assert_array_equal(np.asarray(kernel), keras_initializers.RandomNormal(seed=5)((128, 64)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_the_numbers_are_numpys_draws_as_before(dtype):
    """The same generator, the same stream: an initializer gives what it gave before, seed for seed."""
    draw = np.float64 if dtype == "float64" else np.float32
    uniform = keras_initializers.RandomUniform(-0.2, 0.3, seed=11)((40, 30), dtype)
    expected = np.random.default_rng(11).random((40, 30), dtype=draw)
    expected *= 0.5
    expected += -0.2
    np.testing.assert_array_equal(uniform, expected.astype(dtype))
    normal = keras_initializers.RandomNormal(0.1, 2.0, seed=12)((40, 30), dtype)
    expected = np.random.default_rng(12).standard_normal((40, 30), dtype=draw)
    expected *= 2.0
    expected += 0.1
    np.testing.assert_array_equal(normal, expected.astype(dtype))
    truncated = keras_initializers.TruncatedNormal(0.0, 1.0, seed=13)((400,), dtype)
    rng = np.random.default_rng(13)
    expected = rng.standard_normal((400,), dtype=draw)
    outside = np.abs(expected) > 2
    while outside.any():
        expected[outside] = rng.standard_normal(int(outside.sum()), dtype=draw)
        outside = np.abs(expected) > 2
    np.testing.assert_array_equal(truncated, expected.astype(dtype))
    assert uniform.dtype == normal.dtype == truncated.dtype == np.dtype(dtype)
