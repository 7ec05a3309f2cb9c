"""The figures the guides print: kerasbook must print the same."""

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers


def test_sequential_guide_conv_stack_figures():
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    assert [l.output.shape for l in model.layers] == [(None, 123, 123, 32), (None, 121, 121, 32),
                                                      (None, 40, 40, 32)]
    assert [l.count_params() for l in model.layers] == [2432, 9248, 0]
    assert model.count_params() == 11680
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))
    lines = []
    model.summary(print_fn=lines.append)  # the guide's second summary
    assert "Total params: 48,672 (190.12 KB)" in lines[0]
    assert model.output_shape == (None, 4, 4, 32)
    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))
    assert model.output_shape == (None, 10) and model.count_params() == 48672 + 330


def test_sequential_guide_weights_and_35_params():
    layer = layers.Dense(3)
    assert layer.weights == []
    layer(np.ones((1, 4), "float32"))
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]
    model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"),
                              layers.Dense(4)])
    with pytest.raises(ValueError, match="not been built"):
        model.weights
    model(np.ones((1, 4), "float32"))
    assert len(model.weights) == 6 and model.count_params() == 35


def test_subclassing_guide_figures():
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal")
            self.b = self.add_weight(shape=(units,), initializer="zeros")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w) + self.b

    linear_layer = Linear(4, 2)
    assert linear_layer(keras.ops.ones((2, 2))).shape == (2, 4)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.ops.relu(self.linear_1(inputs))
            x = keras.ops.relu(self.linear_2(x))
            return self.linear_3(x)

    mlp = MLPBlock()
    mlp(keras.ops.ones(shape=(3, 32)))
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6


def test_functional_guide_conv_input_shapes_per_node():
    a = keras.Input(shape=(32, 32, 3))
    b = keras.Input(shape=(64, 64, 3))
    conv = layers.Conv2D(16, (3, 3), padding="same")
    conved_a = conv(a)
    assert conv.input_shape == (None, 32, 32, 3)
    conved_b = conv(b)
    assert conv.get_input_shape_at(0) == (None, 32, 32, 3)
    assert conv.get_input_shape_at(1) == (None, 64, 64, 3)
    assert conved_a.shape == (None, 32, 32, 16) and conved_b.shape == (None, 64, 64, 16)
