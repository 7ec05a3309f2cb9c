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

os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402

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


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        check(*sys.argv[2:4])
    else:
        hashing()
        print("versions: keras", keras.__version__, "tensorflow", __import__("tensorflow").__version__)
