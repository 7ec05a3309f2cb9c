"""The Layer base class: building, weights, tracking, losses, training/mask plumbing, configs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers, ops


class Linear(keras.layers.Layer):
    """The subclassing guide's Linear layer, with weights created in build()."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


def test_dense_builds_from_first_input_and_names_like_keras():
    keras.backend.clear_session()
    layer = layers.Dense(3)
    assert layer.weights == [] and layer.name == "dense"
    layers.Dense(2)
    assert layers.Dense(2).name == "dense_2"
    y = layer(jnp.ones((1, 4)))
    assert y.shape == (1, 3)
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]
    assert [w.path for w in layer.weights] == ["dense/kernel", "dense/bias"]


def test_weights_tracked_in_order_through_nested_layers_lists_and_dicts():
    class Block(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.first = Linear(4)
            self.stack = [Linear(4), Linear(2)]
            self.by_name = {"extra": Linear(1)}

        def call(self, x):
            for layer in [self.first] + self.stack:
                x = layer(x)
            return self.by_name["extra"](x)

    block = Block()
    block(jnp.ones((2, 3)))
    assert len(block.weights) == 8 and len(block.trainable_weights) == 8
    assert block.weights[:2] == [block.first.w, block.first.b]
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 8
    assert block.stack[0].trainable is False


def test_non_trainable_weight_and_assign_add():
    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    x = ops.ones((2, 2))
    np.testing.assert_allclose(my_sum(x), [2.0, 2.0])
    np.testing.assert_allclose(my_sum(x), [4.0, 4.0])
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1
    assert my_sum.trainable_weights == []


def test_losses_reset_at_each_top_level_call_and_include_regularizers():
    class ActivityRegularization(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * ops.sum(inputs))
            return inputs

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularization()

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = Outer()
    assert len(layer.losses) == 0
    layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1
    layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1

    dense = layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))
    dense(ops.zeros((1, 1)))
    (loss,) = dense.losses
    np.testing.assert_allclose(loss, 1e-3 * np.sum(dense.kernel.numpy() ** 2), rtol=1e-6)


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(keras.layers.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, inputs):
            return self.probe(inputs)

    Outer()(jnp.ones((1, 2)), training=True)
    Outer()(jnp.ones((1, 2)))
    assert seen == [True, None]


def test_mask_from_embedding_reaches_a_layer_whose_call_takes_mask():
    received = {}

    class MaskedMean(keras.layers.Layer):
        def call(self, inputs, mask=None):
            received["mask"] = mask
            weights = mask[..., None].astype(inputs.dtype)
            return ops.sum(inputs * weights, axis=1) / ops.sum(weights, axis=1)

    embed = layers.Embedding(10, 3, mask_zero=True)
    padded = np.array([[1, 2, 0, 0]])
    out = MaskedMean()(embed(padded))
    np.testing.assert_array_equal(received["mask"], [[True, True, False, False]])
    expected = embed.embeddings.numpy()[[1, 2]].mean(axis=0)
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, None)
    model = keras.Model(inputs, MaskedMean()(x))
    assert model(padded).shape == (1, 3)


def test_masking_layer_makes_a_mask():
    x = np.zeros((1, 3, 2), "float32")
    x[0, 0] = 1.0
    masking = layers.Masking(mask_value=0.0)
    y = masking(x)
    from kerasbook.core.engine.masks import get_mask
    np.testing.assert_array_equal(get_mask(y), [[True, False, False]])


def test_get_config_round_trip_and_default_config():
    class Custom(keras.layers.Layer):
        def __init__(self, units=64, **kwargs):
            super().__init__(**kwargs)
            self.units = units

    config = Custom(units=7, name="custom").get_config()
    assert config["units"] == 7 and config["name"] == "custom" and config["trainable"] is True
    rebuilt = Custom.from_config(config)
    assert rebuilt.units == 7 and rebuilt.name == "custom"

    dense = layers.Dense(5, activation="relu", name="d")
    clone = layers.Dense.from_config(dense.get_config())
    assert clone.units == 5 and clone.get_config() == dense.get_config()


def test_get_set_weights_and_count_params_with_clear_errors():
    layer = layers.Dense(3)
    with pytest.raises(ValueError, match="not built"):
        layer.count_params()
    layer(np.ones((1, 4), "float32"))
    assert layer.count_params() == 15
    weights = [np.full((4, 3), 2.0, "float32"), np.ones(3, "float32")]
    layer.set_weights(weights)
    np.testing.assert_array_equal(layer.get_weights()[0], weights[0])
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 3\)"):
        layer.set_weights([np.ones((3, 3)), np.ones(3)])


def test_layer_called_on_a_shape_it_cannot_take_names_layer_and_shapes():
    dense = layers.Dense(2, name="head")
    dense(keras.Input((4,)))
    with pytest.raises(ValueError, match=r'"head".*axis -1.*value 4.*\(None, 5\)'):
        dense(keras.Input((5,)))


def test_stateless_call_leaves_variables_untouched_and_works_under_jit():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    before = layer.get_weights()
    zeros = [jnp.zeros(v.shape) for v in layer.trainable_variables]
    out, new_state, losses = jax.jit(
        lambda tv, x: layer.stateless_call(tv, [], x, return_losses=True))(zeros, jnp.ones((1, 3)))
    np.testing.assert_array_equal(out, np.zeros((1, 2)))
    assert new_state == [] and losses == []
    np.testing.assert_array_equal(layer.get_weights()[0], before[0])


def test_variable_behaves_like_an_array():
    v = keras.Variable(np.array([1.0, 2.0], "float32"), name="v")
    assert v.shape == (2,) and v.dtype == "float32" and v.trainable
    np.testing.assert_allclose(jnp.tanh(v), np.tanh([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(v * 2 + 1, [3.0, 5.0])
    v.assign([3.0, 4.0])
    np.testing.assert_allclose(v.numpy(), [3.0, 4.0])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        v.assign([1.0])


def test_variable_from_an_initializer_name_or_object_equals_keras():
    import keras as real_keras
    for k in (keras, real_keras):
        ones = k.Variable(initializer="ones", shape=(2, 3), name="w", trainable=False)
        assert (tuple(ones.shape), ones.dtype, ones.name, ones.trainable) == ((2, 3), "float32", "w", False)
        np.testing.assert_array_equal(ones.numpy(), np.ones((2, 3)))
        np.testing.assert_array_equal(k.Variable(k.initializers.Constant(2.0), shape=(2,)).numpy(), [2.0, 2.0])


def test_automatic_names_follow_keras_snake_case():
    from kerasbook.core.engine.naming import to_snake_case
    import keras as real_keras
    for name in ["Conv2D", "MaxPooling2D", "GlobalAveragePooling1D", "RMSprop", "InputLayer", "LSTM",
                 "SimpleRNN", "Conv2DTranspose", "Dense", "TimeDistributed", "ZeroPadding2D", "GRU"]:
        assert to_snake_case(name) == real_keras.src.utils.naming.to_snake_case(name)
