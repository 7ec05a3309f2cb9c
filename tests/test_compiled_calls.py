"""A model keeps compiled programs for a bounded number of input signatures, least recently used
first out (issue 16, 9): calling it on many shapes does not grow memory without end."""

import gc
import weakref

import numpy as np

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models import compiled_calls


def pooled_model():
    return keras.Sequential([keras.Input((None, 2)), layers.Dense(3), layers.GlobalAveragePooling1D()])


def kept(model):
    return sum(len(call) for call in model._jit_cache.values())


def test_many_input_shapes_keep_at_most_the_limit_of_programs():
    model = pooled_model()
    limit = compiled_calls.MAX_SIGNATURES
    first = model._compiled_call(False)
    model(np.ones((1, 1, 2), "float32"))
    dropped = weakref.ref(next(iter(first._compiled.values())))
    for length in range(2, 2 * limit + 2):
        model(np.ones((1, length, 2), "float32"))
    assert kept(model) == limit
    gc.collect()
    assert dropped() is None  # the dropped program's jax.jit is gone, and its executable with it


def test_the_least_recently_used_signature_goes_first_and_results_stay_the_same():
    model = pooled_model()
    limit = compiled_calls.MAX_SIGNATURES
    favourite = np.arange(8, dtype="float32").reshape(1, 4, 2)
    expected = np.asarray(model(favourite))
    call = model._compiled_call(False)
    key = next(iter(call._compiled))
    for length in range(5, 5 + 2 * limit):
        model(np.ones((1, length, 2), "float32"))
        np.testing.assert_allclose(np.asarray(model(favourite)), expected, rtol=1e-6)  # used again each time
    assert key in call._compiled and len(call) == limit
    np.testing.assert_allclose(model.predict(favourite, verbose=0), expected, rtol=1e-6)
