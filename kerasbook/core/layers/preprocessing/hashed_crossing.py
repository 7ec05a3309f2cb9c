"""`HashedCrossing`: two or more categorical features crossed into one, by hashing their combination.

"Cross" a city with a weekday and the model can learn what happens in Paris on Mondays: one bin per
pair of values, without listing the pairs. Each row's values are combined as TensorFlow's
`tf.sparse.cross_hashed` combines them (Keras's HashedCrossing calls it, even on the JAX backend):
starting from the key 0xDECAFCAFFE, each value in turn is folded in with FarmHash's
FingerprintCat64, a string as its Fingerprint64 and an integer as itself; the result modulo
`num_bins` is the bin.

Like Hashing, it runs on data in NumPy, before the model. Shapes: each input `(batch,)` or
`(batch, 1)` (all the same), output the same shape of int64 bins ("int"), or `(batch, num_bins)`
("one_hot").
"""

import numpy as np

from kerasbook.core import tree
from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing.categorical import encode
from kerasbook.core.layers.preprocessing.fingerprints import MASK, fingerprint64

DEFAULT_KEY = 0xDECAFCAFFE  # TensorFlow's SPARSE_FEATURE_CROSS_DEFAULT_HASH_KEY
_MUL = 0xC6A4A7935BD1E995


def _shift_mix(value):
    return value ^ (value >> 47)


def fingerprint_cat64(fp1, fp2):
    """Two 64-bit fingerprints -> one (FarmHash's FingerprintCat64): order matters."""
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & MASK) * _MUL) & MASK
    result = (result * _MUL) & MASK
    result = (_shift_mix(result) * _MUL) & MASK
    return _shift_mix(result)


def value_fingerprint(value):
    """A string's Fingerprint64 (of its UTF-8 bytes); an integer as the 64-bit word it is."""
    if isinstance(value, str):
        return fingerprint64(value.encode("utf-8"))
    if isinstance(value, bytes):
        return fingerprint64(value)
    return int(value) & MASK


def cross_bin(values, num_bins):
    """The bin of one row's values (one per crossed feature)."""
    hashed = DEFAULT_KEY
    for value in values:
        hashed = fingerprint_cat64(hashed, value_fingerprint(value))
    return hashed % num_bins


class HashedCrossing(Layer):
    """Features `(f1, f2, ...)` -> the bin in `[0, num_bins)` of each row's combination."""

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.num_bins = arguments.positive_int(self, "num_bins", num_bins)
        self.output_mode = arguments.one_of(self, "output_mode", output_mode, ("int", "one_hot"))
        if sparse:
            arguments.fail(self, "`sparse=True` can only be used with the TensorFlow backend.")
        self.sparse = False

    def __call__(self, inputs, **kwargs):
        """On data only, as Hashing: a string hash is not a JAX computation."""
        if any(isinstance(x, KerasTensor) for x in tree.flatten(inputs)):
            raise ValueError("HashedCrossing runs on data, not inside a model: cross the features before "
                             "fit/predict and start the model at the bins.")
        self.built = True
        return self.call(inputs)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self.name}: HashedCrossing should be called on a list or tuple of inputs. "
                             f"Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"{self.name}: HashedCrossing should be called on at least two inputs. "
                             f"Received: inputs={inputs}")
        columns = [np.asarray(x) for x in inputs]
        shape = columns[0].shape
        if any(c.shape != shape for c in columns) or len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"{self.name}: all inputs should have shape `()`, `(batch,)` or `(batch, 1)`, the "
                             f"same for all. Received: shapes {[c.shape for c in columns]}")
        if any(c.dtype.kind not in "iuUSO" for c in columns):
            raise ValueError(f"{self.name}: all inputs should have an integer or string dtype. Received: "
                             f"dtypes {[str(c.dtype) for c in columns]}")
        rows = zip(*[c.reshape(-1).tolist() for c in columns])
        bins = np.array([cross_bin(row, self.num_bins) for row in rows], "int64").reshape(shape)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        encoded = np.asarray(encode(bins, "one_hot", self.num_bins, self.dtype))
        return encoded[0] if bins.ndim == 0 else encoded

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        return (first[:-1] if first and first[-1] == 1 else first) + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}
