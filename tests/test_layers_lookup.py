"""StringLookup and IntegerLookup. Keras 3.15 needs TensorFlow for these layers (not installed), so the
oracle here is Keras's own documentation: each example of its docstrings, with the values it shows,
and the config keys of its source (keras/src/layers/preprocessing/index_lookup.py, string_lookup.py)."""

import numpy as np
import pytest

import kerasbook
from kerasbook import layers

VOCAB = ["a", "b", "c", "d"]


def test_string_lookup_with_a_known_vocabulary():
    layer = layers.StringLookup(vocabulary=VOCAB)
    np.testing.assert_array_equal(layer([["a", "c", "d"], ["d", "z", "b"]]), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"] and layer.vocabulary_size() == 5


def test_string_lookup_adapt_ranks_by_frequency_then_token():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    layer = layers.StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(layer(data), [[5, 3, 1], [1, 2, 4]])
    batches = layers.StringLookup()
    batches.adapt(iter([np.array(["a", "c", "d"]), np.array(["d", "z", "b"])]))  # batches count alike
    assert batches.get_vocabulary() == layer.get_vocabulary()


@pytest.mark.parametrize("mode,expected", [
    ("multi_hot", [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ("count", [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
])
def test_string_lookup_encodings(mode, expected):
    layer = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)
    out = layer([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32


def test_string_lookup_one_hot():
    out = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    np.testing.assert_array_equal(out, [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1],
                                        [1, 0, 0, 0, 0]])


def test_string_lookup_inverts_ids_to_words():
    words = [["a", "c", "d"], ["d", "z", "b"]]
    ids = layers.StringLookup(vocabulary=VOCAB)(words)
    back = layers.StringLookup(vocabulary=VOCAB, invert=True)(ids)
    np.testing.assert_array_equal(back, [["a", "c", "d"], ["d", "[UNK]", "b"]])
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=VOCAB, invert=True)([[1, 3, 4], [4, 0, 2]]),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])


def test_mask_token_takes_id_0():
    layer = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    np.testing.assert_array_equal(layer([["a", "", "z"]]), [[2, 0, 1]])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]


def test_integer_lookup_examples():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup(vocabulary=vocab)
    np.testing.assert_array_equal(layer(data), [[1, 3, 4], [4, 0, 2]])
    adapted = layers.IntegerLookup()
    adapted.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(adapted(data), [[5, 2, 1], [1, 3, 4]])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=vocab, invert=True)([[1, 3, 4], [4, 0, 2]]),
                                  [[12, 1138, 42], [42, -1, 36]])


def test_max_tokens_keeps_the_most_frequent():
    layer = layers.StringLookup(max_tokens=3)
    layer.adapt(["x", "y", "y", "z", "z", "z"])
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]
    padded = layers.StringLookup(vocabulary=["z", "y"], max_tokens=6, pad_to_max_tokens=True,
                                 output_mode="multi_hot")
    assert padded([["z", "q"]]).shape == (1, 6)


def test_vocabulary_from_a_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n", encoding="utf-8")
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=str(path))(["d", "q"]), [4, 0])


def test_configs_hold_keras_keys_and_rebuild_the_layer():
    layer = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "invert", "max_tokens", "num_oov_indices", "oov_token",
                           "mask_token", "output_mode", "sparse", "pad_to_max_tokens", "idf_weights",
                           "vocabulary", "vocabulary_size", "oov_method", "salt", "encoding"}
    assert config["vocabulary"] == VOCAB and config["vocabulary_size"] == 6
    again = layers.StringLookup.from_config(config)
    np.testing.assert_array_equal(again(["a", "", "z"]), layer(["a", "", "z"]))
    assert "vocabulary_dtype" in layers.IntegerLookup(vocabulary=[3]).get_config()


def test_lookups_refuse_what_they_cannot_do():
    with pytest.raises(ValueError, match="num_oov_indices"):
        layers.StringLookup(num_oov_indices=2)
    with pytest.raises(ValueError, match="tf_idf"):
        layers.StringLookup(output_mode="tf_idf")
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="not inside a model"):  # strings cannot enter a compiled model
        layers.StringLookup(vocabulary=["a", "b"])(kerasbook.Input((3,), dtype="int32"))


def test_text_vectorization_adapt_example():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    np.testing.assert_array_equal(layer([["foo qux bar"], ["qux baz"]]), [[4, 1, 3, 0], [1, 2, 0, 0]])


def test_text_vectorization_vocabulary_example():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    np.testing.assert_array_equal(layer([["earth wind and fire"], ["fire and earth michigan"]]),
                                  [[2, 3, 4, 5], [5, 4, 2, 1]])


def test_text_vectorization_standardizes_splits_and_pads():
    layer = layers.TextVectorization(vocabulary=["the", "cat", "sat"])
    out = layer(["The CAT, sat!", "the dog"])  # longest sentence sets the length, 0 pads
    np.testing.assert_array_equal(out, [[2, 3, 4], [2, 1, 0]])
    chars = layers.TextVectorization(split="character", standardize=None, vocabulary=list("ab"))
    np.testing.assert_array_equal(chars(["abc"]), [[2, 3, 1]])


def test_text_vectorization_ngrams_and_bags_of_words():
    layer = layers.TextVectorization(ngrams=2, output_mode="count")
    layer.adapt(["a b a b", "b c"])
    vocabulary = layer.get_vocabulary()
    assert vocabulary[0] == "[UNK]" and {"a b", "b a", "b c"} <= set(vocabulary)
    counts = layer(["a b a", ""])
    assert counts.shape == (2, layer.vocabulary_size())
    assert counts[0, vocabulary.index("a")] == 2 and counts[0, vocabulary.index("a b")] == 1
    assert counts[1].sum() == 0
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=["x", "y"])
    np.testing.assert_array_equal(multi(["x x z"]), [[1, 1, 0]])


def test_text_vectorization_config_has_keras_keys_and_rebuilds():
    layer = layers.TextVectorization(max_tokens=10, output_sequence_length=3, vocabulary=["a", "b"])
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "max_tokens", "standardize", "split", "ngrams",
                           "output_mode", "output_sequence_length", "pad_to_max_tokens", "sparse", "ragged",
                           "vocabulary", "idf_weights", "encoding", "vocabulary_size"}
    again = layers.TextVectorization.from_config(config)
    np.testing.assert_array_equal(again(["b a c"]), layer(["b a c"]))
    with pytest.raises(ValueError, match="not inside a model"):
        layer(kerasbook.Input((1,)))
