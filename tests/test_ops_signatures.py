"""Every op kerasbook shares with keras.ops takes Keras's arguments: the same names, in the same order,
of the same kinds, with the same defaults (inspect.signature on both), in every namespace Keras has
(ops, ops.nn, ops.numpy, ops.linalg, ops.image). So `ops.sum(x, 0, True)` keeps dims as in Keras, where
jax.numpy's third argument is a dtype (issue 17, item 8)."""

import inspect
import types

import numpy as np
import pytest

import keras  # the oracle
import kerasbook

NAMESPACES = ["", "nn", "numpy", "linalg", "image"]


def public_functions(module):
    return {name: value for name, value in vars(module).items() if not name.startswith("_")
            and callable(value) and not isinstance(value, (types.ModuleType, type))}


def parameters(function):
    """[(name, kind, default)] with the kinds Keras uses (positional-or-keyword, *args, keyword-only, **kwargs)."""
    return [(p.name, p.kind.name, p.default) for p in inspect.signature(function).parameters.values()]


def shared_ops():
    pairs = []
    for namespace in NAMESPACES:
        theirs = getattr(keras.ops, namespace) if namespace else keras.ops
        ours = getattr(kerasbook.ops, namespace) if namespace else kerasbook.ops
        for name, function in sorted(public_functions(theirs).items()):
            if hasattr(ours, name):
                pairs.append((f"{namespace}.{name}".lstrip("."), function, getattr(ours, name)))
    return pairs


def test_every_shared_op_has_keras_signature():
    differences = {name: (str(inspect.signature(ours)), str(inspect.signature(theirs)))
                   for name, theirs, ours in shared_ops() if parameters(ours) != parameters(theirs)}
    assert not differences, "\n".join(f"{n}: kerasbook {o} != keras {t}" for n, (o, t) in differences.items())


def test_the_check_sees_many_ops_and_would_see_a_difference():
    assert len(shared_ops()) > 600
    def sum_as_jax_numpy(a, axis=None, dtype=None, out=None, keepdims=False):  # jnp.sum's order
        pass
    assert parameters(sum_as_jax_numpy) != parameters(keras.ops.sum)


REDUCTIONS = ["sum", "mean", "std", "var", "prod", "any", "all", "median", "ptp", "max", "min", "amax", "amin",
              "nansum", "nanmean", "nanstd", "nanvar", "nanprod", "nanmax", "nanmin", "nanmedian", "argmax",
              "argmin", "logsumexp", "count_nonzero"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_take_keepdims_third_as_keras(name):
    x = np.arange(1, 13, dtype="float32").reshape(3, 4)
    x[1, 2] = np.nan if name.startswith("nan") else x[1, 2]
    args = (x, 1, True) if "keepdims" in inspect.signature(getattr(keras.ops, name)).parameters else (x, 1)
    ours, theirs = np.asarray(getattr(kerasbook.ops, name)(*args)), np.asarray(getattr(keras.ops, name)(*args))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_renamed_arguments_reach_jax_in_their_place():
    x = np.arange(6.0).reshape(2, 3)
    assert kerasbook.ops.reshape(x, newshape=(3, 2)).shape == (3, 2)
    np.testing.assert_array_equal(kerasbook.ops.tile(x, repeats=2), np.tile(x, 2))
    np.testing.assert_array_equal(kerasbook.ops.searchsorted(sorted_sequence=[1, 3, 5], values=[4]), [2])
    np.testing.assert_array_equal(kerasbook.ops.rot90(array=x), np.rot90(x))
    assert float(kerasbook.ops.prod([1.0, 2.0, 3.0], None, False, "float32")) == 6.0
    with pytest.raises(TypeError):
        kerasbook.ops.sum(x, axis=0, dtype="float16")  # not Keras's argument, refused as Keras refuses it
