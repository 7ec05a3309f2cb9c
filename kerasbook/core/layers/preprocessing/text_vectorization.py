"""`TextVectorization`: sentences -> token ids (or bag-of-words vectors), as Keras 3 does it.

Each sentence goes through four steps:
1. standardize: lower case and strip punctuation (`"lower_and_strip_punctuation"`, the default);
2. split into tokens at whitespace (or into characters);
3. add n-grams if asked (`ngrams=2`: every word and every pair of neighbouring words);
4. look each token up in the vocabulary (a `StringLookup`): id 0 is padding, 1 unknown words.

`output_mode="int"`: `(batch,)` sentences -> `(batch, length)` ids, padded with 0 to the longest
sentence or to `output_sequence_length`. "multi_hot" / "count": `(batch, vocabulary_size)`.
Like StringLookup it runs on data in NumPy, before the model (strings cannot enter JAX).
"""

import re

import numpy as np

from kerasbook.core import tree
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing.lookup import StringLookup
from kerasbook.core.engine.tensor import KerasTensor

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')  # Keras's pattern
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")


class TextVectorization(Layer):
    """Sentences -> ids of their words (see the module's docstring for the four steps)."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if standardize is not None and not callable(standardize):
            arguments.one_of(self, "standardize", standardize, STANDARDIZE)
        if split is not None and not callable(split):
            arguments.one_of(self, "split", split, ("whitespace", "character"))
        output_mode = arguments.one_of(self, "output_mode", output_mode, ("int", "multi_hot", "count", "tf_idf"))
        if ragged or output_mode == "tf_idf" or idf_weights is not None:
            arguments.fail(self, "kerasbook does not support `ragged`, `tf_idf` or `idf_weights` yet.")
        if output_sequence_length is not None and output_mode != "int":
            arguments.fail(self, "`output_sequence_length` must not be set if `output_mode` is not 'int'.")
        self.standardize, self.split, self.ngrams = standardize, split, ngrams
        self.output_mode, self.output_sequence_length, self.encoding = output_mode, output_sequence_length, encoding
        self._ngram_widths = (None if ngrams is None else tuple(range(1, ngrams + 1)) if isinstance(ngrams, int)
                              else tuple(ngrams))
        self._lookup_layer = StringLookup(  # Keras's attribute name: its folder in .keras files
            max_tokens=max_tokens, mask_token="" if output_mode == "int" else None, vocabulary=vocabulary,
            output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, encoding=encoding,
            name=f"{self.name}_lookup")

    # -- the four steps -------------------------------------------------------------------------
    def _sentences(self, inputs):
        """`(batch,)` or `(batch, 1)` strings -> a list of Python str."""
        values = np.asarray(inputs)
        if values.ndim > 1:
            if values.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                                 f"or the last shape dimension must be 1. Received: inputs.shape={values.shape}")
            values = values[..., 0]
        return [v.decode(self.encoding) if isinstance(v, bytes) else str(v) for v in np.atleast_1d(values).tolist()]

    def _tokens(self, sentence):
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            sentence = sentence.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            sentence = PUNCTUATION.sub("", sentence)
        if callable(self.standardize):
            sentence = self.standardize(sentence)
        tokens = (sentence.split() if self.split == "whitespace" else list(sentence) if self.split == "character"
                  else self.split(sentence) if callable(self.split) else [sentence])
        if self._ngram_widths is None:
            return tokens
        return [" ".join(tokens[i:i + n]) for n in self._ngram_widths for i in range(len(tokens) - n + 1)]

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from sentences: their tokens, the most frequent first."""
        batches = [data] if isinstance(data, (list, tuple, np.ndarray)) else list(data)[:steps]
        self._lookup_layer.adapt([t for batch in batches for s in self._sentences(batch) for t in self._tokens(s)])

    def __call__(self, inputs, **kwargs):
        if any(isinstance(x, KerasTensor) for x in tree.flatten(inputs)):
            raise ValueError("TextVectorization runs on data, not inside a model: vectorize the sentences "
                             "before fit/predict, e.g. `ids = vectorize(sentences)`, and start the model at the ids.")
        self.built = True
        return self.call(inputs)

    def call(self, inputs):
        token_lists = [self._tokens(s) for s in self._sentences(inputs)]
        if self.output_mode != "int":
            nothing = np.full((1,), -1)  # a sentence without tokens: a vector of zeros
            lookup = self._lookup_layer
            return np.stack([lookup(np.asarray(tokens, dtype=str)) if tokens else lookup._encode(nothing)
                             for tokens in token_lists])
        length = self.output_sequence_length or max([len(t) for t in token_lists] + [0])
        ids = np.zeros((len(token_lists), length), "int32")
        for row, tokens in enumerate(token_lists):
            found = self._lookup_layer(np.asarray(tokens[:length], dtype=str)) if tokens else []
            ids[row, :len(found)] = found
        return ids

    # -- the vocabulary, as StringLookup ----------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary)

    def save_assets(self, dir_path):
        """The vocabulary file, as Keras writes it (and again in its StringLookup's own folder)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self._lookup_layer.compute_output_shape((None, 1))[-1])

    def get_config(self):
        lookup = self._lookup_layer.get_config()
        return {**super().get_config(), "max_tokens": lookup["max_tokens"], "standardize": self.standardize,
                "split": self.split, "ngrams": self.ngrams, "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": lookup["pad_to_max_tokens"], "sparse": False, "ragged": False,
                "vocabulary": lookup["vocabulary"], "idf_weights": None, "encoding": self.encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("vocabulary_size", None)
        return super().from_config(config)
