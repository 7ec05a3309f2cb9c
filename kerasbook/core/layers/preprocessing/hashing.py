"""`Hashing`: strings or integers -> one of `num_bins` bins, with no vocabulary to learn or store.

A category with too many values to list (user ids, postcodes, words of a large text) still needs a
small integer. Hashing gives each value `hash(value) % num_bins`: the same value always lands in the
same bin, on any machine, and different values share a bin only by chance (a "collision"). With
`mask_value` set, that value gets bin 0 and the others bins 1 .. num_bins - 1.

The numbers are Keras's (which computes them with TensorFlow, even on the JAX backend): FarmHash
Fingerprint64 of the value as a string, or SipHash-2-4 keyed by `salt`; integers are hashed as their
decimal text ("12"), floats first truncated to integers. See `fingerprints.py`.

Like the lookups, it runs on data in NumPy, before the model: strings cannot enter a compiled JAX
program. Shapes: any, e.g. `(batch, 1)` -> `(batch, 1)` bins ("int"), or `(batch, num_bins)` for
"one_hot" (a last axis of 1 is replaced), "multi_hot" and "count" (over the last axis).
"""

import numpy as np

from kerasbook.core import tree
from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.layers import arguments
from kerasbook.core.layers.preprocessing.categorical import encode
from kerasbook.core.layers.preprocessing.fingerprints import fingerprint64, siphash64

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(Layer):
    """Values (strings or integers) -> bins in `[0, num_bins)` by a stable hash (see the module)."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:  # Keras: int64 ids, float vectors
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        self.num_bins = arguments.positive_int(self, "num_bins", num_bins)
        self.output_mode = arguments.one_of(self, "output_mode", output_mode, OUTPUT_MODES)
        if self.output_mode == "int" and self.dtype not in ("int32", "int64"):
            arguments.fail(self, f"when `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or "
                                 f"'int64'. Received: dtype={self.dtype}")
        if sparse:
            arguments.fail(self, "`sparse=True` needs TensorFlow's sparse tensors; JAX has none here.")
        self.mask_value, self.sparse = mask_value, False
        self.salt = self._salt_pair(salt)
        self.strong_hash = self.salt is not None

    def _salt_pair(self, salt):
        """Keras's `salt`: None (FarmHash), one integer (used twice) or two integers (SipHash's key)."""
        if salt is None:
            return None
        if isinstance(salt, (tuple, list)) and len(salt) == 2:
            return list(salt)
        if isinstance(salt, int) and not isinstance(salt, bool):
            return [salt, salt]
        arguments.fail(self, "the `salt` argument can only be a tuple of size 2 integers, or a single integer. "
                             f"Received: salt={salt!r}.")

    def hash_bin(self, value, bins):
        """The bin in `[0, bins)` of one value, given as the bytes Keras hashes."""
        digest = siphash64(value, self.salt) if self.strong_hash else fingerprint64(value)
        return digest % bins

    def __call__(self, inputs, **kwargs):
        """On data only: a string hash is not a JAX computation, so it cannot run inside a compiled model."""
        if any(isinstance(x, KerasTensor) for x in tree.flatten(inputs)):
            raise ValueError("Hashing runs on data, not inside a model: hash the values before fit/predict "
                             "(as Keras's examples do in their tf.data pipelines), e.g. `bins = hashing(values)`, "
                             "and start the model at the bins.")
        self.built = True
        return self.call(inputs)

    def call(self, inputs):
        values = np.asarray(inputs)
        if self.output_mode == "one_hot" and values.ndim > 0 and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._bins(values)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        return np.asarray(encode(bins, self.output_mode, self.num_bins, self.dtype))

    def _bins(self, values):
        """Values -> bins, each distinct value hashed once; the mask value (if set) -> 0."""
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype("int64")  # Keras truncates floats before hashing them as integers
        distinct, where = np.unique(values, return_inverse=True)
        hashed = np.array([self.hash_bin(_as_bytes(v), bins) for v in distinct.tolist()], "int64")
        result = hashed[where.reshape(values.shape)] if values.size else np.zeros(values.shape, "int64")
        if masked is not None:
            result = np.where(masked, 0, result + 1)
        return result

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape[:-1]) + (self.num_bins,) if len(input_shape) else (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode, "sparse": self.sparse}


def _as_bytes(value):
    """What TensorFlow hashes: a string's UTF-8 bytes, an integer's decimal text ("-12")."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")
