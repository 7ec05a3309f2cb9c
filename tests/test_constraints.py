"""keras.constraints against Keras 3: values, names, configs, training and .keras files both ways."""

import numpy as np
import pytest

import kerasbook
from kerasbook import constraints

import keras  # the oracle

W = np.random.default_rng(0).normal(size=(5, 4)).astype("float32") * 2


@pytest.mark.parametrize("name, kwargs", [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}), ("NonNeg", {}),
    ("UnitNorm", {}), ("UnitNorm", {"axis": 1}), ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.5, "axis": 1}),
])
def test_constraints_equal_keras(name, kwargs):
    ours, theirs = getattr(constraints, name)(**kwargs), getattr(keras.constraints, name)(**kwargs)
    np.testing.assert_allclose(ours(W), keras.ops.convert_to_numpy(theirs(W)), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()


def test_public_names_and_lookup_equal_keras():
    public = {name for name in dir(keras.constraints) if not name.startswith("_")}
    assert public <= {name for name in dir(constraints) if not name.startswith("_")}
    for name in ("max_norm", "non_neg", "unit_norm", "min_max_norm", "MaxNorm"):
        assert type(constraints.get(name)).__name__ == type(keras.constraints.get(name)).__name__
    config = keras.constraints.serialize(keras.constraints.MaxNorm(3.0))
    assert constraints.get(config).get_config() == {"max_value": 3.0, "axis": 0}
    assert constraints.serialize(constraints.MaxNorm(3.0)) == config
    assert constraints.get(None) is None and kerasbook.constraints is constraints
    with pytest.raises(ValueError, match="Unknown constraint 'max_nrom'"):
        constraints.get("max_nrom")


def _model(k, **dense_kwargs):
    inputs = k.Input((6,))
    return k.Model(inputs, k.layers.Dense(4, name="out", **dense_kwargs)(inputs))


def test_layer_configs_name_their_constraints_as_keras_does():
    for layer_name, kwargs in [("Dense", {"units": 3, "kernel_constraint": "max_norm",
                                          "bias_constraint": "non_neg"}),
                               ("Embedding", {"input_dim": 5, "output_dim": 2,
                                              "embeddings_constraint": "unit_norm"}),
                               ("Conv2D", {"filters": 2, "kernel_size": 3, "kernel_constraint": "max_norm"}),
                               ("BatchNormalization", {"gamma_constraint": "non_neg"}),
                               ("LSTM", {"units": 2, "recurrent_constraint": "unit_norm"})]:
        ours = getattr(kerasbook.layers, layer_name)(**kwargs).get_config()
        theirs = getattr(keras.layers, layer_name)(**kwargs).get_config()
        for key in kwargs:
            if key.endswith("_constraint"):
                assert ours[key] == theirs[key], (layer_name, key)


def test_training_keeps_the_weights_inside_the_constraint_as_keras_does():
    x = np.random.default_rng(1).normal(size=(32, 6)).astype("float32")
    y = (x @ np.full((6, 4), 3.0, "float32"))  # pulls the kernel's norms far above 1
    ours = _model(kerasbook, kernel_constraint=kerasbook.constraints.MaxNorm(1.0))
    theirs = _model(keras, kernel_constraint=keras.constraints.MaxNorm(1.0))
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer=model_optimizer(model), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    kernel = ours.get_layer("out").kernel.numpy()
    assert np.linalg.norm(kernel, axis=0).max() <= 1.0 + 1e-5
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def model_optimizer(model):
    library = kerasbook if isinstance(model, kerasbook.Model) else keras
    return library.optimizers.SGD(learning_rate=0.1)


@pytest.mark.parametrize("writer", ["kerasbook", "keras"])
def test_constraints_survive_a_keras_file_in_both_directions(tmp_path, writer):
    libraries = {"kerasbook": kerasbook, "keras": keras}
    reader = libraries["keras" if writer == "kerasbook" else "kerasbook"]
    path = str(tmp_path / "constrained.keras")
    _model(libraries[writer], kernel_constraint="max_norm", bias_constraint="non_neg").save(path)
    layer = reader.saving.load_model(path).get_layer("out")
    assert type(layer.kernel_constraint).__name__ == "MaxNorm"
    assert type(layer.bias_constraint).__name__ == "NonNeg"
