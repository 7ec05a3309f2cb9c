"""`keras.utils.get_file`: a file from the Keras cache, or downloaded there once with its hash checked.

The cache is Keras's own (`$KERAS_HOME`, else `~/.keras`), so files a machine already has for Keras are
used as they are. A download goes to a temporary file that is renamed into place only once complete
and verified: an interrupted download never leaves a half file that looks cached.
"""

import hashlib
import os
import tempfile
import urllib.request


def keras_home():
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def file_hash(path, algorithm="sha256"):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _algorithm(expected, algorithm):
    if algorithm != "auto":
        return algorithm
    return "sha256" if expected and len(expected) == 64 else "md5"


def validate_file(path, expected, algorithm="auto"):
    return file_hash(path, _algorithm(expected, algorithm)) == expected


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of `fname`, downloading it from `origin` into the cache if needed."""
    if fname is None:
        fname = os.path.basename(origin)
    expected = file_hash or md5_hash
    folder = os.path.join(cache_dir or keras_home(), cache_subdir)
    path = os.path.join(folder, fname)
    if os.path.exists(path) and not force_download:
        if expected is None or validate_file(path, expected, hash_algorithm):
            return path
        print(f"kerasbook: {path} does not have the expected hash; downloading it again.")
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{fname}.", suffix=".part")
    os.close(handle)
    try:
        try:
            urllib.request.urlretrieve(origin, partial)
        except OSError as error:
            raise OSError(
                f"Cannot download {fname} from {origin} ({error}). If this machine has no network, copy "
                f"the file to {path} (the Keras cache: set KERAS_HOME to use another folder).") from None
        if expected is not None and not validate_file(partial, expected, hash_algorithm):
            raise ValueError(f"The file downloaded from {origin} does not have the expected "
                             f"{_algorithm(expected, hash_algorithm)} hash {expected}; it was not kept.")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path
