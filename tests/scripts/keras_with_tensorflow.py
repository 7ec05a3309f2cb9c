"""What Keras 3 computes where it needs TensorFlow: the oracle files in tests/data/ that the tests read.

Keras 3.15 runs `Hashing`, `StringLookup`, `IntegerLookup` and `TextVectorization` through TensorFlow
even on the JAX backend, and TensorFlow is not a kerasbook dependency. This script runs the real
layers once, in a separate environment, and writes what they produced:

    python3 -m venv /tmp/keras-tf && /tmp/keras-tf/bin/pip install tensorflow-cpu "keras==3.15.1" h5py
    /tmp/keras-tf/bin/python tests/scripts/keras_with_tensorflow.py

- tests/data/keras_tf_hashing.json: Hashing's bins (FarmHash, masks, salts, integers, floats, encodings);
- tests/data/keras_tf_*.keras: models with adapted vocabularies saved by Keras (see `save_models`), and
  the outputs Keras gives for `SENTENCES` in tests/data/keras_tf_outputs.json.

`check <file.keras> <outputs.json>` loads a file written by kerasbook in Keras and compares its outputs
with kerasbook's (the other direction of the round trip), printing `same` or the difference.
"""

import json
import os
import pathlib
import sys

import numpy as np

keras = None  # the real Keras, imported by `main` on the TensorFlow backend; the tests import this
#               module for `adapted_model` and the data, without TensorFlow

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
VALUES = [["A"], ["cat"], [""], ["héllo wörld"], ["x" * 70], ["a longer sentence of some thirty+ bytes"]]
INTS = [[0, 7], [-12, 123456789]]
FLOATS = [[0.5, 7.9], [-12.2, 3.0]]
HASHINGS = [  # (arguments, inputs)
    ({"num_bins": 1000}, VALUES), ({"num_bins": 1000, "mask_value": ""}, VALUES),
    ({"num_bins": 97, "salt": [133, 137]}, VALUES), ({"num_bins": 97, "salt": 7}, VALUES),
    ({"num_bins": 1000}, INTS), ({"num_bins": 1000, "mask_value": 7}, INTS), ({"num_bins": 1000}, FLOATS),
    ({"num_bins": 3, "output_mode": "multi_hot"}, [["A", "B"], ["C", "E"]]),
    ({"num_bins": 3, "output_mode": "count"}, [["A", "B", "C"], ["C", "E", "D"]]),
    ({"num_bins": 3, "output_mode": "one_hot"}, [["A"], ["B"]]),
]


def hashing():
    cases = [{"arguments": arguments, "inputs": inputs,
              "outputs": np.asarray(keras.layers.Hashing(**arguments)(np.array(inputs))).tolist()}
             for arguments, inputs in HASHINGS]
    lines = ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases)  # one case a line
    (DATA / "keras_tf_hashing.json").write_text(f"[\n{lines}\n]\n", encoding="utf-8")


# -- vocabularies and adapted statistics in .keras files ------------------------------------------
IDS = [[12, 1138, 42], [42, 1000, 36], [7, 12, 12], [36, 42, 99]]  # 7 and 99 are never adapted on
NUMBERS = [[0.5, -1.0], [2.0, 3.5], [-0.25, 1.0], [4.0, 0.0]]
SENTENCES = ["The cat sat on the mat.", "The dog ate my homework!", "A cat and a dog.", "Unseen words here"]


def adapted_model(keras):
    """ids -> IntegerLookup -> Embedding, numbers -> Normalization and Discretization, all adapted.
    `keras` is Keras or kerasbook: the same code builds the same model in both."""
    layers = keras.layers
    ids = keras.Input(shape=(3,), dtype="int64", name="ids")
    numbers = keras.Input(shape=(2,), name="numbers")
    lookup = layers.IntegerLookup()
    lookup.adapt(np.array(IDS[:2]))
    normalization = layers.Normalization()
    normalization.adapt(np.array(NUMBERS, "float32"))
    discretization = layers.Discretization(num_bins=4)
    discretization.adapt(np.array(NUMBERS, "float32"))
    keras.utils.set_random_seed(3)
    words = layers.GlobalAveragePooling1D()(layers.Embedding(lookup.vocabulary_size(), 4)(lookup(ids)))
    bins = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(discretization(numbers))
    joined = layers.Concatenate()([words, normalization(numbers), bins])
    return keras.Model([ids, numbers], layers.Dense(3)(joined))


def inputs():
    return [np.array(IDS, "int64"), np.array(NUMBERS, "float32")]


def text_vectorization(keras):
    layer = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=6)
    layer.adapt(SENTENCES[:3])
    return layer


def save_models():
    """keras_tf_adapted.keras (the model above) and keras_tf_text_vectorization/ (a TextVectorization's
    config and the assets folder Keras writes for it), with Keras's outputs in keras_tf_outputs.json."""
    import shutil
    model = adapted_model(keras)
    model.save(DATA / "keras_tf_adapted.keras")
    layer = text_vectorization(keras)
    folder = DATA / "keras_tf_text_vectorization"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    layer.save_assets(str(folder))
    (folder / "config.json").write_text(json.dumps(keras.saving.serialize_keras_object(layer)))
    outputs = {"adapted": np.asarray(model(inputs())).tolist(),
               "text_vectorization": np.asarray(layer(np.array(SENTENCES))).tolist(),
               "vocabulary": layer.get_vocabulary()}
    (DATA / "keras_tf_outputs.json").write_text(json.dumps(outputs) + "\n")


def check(path, expected_path):
    """Load what kerasbook wrote (a .keras file, or a TextVectorization folder) and compare outputs."""
    expected = json.loads(pathlib.Path(expected_path).read_text())
    if path.endswith(".keras"):
        got = np.asarray(keras.saving.load_model(path)(inputs()))
        want = np.array(expected["adapted"])
    else:
        config = json.loads((pathlib.Path(path) / "config.json").read_text())
        layer = keras.saving.deserialize_keras_object(config)
        layer.load_assets(path)
        got, want = np.asarray(layer(np.array(SENTENCES))), np.array(expected["text_vectorization"])
    print("same" if got.shape == want.shape and np.allclose(got, want, atol=1e-5) else f"differ:\n{got}\n{want}")


def main():
    global keras
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras
    if sys.argv[1:2] == ["check"]:
        check(*sys.argv[2:4])
    else:
        hashing()
        save_models()
        print("versions: keras", keras.__version__, "tensorflow", __import__("tensorflow").__version__)


if __name__ == "__main__":
    main()
