"""keras.utils.FeatureSpace and layers.HashedCrossing.

Keras 3.15's FeatureSpace runs its preprocessing through tf.data and a TensorFlow graph, and its
StringLookup, IntegerLookup, Hashing, HashedCrossing and Discretization.adapt need TensorFlow, which
is not installed: so the oracles here are Keras's own test figures (encoded widths 195, 152, 11/32/32
for the same features and data as keras/src/layers/preprocessing/feature_space_test.py), Keras's
documented HashedCrossing values, the real Keras layers that run on JAX (Normalization, Rescaling,
Discretization with boundaries, CategoryEncoding), and NumPy for the lookups' one-hot codes.
"""

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

FS = kerasbook.utils.FeatureSpace

DATA = {  # Keras's test data (feature_space_test.py)
    "float_1": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "float_2": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "float_3": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "int_1": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "int_2": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    "int_3": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    "string_1": list("0123456789"), "string_2": list("0123456789"),
}
NUMBERS = {k: v for k, v in DATA.items() if not k.startswith("string")}


def test_hashed_crossing_gives_kerass_documented_bins():
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    np.testing.assert_array_equal(kerasbook.layers.HashedCrossing(num_bins=5)((feat1, feat2)), [1, 4, 1, 1, 3])
    one_hot = kerasbook.layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2))
    np.testing.assert_array_equal(one_hot, np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])
    assert kerasbook.layers.HashedCrossing(num_bins=10)((np.array("A"), np.array(101))) == 1
    layer = kerasbook.layers.HashedCrossing(num_bins=5, name="cross")
    assert layer.get_config() == {"num_bins": 5, "output_mode": "int", "sparse": False, "name": "cross",
                                  "dtype": "int64"}
    with pytest.raises(ValueError, match="at least two inputs"):
        layer((feat1,))
    with pytest.raises(ValueError, match="integer or string"):
        layer((np.array([1.0]), np.array([1.0])))


@pytest.mark.parametrize("features, crosses, data, width", [
    ({"float_1": "float", "float_2": "float_normalized", "float_3": "float_discretized",
      "string_1": "string_categorical", "string_2": "string_hashed", "int_1": "integer_categorical",
      "int_2": "integer_hashed", "int_3": "integer_categorical"},
     [("float_3", "string_1"), ("string_2", "int_2")], DATA, 195),
    ({"float_1": "float", "float_2": "float_normalized", "float_3": "float_discretized",
      "int_1": "integer_categorical", "int_2": "integer_hashed", "int_3": "integer_categorical"},
     [("int_1", "int_2"), ("int_2", "int_3")], NUMBERS, 152)])
def test_encoded_width_as_in_kerass_tests(features, crosses, data, width):
    space = FS(features=features, crosses=crosses, output_mode="concat")
    space.adapt(data)
    assert space(data).shape == (10, width) and space(data).dtype == np.float32
    assert space({key: values[3] for key, values in data.items()}).shape == (width,)  # one sample
    np.testing.assert_array_equal(space({key: values[3] for key, values in data.items()}), space(data)[3])
    assert space.get_encoded_features().shape == (None, width)


def test_dict_mode_widths_and_int_outputs_as_in_kerass_tests():
    space = FS(features={"string_1": "string_categorical", "int_2": "integer_hashed"},
               crosses=[("string_1", "int_2")], output_mode="dict")
    space.adapt(DATA)
    assert {k: v.shape for k, v in space(DATA).items()} == {"string_1": (10, 11), "int_2": (10, 32),
                                                            "string_1_X_int_2": (10, 32)}
    ints = FS(features={"string_1": FS.string_categorical(output_mode="int"),
                        "int_2": FS.integer_hashed(num_bins=32, output_mode="int")},
              crosses=[FS.cross(("string_1", "int_2"), crossing_dim=32, output_mode="int")], output_mode="dict")
    ints.adapt(DATA)
    out = ints({key: values[0] for key, values in DATA.items()})
    assert {k: v.shape for k, v in out.items()} == {"string_1": (1,), "int_2": (1,), "string_1_X_int_2": (1,)}


def test_values_equal_the_preprocessing_layers_of_keras():
    """Each block of the concatenated vector, in Keras's order (features sorted by name, then crosses)."""
    space = FS(features={"b_norm": "float_normalized", "a_scaled": FS.float_rescaled(scale=2.0, offset=-1.0),
                         "c_bins": FS.float_discretized(num_bins=3, bin_boundaries=[0.25, 0.6]),
                         "d_city": "string_categorical", "e_zip": FS.integer_categorical(max_tokens=4)},
               crosses=[FS.cross(("d_city", "e_zip"), crossing_dim=8)])
    data = {"b_norm": [1.0, 2.0, 4.0, 9.0], "a_scaled": [0.0, 0.5, 1.0, 2.0], "c_bins": [0.1, 0.3, 0.7, 0.9],
            "d_city": ["paris", "rome", "paris", "oslo"], "e_zip": [75, 10, 75, 75]}
    space.adapt(data)
    out = space(data)
    column = {k: np.asarray(v, "float32")[:, None] for k, v in data.items() if not k.startswith(("d", "e"))}
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(column["b_norm"])
    expected_bins = keras.layers.Discretization(bin_boundaries=[0.25, 0.6])(column["c_bins"])
    # StringLookup: "[UNK]" 0, then by frequency (paris 1; oslo and rome, a tie, in Keras's order)
    city_vocabulary = space.preprocessors["d_city"].get_vocabulary()
    assert city_vocabulary[:2] == ["[UNK]", "paris"] and sorted(city_vocabulary[2:]) == ["oslo", "rome"]
    city_ids = [city_vocabulary.index(c) for c in data["d_city"]]
    zip_ids = [[-1, 75, 10].index(z) for z in data["e_zip"]]  # IntegerLookup: OOV (-1) 0, 75 (3 times) 1, 10 2
    assert space.preprocessors["e_zip"].get_vocabulary() == [-1, 75, 10]
    cross = kerasbook.layers.HashedCrossing(8)((np.array(city_ids)[:, None], np.array(zip_ids)[:, None]))
    blocks = [keras.layers.Rescaling(2.0, -1.0)(column["a_scaled"]), norm(column["b_norm"]),
              keras.layers.CategoryEncoding(3, output_mode="one_hot")(expected_bins), np.eye(4)[city_ids],
              np.eye(3)[zip_ids], np.eye(8)[cross[:, 0]]]
    np.testing.assert_allclose(out, np.concatenate([np.asarray(b, "float32") for b in blocks], axis=-1), atol=1e-6)
    assert out.shape == (4, 1 + 1 + 3 + 4 + 3 + 8)


def test_hashed_features_use_the_hashing_layers_bins():
    space = FS(features={"user": FS.string_hashed(num_bins=16), "item": FS.integer_hashed(num_bins=8)},
               output_mode="dict")
    data = {"user": ["ann", "bob", "cyd"], "item": [3, 14, 3]}
    out = space(data)  # nothing to adapt
    user_bins = kerasbook.layers.Hashing(num_bins=16)(np.array(data["user"])[:, None])[:, 0]
    item_bins = kerasbook.layers.Hashing(num_bins=8)(np.array(data["item"])[:, None])[:, 0]
    np.testing.assert_array_equal(out["user"], np.eye(16)[user_bins])
    np.testing.assert_array_equal(out["item"], np.eye(8)[item_bins])


def test_a_model_trains_on_the_encoded_features():
    rng = np.random.default_rng(0)
    n = 64
    data = {"age": rng.normal(40, 10, n), "city": rng.choice(["paris", "rome", "oslo"], n),
            "rooms": rng.integers(1, 5, n)}
    labels = ((data["age"] > 40) & (data["city"] != "oslo")).astype("float32")
    space = FS(features={"age": "float_normalized", "city": "string_categorical", "rooms": "integer_categorical"},
               crosses=[("city", "rooms")], crossing_dim=8)
    space.adapt(data)
    kerasbook.utils.set_random_seed(0)
    encoded = space.get_encoded_features()
    outputs = kerasbook.layers.Dense(1, activation="sigmoid")(kerasbook.layers.Dense(8, activation="relu")(encoded))
    model = kerasbook.Model(encoded, outputs)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(space(data), labels, epochs=30, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="are strings"):
        space.get_inputs()
    numeric = FS(features={"age": "float_normalized", "rooms": "integer_categorical"})
    numeric.adapt(data)
    assert {k: (v.shape, v.dtype) for k, v in numeric.get_inputs().items()} == \
        {"age": ((None, 1), "float32"), "rooms": ((None, 1), "int32")}


def test_errors_as_keras():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FS(features={})
    with pytest.raises(ValueError, match="Invalid feature type"):
        FS(features={"a": "float_normalised"})
    with pytest.raises(ValueError, match="Received unknown features"):
        FS(features={"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="Expected one of {'dict', 'concat'}"):
        FS(features={"a": "float"}, output_mode="list")
    space = FS(features={"a": "float_normalized"})
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        space({"a": [1.0]})
    with pytest.raises(ValueError, match="has not been encoded"):
        _adapted_int_concat()


def _adapted_int_concat():
    space = FS(features={"c": FS.string_categorical(output_mode="int")}, output_mode="concat")
    space.adapt({"c": ["x", "y"]})
    return space({"c": ["x"]})


def test_config_round_trip_keeps_features_and_crosses():
    space = FS(features={"a": "float_normalized", "b": FS.string_categorical(max_tokens=5)}, crosses=[("a", "b")],
               crossing_dim=16)
    config = space.get_config()
    assert sorted(config) == sorted(["features", "output_mode", "crosses", "crossing_dim", "hashing_dim",
                                     "num_discretization_bins"])
    again = FS.from_config(config)
    assert again.crosses[0].name == "a_X_b" and again.crosses[0].crossing_dim == 16
    assert type(again.preprocessors["b"]).__name__ == "StringLookup" and again.preprocessors["b"].max_tokens == 5
