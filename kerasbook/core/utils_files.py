"""`keras.utils.get_file`: a file from the Keras cache, or downloaded there once with its hash checked.

The cache is Keras's own (`$KERAS_HOME`, else `~/.keras`), so files a machine already has for Keras are
used as they are. A download goes to a temporary file that is renamed into place only once complete
and verified: an interrupted download never leaves a half file that looks cached.
"""

import hashlib
import os
import shutil
import tempfile
import urllib.request

DOWNLOAD_TIMEOUT = 30  # seconds without an answer before a download is given up


def keras_home():
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def hash_file(path, algorithm="sha256"):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_algorithm(expected, algorithm="auto"):
    """Keras's rule for "auto": a 64-character hash is sha256, anything else md5."""
    if algorithm in ("sha256", "md5"):
        return algorithm
    if algorithm != "auto":
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; received {algorithm!r}.")
    return "sha256" if expected and len(expected) == 64 else "md5"


def validate_file(fpath, file_hash, algorithm="auto"):
    return hash_file(fpath, resolve_algorithm(file_hash, algorithm)) == str(file_hash)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of `fname` in `cache_dir/cache_subdir`, downloaded from `origin` if not there.

    A cached file whose hash differs from `file_hash` is downloaded again; a download whose hash
    differs is refused and not kept. Archives are not extracted (`extract`/`untar` are not supported).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if extract or untar:
        raise NotImplementedError("kerasbook's get_file does not extract archives; call it with "
                                  "extract=False and unpack the returned file with tarfile or zipfile.")
    if fname is None:
        fname = os.path.basename(urllib.request.urlparse(origin).path)
    expected = file_hash or md5_hash
    algorithm = resolve_algorithm(expected, "md5" if md5_hash and not file_hash else hash_algorithm)
    folder = os.path.join(os.path.expanduser(cache_dir) if cache_dir else keras_home(), cache_subdir)
    path = os.path.join(folder, fname)
    problem = ""
    if os.path.exists(path) and not force_download:
        if expected is None or validate_file(path, expected, algorithm):
            return path
        problem = (f"The cached file {path} does not have the expected {algorithm} hash {expected} "
                   "(incomplete or a different version), so it is downloaded again. ")
        print(f"kerasbook: {problem.strip()}")
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{fname}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
                    shutil.copyfileobj(response, out, 1 << 20)
            except OSError as error:
                raise OSError(
                    f"{problem}Cannot download {fname} from {origin} ({error}). If this machine has no "
                    f"network, download the file elsewhere and copy it to {path} (the Keras cache; set "
                    "KERAS_HOME to use another folder).") from None
        if expected is not None and not validate_file(partial, expected, algorithm):
            raise ValueError(f"The file downloaded from {origin} does not have the expected {algorithm} hash "
                             f"{expected} (it has {hash_file(partial, algorithm)}); it was not kept.")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path
