"""get_config / from_config for layers and models, custom objects and registration."""

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers, ops


@keras.saving.register_keras_serializable(package="Course")
class CustomDense(keras.layers.Layer):
    """The functional guide's CustomDense, with get_config."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Unregistered(CustomDense):
    pass


def test_registered_name_and_serialized_form_match_keras():
    assert keras.saving.get_registered_name(CustomDense) == "Course>CustomDense"
    record = keras.saving.serialize_keras_object(CustomDense(4, name="cd"))
    assert record["registered_name"] == "Course>CustomDense" and record["module"] == CustomDense.__module__
    assert record["config"]["units"] == 4
    dense = keras.saving.serialize_keras_object(layers.Dense(3))
    assert dense["module"] == "keras.layers" and dense["class_name"] == "Dense"


def test_model_with_registered_custom_layer_round_trips_through_config():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, CustomDense(10)(inputs))
    config = model.get_config()
    clone = keras.Model.from_config(config)
    assert isinstance(clone.layers[1], CustomDense) and clone.layers[1].units == 10
    assert clone.count_params() == model.count_params()


def test_unknown_class_names_itself_and_suggests_custom_objects():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Unregistered(2)(inputs))
    config = model.get_config()
    with pytest.raises(TypeError, match=r"Unregistered.*custom_objects"):
        keras.Model.from_config(config)
    clone = keras.Model.from_config(config, custom_objects={"Unregistered": Unregistered})
    assert isinstance(clone.layers[1], Unregistered)


def test_default_get_config_and_from_config_of_a_custom_layer():
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.units = units

    layer = Linear(units=64)
    config = layer.get_config()
    # as Keras 3.15: the arguments passed, and the defaults of the others
    assert config["units"] == 64 and config["input_dim"] == 32
    assert Linear.from_config({"units": 64}).units == 64


def test_sequential_config_round_trip_keeps_input_and_layers():
    model = keras.Sequential([keras.Input((16,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
    clone = keras.Sequential.from_config(model.get_config())
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    assert clone.input_shape == (None, 16) and clone.count_params() == model.count_params()


def test_clone_model_of_sequential_and_with_clone_function():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(1)])
    renamed = keras.models.clone_model(
        model, clone_function=lambda layer: type(layer).from_config({**layer.get_config(),
                                                                      "name": layer.name + "_copy"}))
    assert [l.name for l in renamed.layers] == [l.name + "_copy" for l in model.layers]
    x = np.ones((1, 3), "float32")
    renamed.set_weights(model.get_weights())
    np.testing.assert_allclose(renamed(x), model(x), rtol=1e-6)


def test_lambda_config_refuses_stored_code_unless_safe_mode_is_off():
    import keras as real_keras
    layer = layers.Lambda(lambda x: x * 2 + 1, name="double")
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match=r'Lambda layer "double".*safe_mode=False'):
        keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    loaded = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer), safe_mode=False)
    np.testing.assert_allclose(loaded(np.ones((1, 2), "float32")), [[3.0, 3.0]])
    # Keras 3 reads the same record, and refuses it in safe mode too.
    with pytest.raises(ValueError, match="safe_mode=False"):
        real_keras.layers.Lambda.from_config(config)
    theirs = real_keras.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(np.asarray(theirs(np.ones((1, 2), "float32"))), [[3.0, 3.0]])


def test_lambda_with_a_registered_function_loads_safely():
    @keras.saving.register_keras_serializable(package="Course")
    def add_one(x):
        return x + 1

    config = keras.saving.serialize_keras_object(layers.Lambda(add_one))
    loaded = keras.saving.deserialize_keras_object(config)
    np.testing.assert_allclose(loaded(np.zeros((1,), "float32")), [1.0])


def test_functional_from_config_when_a_custom_config_has_no_name():
    """The guides' CustomDense.get_config returns only {"units": ...}: the rebuilt layer gets a new
    automatic name, and the model must still be wired by the names in the config (as Keras does)."""

    class Bare(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def call(self, inputs):
            return inputs[..., : self.units]

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Bare(2)(Bare(3)(inputs)))
    rebuilt = keras.Model.from_config(model.get_config(), custom_objects={"Bare": Bare})
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["InputLayer", "Bare", "Bare"]
    assert rebuilt.outputs[0].shape == (None, 2)
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_array_equal(rebuilt(x), x[:, :2])


@pytest.mark.parametrize("name, args", [("Dense", (4,)), ("Conv2D", (4, 3)), ("Embedding", (10, 4)),
                                        ("EinsumDense", ("ab,bc->ac", 4)), ("LSTM", (3,))])
def test_activity_regularizer_is_in_the_config_as_keras_writes_it(name, args):
    """The base layer writes it when there is one (Dense relies on that); Conv2D and Embedding wrote
    None whatever the layer had, so a saved model lost its activity regularizer."""
    import keras as real_keras
    for regularizer in ("l2", None):
        ours = getattr(keras.layers, name)(*args, activity_regularizer=regularizer).get_config()
        theirs = getattr(real_keras.layers, name)(*args, activity_regularizer=regularizer).get_config()
        assert ("activity_regularizer" in ours) == ("activity_regularizer" in theirs)
        assert ours.get("activity_regularizer") == theirs.get("activity_regularizer")
        again = getattr(keras.layers, name).from_config(ours)
        assert type(again.activity_regularizer) is type(keras.regularizers.get(regularizer))
