"""`keras.datasets.reuters`: 11,228 Reuters newswires from 1987, labelled with one of 46 topics.

Each newswire is a list of word ids, most frequent words first (see word_ids.py for how `num_words`,
`skip_top`, `maxlen`, `start_char`, `oov_char` and `index_from` change them, in Keras's order).
`load_data()` reads Keras's own file (the same address, sha256 hash and cache place as Keras),
downloading it once (2 MB); `get_word_index()` gives the words, `get_label_names()` the topics.
"""

import numpy as np

from kerasbook.core import utils_files
from kerasbook.core.datasets import safe_pickle, word_ids

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"  # sha256, as Keras
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """`(x_train, y_train), (x_test, y_test)`: the newswires shuffled with `seed`, then the last
    `test_split` of them for testing (8,982 and 2,246 with the defaults).

    `x_*`: NumPy arrays of lists of word ids (dtype object); `y_*`: int arrays of topics 0-45 (names in
    `get_label_names()`).
    """
    file = utils_files.get_file(path, origin=ORIGIN_FOLDER + "reuters.npz", file_hash=FILE_HASH)
    arrays = safe_pickle.load_npz(file)
    xs, labels = word_ids.shuffled(seed, arrays["x"], arrays["y"])
    xs = word_ids.shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = word_ids.drop_long(maxlen, xs, labels)
    xs = word_ids.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((word_ids.as_object_array(xs[:cut]), np.array(labels[:cut])),
            (word_ids.as_object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """`{word: rank}`: "the" is 1. In `load_data`'s lists a word's id is its rank + `index_from` (3)."""
    return word_ids.load_word_index(path, ORIGIN_FOLDER + "reuters_word_index.json", WORD_INDEX_HASH)


def get_label_names():
    """The 46 topics, in the order of their labels (0 is "cocoa")."""
    return LABEL_NAMES
