"""Vocabularies and adapted statistics in `.keras` files, as Keras 3 writes them.

Keras 3.15 needs TensorFlow for IntegerLookup, StringLookup and TextVectorization, so the files
written by the real Keras come from tests/scripts/keras_with_tensorflow.py (run in a separate venv
with tensorflow-cpu): tests/data/keras_tf_adapted.keras (an adapted IntegerLookup inside the graph,
its vocabulary in assets/; an adapted Normalization, whose statistics are weights; an adapted
Discretization, whose bin boundaries are in the config) and a TextVectorization's config and assets
folder, with the outputs Keras computed. The same script's `check` loads kerasbook's files in Keras.
"""

import importlib.util
import json
import pathlib
import zipfile

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers

DATA = pathlib.Path(__file__).parent / "data"
_spec = importlib.util.spec_from_file_location("keras_with_tensorflow",
                                               pathlib.Path(__file__).parent / "scripts" / "keras_with_tensorflow.py")
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)  # the data and the model-building code the Keras files came from
EXPECTED = json.loads((DATA / "keras_tf_outputs.json").read_text())


def test_a_model_keras_saved_with_adapted_layers_loads_and_gives_kerases_outputs():
    model = keras.saving.load_model(DATA / "keras_tf_adapted.keras")
    np.testing.assert_allclose(model(oracle.inputs()), EXPECTED["adapted"], atol=1e-5)
    np.testing.assert_allclose(model.predict(oracle.inputs(), verbose=0), EXPECTED["adapted"], atol=1e-5)
    lookup = model.get_layer("integer_lookup")
    assert lookup.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]  # from assets/, not the config


def test_kerasbook_writes_the_same_members_and_vocabulary_file_as_keras(tmp_path):
    model = oracle.adapted_model(keras)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(DATA / "keras_tf_adapted.keras") as theirs, zipfile.ZipFile(tmp_path / "m.keras") as ours:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        name = "assets/layers/integer_lookup/vocabulary.txt"
        assert ours.read(name) == theirs.read(name) == b"-1\n42\n1138\n1000\n36\n12"
        configs = [{layer["class_name"]: layer["config"] for layer in json.loads(z.read("config.json"))["config"]["layers"]}
                   for z in (ours, theirs)]
    for key in ("vocabulary", "vocabulary_size", "max_tokens", "oov_token", "mask_token", "num_oov_indices"):
        assert configs[0]["IntegerLookup"][key] == configs[1]["IntegerLookup"][key], key
    for key in ("bin_boundaries", "num_bins"):
        assert configs[0]["Discretization"][key] == configs[1]["Discretization"][key], key
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again(oracle.inputs()), model(oracle.inputs()), atol=1e-6)
    statistics = again.get_layer("normalization")
    np.testing.assert_allclose(np.asarray(statistics.adapt_mean).ravel(), np.mean(oracle.NUMBERS, axis=0), atol=1e-6)


def test_integer_lookup_in_a_compiled_model_equals_the_lookup_on_data():
    lookup = layers.IntegerLookup(mask_token=0)
    lookup.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    ids = keras.Input(shape=(4,), dtype="int32")
    model = keras.Model(ids, lookup(ids))
    data = np.array([[12, 0, 7, 42], [1000, 36, 99999, 0]])  # 0 is the mask, 7 and 99999 unknown
    np.testing.assert_array_equal(model(data), lookup(data))
    np.testing.assert_array_equal(lookup(data), [[6, 0, 1, 2], [4, 5, 1, 0]])
    counts = keras.Model(ids, layers.IntegerLookup(vocabulary=[12, 42], output_mode="count")(ids))
    np.testing.assert_array_equal(counts(np.array([[12, 12, 42, 5]])), [[1, 2, 1]])


def test_text_vectorization_from_kerases_config_and_assets_gives_kerases_ids():
    folder = DATA / "keras_tf_text_vectorization"
    layer = keras.saving.deserialize_keras_object(json.loads((folder / "config.json").read_text()))
    layer.load_assets(str(folder))
    assert layer.get_vocabulary() == EXPECTED["vocabulary"]
    np.testing.assert_array_equal(layer(np.array(oracle.SENTENCES)), EXPECTED["text_vectorization"])


def test_text_vectorization_writes_kerases_vocabulary_file(tmp_path):
    layer = oracle.text_vectorization(keras)
    layer.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_bytes() == (DATA / "keras_tf_text_vectorization" /
                                                           "vocabulary.txt").read_bytes()
    config = keras.saving.serialize_keras_object(layer)
    theirs = json.loads((DATA / "keras_tf_text_vectorization" / "config.json").read_text())
    # The automatic name depends on how many vectorizers this process made before (pytest-xdist gives
    # a worker several files), so only its stem is compared.
    assert config["config"]["name"].startswith(theirs["config"]["name"])
    assert {k: v for k, v in config["config"].items() if k not in ("dtype", "name")} == \
        {k: v for k, v in theirs["config"].items() if k not in ("dtype", "name")}


@keras.saving.register_keras_serializable(package="test_assets")
class Classifier(keras.Model):
    """A subclassed model holding an adapted vectorizer: its vocabulary travels in assets/."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.vectorize = layers.TextVectorization(output_sequence_length=5)
        self.embed = layers.Embedding(20, 3)

    def call(self, ids):
        return self.embed(ids)


def test_an_adapted_vectorizer_held_by_a_model_round_trips(tmp_path):
    model = Classifier()
    model.vectorize.adapt(oracle.SENTENCES)
    model(np.zeros((1, 5), "int32"))
    model.save(tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as archive:  # Keras's two folders: the layer's and its lookup's
        assert {n for n in archive.namelist() if n.startswith("assets/")} == {  # (found through model.layers)
            "assets/layers/text_vectorization/vocabulary.txt",
            "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt"}
    again = keras.saving.load_model(tmp_path / "c.keras")
    assert again.vectorize.get_vocabulary() == model.vectorize.get_vocabulary()
    np.testing.assert_array_equal(again.vectorize(oracle.SENTENCES), model.vectorize(oracle.SENTENCES))


def test_a_vocabulary_given_in_the_config_writes_no_assets(tmp_path):
    ids = keras.Input(shape=(2,), dtype="int32")
    model = keras.Model(ids, layers.IntegerLookup(vocabulary=[5, 6])(ids))
    model.save(tmp_path / "v.keras")
    with zipfile.ZipFile(tmp_path / "v.keras") as archive:
        assert not [n for n in archive.namelist() if n.startswith("assets/")]
    np.testing.assert_array_equal(keras.saving.load_model(tmp_path / "v.keras")(np.array([[6, 9]])), [[2, 0]])


def test_an_asset_name_that_climbs_out_of_its_folder_is_refused(tmp_path):
    source = tmp_path / "m.keras"
    oracle.adapted_model(keras).save(source)
    hostile = tmp_path / "hostile.keras"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(hostile, "w") as out:
        for name in archive.namelist():
            out.writestr(name, archive.read(name))
        out.writestr("assets/layers/integer_lookup/..", b"x")
    with pytest.raises(ValueError, match="outside the layer's folder"):
        keras.saving.load_model(hostile)
