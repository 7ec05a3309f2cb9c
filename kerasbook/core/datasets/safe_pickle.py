"""Reading the pickled arrays inside Keras's dataset files without running code from them.

CIFAR's batches are Python pickles, and IMDB's and Reuters's `.npz` files hold ragged lists of word ids
as NumPy object arrays, which are pickles too. Unpickling can call any function a file names, so a
tampered file could run code. These readers allow only what real dataset files contain (NumPy arrays
and their dtypes, plus lists, dicts, numbers and strings), as Keras 3 does, and refuse the rest.
"""

import io
import pickle
import zipfile

import numpy as np

# The only globals a dataset pickle needs: how NumPy rebuilds an array.
ALLOWED_GLOBALS = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                             ("numpy.core.multiarray", "_reconstruct"),
                             ("numpy._core.multiarray", "_reconstruct")})


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that builds NumPy arrays and Python containers, and nothing else."""

    def find_class(self, module, name):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to deserialize `{module}.{name}` while loading a Keras "
                                     "dataset. The file may be corrupted or malicious.")


def load_pickle(path, encoding="bytes"):
    """The object pickled in the file at `path` (CIFAR's batches: a dict with bytes keys)."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding=encoding).load()


def read_npy(file):
    """One `.npy` member: numbers without pickle at all, object arrays through the restricted reader."""
    try:
        return np.lib.format.read_array(file, allow_pickle=False)
    except ValueError:  # an object array: its data is a pickle after the header
        file.seek(0)
        major, _ = np.lib.format.read_magic(file)
        if major == 1:
            np.lib.format.read_array_header_1_0(file)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(file)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {major}.") from None
        return RestrictedUnpickler(file).load()


def load_npz(path):
    """`{name: array}` for each `.npy` member of the `.npz` file at `path`: what
    `np.load(path, allow_pickle=True)` gives, without its risk."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-len(".npy")]] = read_npy(io.BytesIO(raw.read()))
    return arrays
