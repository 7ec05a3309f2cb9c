"""`keras.datasets.imdb`: 50,000 movie reviews from IMDB, labelled positive (1) or negative (0).

Each review is a list of word ids, most frequent words first (see word_ids.py for how `num_words`,
`skip_top`, `maxlen`, `start_char`, `oov_char` and `index_from` change them, in Keras's order).
`load_data()` reads Keras's own file (the same address, sha256 hash and cache place as Keras),
downloading it once (17 MB); `get_word_index()` gives the words behind the ids.
"""

import numpy as np

from kerasbook.core import utils_files
from kerasbook.core.datasets import safe_pickle, word_ids

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"  # sha256, as Keras
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """`(x_train, y_train), (x_test, y_test)`: 25,000 reviews each (fewer with `maxlen`).

    `x_*`: NumPy arrays of lists of word ids (dtype object, the lists of different lengths); with
    `num_words`, ids are below `num_words`; with `maxlen`, every list is shorter than `maxlen`.
    `y_*`: int arrays of 0 (negative) and 1 (positive). Words of the test set never met in training
    are absent from the file, not written as `oov_char`.

    Keras ignores keyword arguments it does not know; kerasbook names them in a TypeError, so that a
    misspelt `num_word=` does not silently load the whole vocabulary.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data() got unexpected keyword arguments {sorted(kwargs)}.")
    file = utils_files.get_file(fname=path, origin=ORIGIN_FOLDER + "imdb.npz", file_hash=FILE_HASH)
    arrays = safe_pickle.load_npz(file)
    rng = np.random.RandomState(seed)  # one generator for both orders, as Keras draws them
    x_train, labels_train = word_ids.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = word_ids.shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = word_ids.shift(x_train, start_char, index_from)
    x_test = word_ids.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = word_ids.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = word_ids.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                             "was kept. Increase maxlen.")
    xs = word_ids.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    cut = len(x_train)
    return ((word_ids.as_object_array(xs[:cut]), labels[:cut]),
            (word_ids.as_object_array(xs[cut:]), labels[cut:]))


def get_word_index(path="imdb_word_index.json"):
    """`{word: rank}`: "the" is 1. In `load_data`'s lists a word's id is its rank + `index_from` (3).

    To read a review back: `words = {rank + 3: word for word, rank in get_word_index().items()}`, then
    `" ".join(words.get(i, "?") for i in x_train[0])` (1 is the start mark, 2 an unknown word).
    """
    return word_ids.load_word_index(path, ORIGIN_FOLDER + "imdb_word_index.json", WORD_INDEX_HASH)
