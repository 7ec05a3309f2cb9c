"""What a file may make kerasbook read: checks made before anything is allocated.

A model file is data from somewhere else. A few bytes on disk can *declare* gigabytes: an HDF5
dataset with a huge shape and no stored data (reading it makes a zero-filled array of the declared
size), a zip member that unpacks 1000 to 1, a `__numpy__` record in `config.json` whose dtype is
two billion bytes wide. Each check here compares what is declared with what is stored (or with what
the model needs) and refuses with a ValueError naming the file, the part and both sizes, before the
allocation that would exhaust the machine. A named pipe or a device given as the file is refused
before it is opened (reading one would wait forever, or never end).
"""

import math
import os
import stat

import numpy as np

from kerasbook.core.models.summary import readable_size

# A dataset or zip member may unpack to at most this many times what it stores...
MAX_EXPANSION = 100
# ...unless it is small: below this floor any ratio is allowed (zeros compress very well).
EXPANSION_FLOOR_BYTES = 16 << 20  # 16 MiB
# config.json holds layer configs, not weights: Keras's largest applications write about 1 MB.
MAX_CONFIG_BYTES = 64 << 20  # 64 MiB
# An array stored inside a config (a `__numpy__` record: a Normalization layer's mean, say).
MAX_CONFIG_ARRAY_BYTES = 64 << 20  # 64 MiB


def check_regular_file(path, what="file"):
    """Refuse a path that is not an ordinary file (a folder, a named pipe, a device, a socket)
    without opening it: `os.stat` never blocks, where opening a pipe waits for a writer."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"No {what} at {path}.") from None
    if stat.S_ISREG(mode):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise ValueError(f"{path} is {kind}, not a {what}: give the path of a saved file.")


def _too_expanded(declared, stored):
    return declared > EXPANSION_FLOOR_BYTES and declared > MAX_EXPANSION * stored


def check_zip_member(archive, name, source, limit=None):
    """Refuse a zip member whose declared (uncompressed) size is above `limit`, or far above what it
    stores. Reading it is then bounded: `zipfile` never returns more than the declared size."""
    info = archive.getinfo(name)
    if limit is not None and info.file_size > limit:
        raise ValueError(f"{source}: its {name} declares {readable_size(info.file_size)}, more than the "
                         f"{readable_size(limit)} a {name} may hold; refusing to read it.")
    if _too_expanded(info.file_size, info.compress_size):
        raise ValueError(f"{source}: its {name} declares {readable_size(info.file_size)} but only "
                         f"{readable_size(info.compress_size)} are stored; refusing to unpack a "
                         "decompression bomb.")


def checked_dataset(group, key, source):
    """`group[key]` if it is a plain dataset whose declared size is backed by stored data.

    Links and external or virtual datasets would make the file read other files (or devices):
    refused, as Keras 3 does. Returns None when there is no such member."""
    import h5py  # here, not at the top: serialization.py uses this module, and h5py is slow to import
    link = group.get(key, getclass=True, getlink=True)
    if link is None:
        return None
    if link in (h5py.SoftLink, h5py.ExternalLink):
        raise ValueError(f'{source}: "{group.name}/{key}" is an HDF5 {link.__name__}; refusing to follow it.')
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f'{source}: "{dataset.name}" should be a dataset of weights, but it is a group.')
    if dataset.external or dataset.is_virtual:
        raise ValueError(f'{source}: "{dataset.name}" keeps its data in other files (an external or '
                         "virtual dataset); refusing to read it.")
    declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if _too_expanded(declared, stored):
        raise ValueError(f'{source}: "{dataset.name}" declares {readable_size(declared)} but only '
                         f"{readable_size(stored)} are stored; refusing to read it.")
    return dataset


def config_array(value, dtype, where="a __numpy__ record"):
    """`np.array(value, dtype)` for an array stored in a config, once its size is known to be sane.

    The size is counted from the nested lists before allocating: a dtype such as `S2000000000` would
    otherwise make one element two gigabytes."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{where} has the dtype {dtype!r}, which is not a NumPy dtype.") from None
    count = _leaf_count(value)
    if count * dtype.itemsize > MAX_CONFIG_ARRAY_BYTES:
        raise ValueError(f"{where} declares {count} values of dtype {dtype.str} "
                         f"({readable_size(count * dtype.itemsize)}), more than the "
                         f"{readable_size(MAX_CONFIG_ARRAY_BYTES)} an array in a config may hold.")
    return np.array(value, dtype=dtype)


def _leaf_count(value):
    """How many scalars a nested list holds (without recursion: the nesting can be deep)."""
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        else:
            count += 1
    return count
