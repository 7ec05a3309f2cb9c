"""fit and evaluate trace a functional model once, in their step: the predictions' shapes, which the
loss check and the metrics need first, are read from the model's symbolic outputs (issue 13: after a
kernel restart every trace is paid again, even when the compiled program comes from the cache)."""

import jax
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers, ops
from kerasbook.core import tree


class CountingDense(layers.Dense):
    """A Dense layer that counts how often its call runs on arrays or tracers (not symbolic build)."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        return super().call(inputs)


def traced_specs(model, x):
    """What fit used to trace for the predictions' specs: the model's call on a batch of 2."""
    groups = model._state_variables("predict")
    return jax.eval_shape(
        lambda values, x: model.stateless_call(*values, x)[0],
        tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups),
        tree.map_structure(lambda a: jax.ShapeDtypeStruct((2,) + a.shape[1:], a.dtype), x))


def as_tuples(specs):
    return tree.map_structure(lambda s: (tuple(s.shape), str(s.dtype)), specs)


def test_fit_and_evaluate_trace_a_functional_model_once_each():
    counting = CountingDense(3, name="counting")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, counting(layers.Dense(8)(inputs)))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((64, 4), "float32"), np.zeros((64, 3), "float32")
    calls = counting.calls
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)  # one batch shape: one trace of the step
    assert counting.calls - calls == 1
    calls = counting.calls
    model.evaluate(x, y, batch_size=32, verbose=0)
    assert counting.calls - calls == 1


@pytest.mark.parametrize("kind", ["one", "list", "dict", "sequential", "integer"])
def test_the_symbolic_specs_are_those_tracing_gives(kind):
    inputs = keras.Input((6,), name="x")
    hidden = layers.Dense(5)(inputs)
    if kind == "one":
        model, x = keras.Model(inputs, layers.Dense(2)(hidden)), np.ones((3, 6), "float32")
    elif kind == "list":
        model, x = keras.Model(inputs, [layers.Dense(2)(hidden), layers.Reshape((5, 1))(hidden)]), np.ones((3, 6))
    elif kind == "dict":
        model = keras.Model(inputs, {"a": layers.Dense(1, name="a")(hidden), "b": hidden})
        x = np.ones((3, 6), "float32")
    elif kind == "sequential":
        model = keras.Sequential([keras.Input((7, 3)), layers.Conv1D(4, 3), layers.GlobalMaxPooling1D()])
        x = np.ones((3, 7, 3), "float32")
    else:
        model, x = keras.Model(inputs, ops.argmax(hidden, axis=-1)), np.ones((3, 6), "float32")
    specs = model._symbolic_prediction_specs()
    assert specs is not None
    assert as_tuples(specs) == as_tuples(traced_specs(model, model._standardize_inputs(x)))


def test_unknown_shapes_or_an_own_call_are_traced_as_before():
    inputs = keras.Input((None, 4))  # a sequence of any length: the output's length is the data's
    assert keras.Model(inputs, layers.Dense(2)(inputs))._symbolic_prediction_specs() is None
    fixed = keras.Input(batch_shape=(16, 4))  # a fixed batch: the specs' batch of 2 would not fit it
    assert keras.Model(fixed, layers.Dense(2)(fixed))._symbolic_prediction_specs() is None

    class Doubled(keras.Model):  # a functional model with a call of its own
        def call(self, inputs, training=None, mask=None):
            return ops.concatenate([super().call(inputs), super().call(inputs)], axis=-1)

    inputs = keras.Input((4,))
    model = Doubled(inputs, layers.Dense(2)(inputs))
    assert model._symbolic_prediction_specs() is None
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 4), "float32"), verbose=0)  # (8, 4): checked by tracing
    with pytest.raises(ValueError, match="cannot compare targets"):
        model.fit(np.ones((8, 4), "float32"), np.zeros((8, 3), "float32"), verbose=0)
