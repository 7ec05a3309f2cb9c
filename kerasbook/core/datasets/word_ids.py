"""What IMDB and Reuters share: reviews and newswires as lists of word ids, and Keras's options.

In the files, word `i` is the i-th most frequent word of the training set (1 is "the"). `load_data`
then, in Keras's order:

1. shuffles the samples with NumPy's RandomState(seed) (the same order as Keras for the same seed);
2. shifts every id by `index_from` (3), freeing 0 for padding, 1 for `start_char` (put before each
   sequence) and 2 for `oov_char`;
3. with `maxlen`, drops the sequences of `maxlen` ids or more (the start mark included);
4. keeps the ids `skip_top <= id < num_words`, writing `oov_char` for the others (or dropping them
   when `oov_char` is None).

The sequences come back as a NumPy array of Python lists (dtype object): they have different lengths.
`keras.utils.pad_sequences` makes one array of them.
"""

import json

import numpy as np

from kerasbook.core import utils_files


def shuffled(seed, *arrays):
    """The arrays in one random order, drawn by a RandomState already used for earlier draws or not."""
    rng = seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]


def shift(sequences, start_char, index_from):
    """Step 2: every id plus `index_from`, after `start_char` when there is one."""
    start = [] if start_char is None else [start_char]
    return [start + [w + index_from for w in x] for x in sequences]


def drop_long(maxlen, sequences, labels):
    """Step 3: the sequences shorter than `maxlen`, and their labels."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Step 4. Without `num_words`, every id up to the largest one met is kept."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is None:
        return [[w for w in x if skip_top <= w < num_words] for x in sequences]
    return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]


def as_object_array(sequences):
    """Lists of different lengths as one NumPy array of lists (what Keras returns)."""
    array = np.empty(len(sequences), dtype="object")
    array[:] = sequences
    return array


def load_word_index(path, origin, file_hash):
    """`{word: rank}` from a JSON file in the Keras cache (downloaded once, md5 checked as Keras)."""
    with open(utils_files.get_file(path, origin=origin, file_hash=file_hash)) as f:
        return json.load(f)
