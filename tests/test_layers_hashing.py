"""layers.Hashing. Keras 3.15 computes its bins with TensorFlow even on the JAX backend (not installed
here: the first test shows it), so the oracles are: the bins the real Keras layer gave with
TensorFlow (tests/data/keras_tf_hashing.json, written by tests/scripts/keras_with_tensorflow.py),
the C FarmHash library (pyfarmhash: the `util::Fingerprint64` TensorFlow's `to_hash_bucket_fast`
calls), the SipHash paper's test vectors (`to_hash_bucket_strong` is highwayhash's SipHash-2-4), and
every example of Keras's docstring with the values it documents. Config keys: Keras's hashing.py."""

import json
import pathlib

import random

import farmhash
import numpy as np
import pytest

import kerasbook
from kerasbook import layers
from kerasbook.core.layers.preprocessing.fingerprints import fingerprint64, siphash64

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]
KERAS_CASES = json.loads((pathlib.Path(__file__).parent / "data" / "keras_tf_hashing.json").read_text("utf-8"))


def test_keras_itself_needs_tensorflow_for_hashing():
    import keras

    with pytest.raises(ImportError, match="requires TensorFlow"):
        keras.layers.Hashing(num_bins=3)


@pytest.mark.parametrize("case", KERAS_CASES, ids=lambda case: json.dumps(case["arguments"]))
def test_bins_equal_what_keras_computed_with_tensorflow(case):
    out = layers.Hashing(**case["arguments"])(np.array(case["inputs"]))
    np.testing.assert_array_equal(out, case["outputs"])


def test_fingerprint64_equals_the_c_farmhash_library_at_every_length_branch():
    rng = random.Random(17)
    for length in list(range(0, 140)) + [191, 192, 193, 255, 256, 1000]:  # 0-16, 17-32, 33-64, 64-byte blocks
        for _ in range(3):
            data = bytes(rng.randrange(256) for _ in range(length))
            assert fingerprint64(data) == farmhash.fingerprint64(data), length
    assert fingerprint64("héllo wörld") == farmhash.fingerprint64("héllo wörld".encode("utf-8"))


def test_siphash64_gives_the_reference_test_vectors():
    """Aumasson and Bernstein, SipHash (2012), appendix A: key 00..0f, messages 00..(n-1)."""
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash64(b"", key) == 0x726FDB47DD0E0E31
    assert siphash64(bytes(range(8)), key) == 0x93F5F5799A932462
    assert siphash64(bytes(range(15)), key) == 0xA129CA6149BE45E5


def test_farmhash_bins_as_keras_documents():
    np.testing.assert_array_equal(layers.Hashing(num_bins=3)(LETTERS), [[1], [0], [1], [1], [2]])


def test_mask_value_takes_bin_zero_as_keras_documents():
    out = layers.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    np.testing.assert_array_equal(out, [[1], [1], [0], [2], [2]])


@pytest.mark.parametrize("salt,expected", [([133, 137], [1, 2, 1, 0, 2]), (133, [0, 0, 2, 1, 0])])
def test_salted_siphash_bins_as_keras_documents(salt, expected):
    layer = layers.Hashing(num_bins=3, salt=salt)
    np.testing.assert_array_equal(layer(LETTERS), np.array(expected)[:, None])
    assert layer.salt == ([133, 133] if salt == 133 else [133, 137])


def test_integers_hash_as_their_decimal_text_and_floats_are_truncated_first():
    bins = 1000
    values = np.array([[0, 7], [-12, 123456789]])
    expected = [[farmhash.fingerprint64(str(v)) % bins for v in row] for row in values.tolist()]
    out = layers.Hashing(num_bins=bins)(values)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int64 and out.shape == (2, 2)
    np.testing.assert_array_equal(layers.Hashing(num_bins=bins)(np.array([[0.5, 7.9], [-12.2, 123456789.0]])),
                                  expected)
    masked = layers.Hashing(num_bins=bins, mask_value=7)(values)  # bins 1..999 for the rest
    shifted = [[farmhash.fingerprint64(str(v)) % (bins - 1) + 1 for v in row] for row in values.tolist()]
    shifted[0][1] = 0
    np.testing.assert_array_equal(masked, shifted)


def test_bytes_and_str_hash_alike():
    words = np.array(["cat", "dog", "ünïcode"])
    layer = layers.Hashing(num_bins=64)
    np.testing.assert_array_equal(layer(words), layer(np.char.encode(words, "utf-8")))


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_vector_output_modes(mode):
    layer = layers.Hashing(num_bins=3, output_mode=mode)
    if mode == "one_hot":  # (5, 1) -> (5, 3): the last axis of 1 is replaced
        out = layer(LETTERS)
        np.testing.assert_array_equal(out, np.eye(3)[[1, 0, 1, 1, 2]])
    else:  # one sample of five values -> how often each bin occurs
        out = layer(["A", "B", "C", "D", "E"])
        np.testing.assert_array_equal(out, [1, 1, 1] if mode == "multi_hot" else [1, 3, 1])
    assert out.dtype == np.float32
    assert layer.compute_output_shape((5, 1)) == (5, 3)


def test_config_has_keras_keys_and_round_trips():
    layer = layers.Hashing(num_bins=7, mask_value="", salt=5, name="h")
    config = layer.get_config()
    assert {"num_bins", "salt", "mask_value", "output_mode", "sparse", "name", "dtype"} <= set(config)
    assert config["salt"] == [5, 5] and config["dtype"]["config"]["name"] == "int64"
    again = layers.Hashing.from_config(config)
    words = np.array([["a"], [""], ["b"]])
    np.testing.assert_array_equal(again(words), layer(words))
    assert layers.Hashing(num_bins=3, output_mode="count").dtype == "float32"


def test_wrong_arguments_fail_early_in_keras_words():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.Hashing(num_bins=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=3, salt="pepper")
    with pytest.raises(ValueError, match="integer type"):
        layers.Hashing(num_bins=3, dtype="float32")


def test_refuses_a_symbolic_input_with_the_fix():
    with pytest.raises(ValueError, match="before fit/predict"):
        layers.Hashing(num_bins=3)(kerasbook.Input(shape=(1,), dtype="int32"))
