"""Vocabulary lookups: `StringLookup` (words -> integer ids) and `IntegerLookup` (arbitrary integers,
such as user or product ids, -> consecutive ids), and back with `invert=True`.

The ids are laid out as Keras lays them out: the mask token first (id 0, if there is one and the
output is ids), then the out-of-vocabulary id (`num_oov_indices=1`: every unknown token gets it),
then the vocabulary. With `vocabulary=["a", "b", "c", "d"]`: "a" -> 1, "d" -> 4, "z" -> 0.

The vocabulary is given, or learned by `adapt(data)`: the distinct tokens, most frequent first (ties
in reverse order of the tokens, as Keras breaks them). StringLookup runs in NumPy, on the host:
strings cannot enter a compiled JAX program, so use it on the data before `fit` (Keras's examples do
the same in a tf.data pipeline). IntegerLookup runs there too, and also inside a model (integers in,
integers out: a binary search in JAX). Shapes: any, e.g. `(batch, tokens)` -> `(batch, tokens)` ids,
or `(batch, vocabulary_size)` with `output_mode` "one_hot" / "multi_hot" / "count".

In a `.keras` file an adapted vocabulary is `assets/<layer path>/vocabulary.txt`, as Keras writes it
(see `saving/assets.py`); a vocabulary given to the constructor stays in the config.
"""

import collections
import os

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core import tree
from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing import categorical

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class _IndexLookup(Layer):
    """What StringLookup and IntegerLookup share: the vocabulary, its ids, adapt and the encodings."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                 output_mode, pad_to_max_tokens, sparse, **kwargs):
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            arguments.fail(self, f"if set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices not in (0, 1):
            arguments.fail(self, f"kerasbook takes num_oov_indices 0 or 1 (more would hash unknown tokens "
                                 f"with Keras's FarmHash). Received: num_oov_indices={num_oov_indices}")
        if idf_weights is not None or output_mode == "tf_idf" or sparse:
            arguments.fail(self, "kerasbook does not support `tf_idf` output, `idf_weights` or `sparse` yet.")
        self.output_mode = arguments.one_of(self, "output_mode", output_mode, OUTPUT_MODES)
        if invert and self.output_mode != "int":
            arguments.fail(self, "`output_mode` must be 'int' when `invert` is true.")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.invert = mask_token, oov_token, invert
        self.pad_to_max_tokens, self.sparse = pad_to_max_tokens, False
        self.input_vocabulary = vocabulary
        self._tokens = []  # the vocabulary without special tokens
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # -- the vocabulary ------------------------------------------------------------------------
    def _special_tokens(self):
        """The tokens before the vocabulary: mask (ids only), then the OOV token."""
        mask = [self.mask_token] if self.mask_token is not None and self.output_mode == "int" else []
        return mask + [self.oov_token] * self.num_oov_indices

    def get_vocabulary(self, include_special_tokens=True):
        """Every token in the order of its id (the special tokens first unless told otherwise)."""
        return (self._special_tokens() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self):
        return len(self._special_tokens()) + len(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """A list of tokens, or the path of a text file with one token a line. Special tokens at its
        start (as `get_vocabulary()` returns them) are accepted and skipped."""
        if isinstance(vocabulary, (str, os.PathLike)):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [self._parse(line) for line in f.read().splitlines() if line != ""]
        tokens = [self._parse(t) for t in np.asarray(vocabulary).tolist()]
        special = self._special_tokens()
        if tokens[:len(special)] == special:
            tokens = tokens[len(special):]
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term: {repeated[:5]}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"Found reserved mask token {self.mask_token!r} inside the vocabulary.")
        if self.max_tokens is not None and len(tokens) + len(special) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {len(tokens) + len(special)}; `max_tokens` is {self.max_tokens}.")
        self._tokens = tokens
        self._ids = {token: i + len(special) for i, token in enumerate(tokens)}

    def adapt(self, data, steps=None):
        """Learns the vocabulary from `data` (an array or batches): the most frequent tokens first."""
        single = hasattr(data, "shape") or isinstance(data, (list, tuple))
        batches = [data] if single else list(data)[:steps]  # an array, or an iterable of batches
        counts = collections.Counter()
        for batch in batches:
            counts.update(self._parse(t) for t in np.asarray(batch).ravel().tolist())
        counts.pop(self.mask_token, None)
        ranked = sorted(counts, key=lambda token: (counts[token], token), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:self.max_tokens - len(self._special_tokens())]
        self.input_vocabulary = None
        self.set_vocabulary(ranked)

    # -- in .keras files: an adapted vocabulary is a file, assets/<layer path>/vocabulary.txt -----
    def save_assets(self, dir_path):
        """Keras's layout: one token a line, special tokens first. A vocabulary given to the
        constructor is in the config instead, so nothing is written for it."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        path = os.path.join(dir_path, "vocabulary.txt")
        if self.input_vocabulary is not None or not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        self.set_vocabulary([self._parse(line) for line in lines])

    # -- the lookup ----------------------------------------------------------------------------
    in_graph = False  # IntegerLookup can be a node of a model (ids in, ids out); strings cannot

    def __call__(self, inputs, **kwargs):
        """On data (NumPy); IntegerLookup also on symbolic tensors, as a node of a model."""
        if self.in_graph and any(isinstance(x, KerasTensor) for x in tree.flatten(inputs)):
            return super().__call__(inputs, **kwargs)
        if any(isinstance(x, KerasTensor) for x in tree.flatten(inputs)):
            raise ValueError(f"{type(self).__name__} runs on data, not inside a model: apply it to the data "
                             "before fit/predict (as Keras's examples do in their tf.data pipelines), e.g. "
                             "`ids = lookup(words)`, and start the model at the ids.")
        self.built = True
        return self.call(inputs)

    def call(self, inputs):
        if isinstance(inputs, jax.Array):  # inside a model: a JAX array, or a tracer while compiling
            return self._call_in_jax(inputs)
        values = np.asarray(inputs)
        if values.dtype.kind == "S":
            values = np.char.decode(values, "utf-8")
        if self.invert:  # ids -> tokens (Keras on TensorFlow gives bytes; here str or int)
            vocabulary = np.asarray(self.get_vocabulary())
            ids = values.astype("int64")
            known = (ids >= 0) & (ids < len(vocabulary))
            return np.where(known, vocabulary[np.clip(ids, 0, len(vocabulary) - 1)], self.oov_token)
        oov = len(self._special_tokens()) - 1 if self.num_oov_indices else -1
        ids = np.vectorize(lambda t: self._ids.get(self._parse(t), oov), otypes=["int64"])(values) if values.size \
            else values.astype("int64")
        if self.mask_token is not None:
            ids = np.where(values == self.mask_token, 0 if self.output_mode == "int" else -1, ids)
        if self.output_mode == "int":
            if (ids < 0).any():
                raise ValueError("a token is not in the vocabulary and num_oov_indices=0.")
            return ids.astype("int32")
        return self._encode(ids)

    def _encode(self, ids):
        """Ids -> `(..., depth)` vectors; ids of -1 (masked or unknown without an OOV id) count nowhere."""
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        if ids.ndim == 0:
            ids = ids[None]
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] == 1:
                ids = ids[..., 0]
            return (ids[..., None] == np.arange(depth)).astype("float32")
        hits = (ids[..., None] == np.arange(depth)).astype("float32")
        axis = 1 if ids.ndim > 1 else 0
        return hits.max(axis=axis) if self.output_mode == "multi_hot" else hits.sum(axis=axis)

    def _call_in_jax(self, values):
        """The lookup as JAX computes it in a compiled model (IntegerLookup): each value is found by
        binary search in the sorted vocabulary; the ids, or their encodings, as `call`."""
        if self.invert:
            raise ValueError(f"{type(self).__name__}(invert=True) runs on data only, not inside a model.")
        special = len(self._special_tokens())
        oov = special - 1 if self.num_oov_indices else -1
        vocabulary = np.asarray(self._tokens, "int64")
        order = np.argsort(vocabulary, kind="stable")
        if vocabulary.size == 0:
            ids = jnp.full(values.shape, oov, "int32")
        else:
            ordered = jnp.asarray(vocabulary[order])
            at = jnp.clip(jnp.searchsorted(ordered, values), 0, vocabulary.size - 1)
            ids = jnp.where(ordered[at] == values, jnp.asarray(order + special, "int32")[at], oov)
        if self.mask_token is not None:
            ids = jnp.where(values == self.mask_token, 0 if self.output_mode == "int" else -1, ids)
        if self.output_mode == "int":
            return ids.astype("int32")
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        return categorical.encode(ids, self.output_mode, depth, "float32")

    def compute_output_spec(self, inputs, **kwargs):
        """Keras's dtypes: int64 ids, float32 vectors."""
        shape = self.compute_output_shape(tuple(inputs.shape))
        return KerasTensor(shape, "int64" if self.output_mode == "int" else "float32")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        if self.output_mode == "one_hot" and input_shape[-1] != 1:
            return tuple(input_shape) + (depth,)
        return tuple(input_shape[:-1]) + (depth,)

    def get_config(self):
        vocabulary = self.input_vocabulary
        if vocabulary is not None and not isinstance(vocabulary, str):
            vocabulary = np.asarray(vocabulary).tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens, "idf_weights": None, "vocabulary": vocabulary,
                "vocabulary_size": self.vocabulary_size(), "oov_method": "farmhash", "salt": None}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("vocabulary_size", "oov_method", "salt"):
            config.pop(key, None)
        return super().from_config(config)


class StringLookup(_IndexLookup):
    """Words (strings) -> integer ids from a vocabulary; `invert=True` maps ids back to words."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        arguments.only_default(self, salt=(salt, None))  # Keras's salt for hashing OOV tokens
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name=name, **kwargs)

    def _parse(self, token):
        return token.decode(self.encoding) if isinstance(token, bytes) else str(token)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(_IndexLookup):
    """Arbitrary integers (ids of users, products, ...) -> consecutive ids `[0, vocabulary_size)`."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name=name, **kwargs)

    in_graph = True

    def _parse(self, token):
        return int(token)

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype, "oov_method": "floormod"}
