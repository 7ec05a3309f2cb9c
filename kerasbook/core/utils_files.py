"""`keras.utils.get_file`: a file from the Keras cache, or downloaded there once with its hash checked.

The cache is Keras's own (`$KERAS_HOME`, else `~/.keras`), so files a machine already has for Keras are
used as they are. A download goes to a temporary file that is renamed into place only once complete
and verified: an interrupted download never leaves a half file that looks cached. An archive
(`extract=True`) is unpacked next to it under Keras's folder name, the same way: into a temporary
folder renamed once complete, keeping only members whose paths stay inside it.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile

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
    differs is refused and not kept. With `extract=True` (or `untar=True`), the archive (tar, tar.gz,
    zip; `archive_format` "auto", "tar" or "zip") is unpacked and the folder is returned, with Keras's
    names: `fname="data"` keeps the archive as `data_archive` and unpacks into `data/`;
    `fname="data.tar.gz"` keeps `data.tar.gz` and unpacks into `data_extracted/`. Keras unpacks again
    at every call; kerasbook only when the folder is missing or the archive was just downloaded.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    name = os.fspath(fname) if fname else os.path.basename(urllib.request.urlparse(origin).path)
    if os.sep in name:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's "
                         f"parent directory, use the `cache_dir` argument. Received: fname={fname}")
    expected = file_hash or md5_hash
    algorithm = resolve_algorithm(expected, "md5" if md5_hash and not file_hash else hash_algorithm)
    folder = os.path.join(os.path.expanduser(cache_dir) if cache_dir else keras_home(), cache_subdir)
    path, extraction_dir = _targets(folder, name, bool(fname), extract or untar)
    downloaded = _fetch(path, origin, expected, algorithm, force_download)
    if extraction_dir is None:
        return path
    if downloaded or not os.path.isdir(extraction_dir):
        extract_archive(path, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir


def _targets(folder, name, name_given, extract):
    """`(where the downloaded file goes, where it is unpacked or None)`, named as Keras names them."""
    if not extract:
        return os.path.join(folder, name), None
    if name_given and "." in name:
        return os.path.join(folder, name), os.path.join(folder, name[:name.find(".")] + "_extracted")
    return os.path.join(folder, name + "_archive"), os.path.join(folder, name)


def _fetch(path, origin, expected, algorithm, force_download):
    """Make sure `path` holds the file (a cached copy with the right hash, or a fresh download).
    Returns True if it was downloaded now."""
    fname, folder = os.path.basename(path), os.path.dirname(path)
    problem = ""
    if os.path.exists(path) and not force_download:
        if expected is None or validate_file(path, expected, algorithm):
            return False
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
    return True


def extract_archive(file_path, path=".", archive_format="auto"):
    """Unpack the tar (.tar, .tar.gz, .tar.bz2) or zip archive `file_path` into the folder `path`.

    An archive with members whose paths would land outside `path` (absolute paths, `..`, links
    pointing out) is refused with an error (Keras skips those members with a warning). Returns True
    if the file was an archive of an allowed format.
    """
    formats = {"auto": ("tar", "zip"), None: ()}.get(archive_format, archive_format)
    formats = (formats,) if isinstance(formats, str) else formats
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            _unpack_into(path, lambda target: _untar(file_path, target))
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            _unpack_into(path, lambda target: _unzip(file_path, target))
            return True
        if kind not in ("tar", "zip"):
            raise NotImplementedError(f"archive_format={kind!r}: kerasbook unpacks 'tar' and 'zip' archives.")
    return False


def _unpack_into(path, unpack):
    """Run `unpack(folder)` on a temporary folder beside `path`, then put it in place of `path`."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(path)}.", suffix=".part")
    try:
        unpack(staging)
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(staging, path)
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging)


def _untar(file_path, folder):
    with tarfile.open(file_path) as archive:
        archive.extractall(folder, filter="data")  # refuses paths and links leaving `folder`


def _unzip(file_path, folder):
    root = os.path.realpath(folder)
    with zipfile.ZipFile(file_path) as archive:
        for member in archive.infolist():
            target = os.path.realpath(os.path.join(root, member.filename))
            if os.path.commonpath([target, root]) != root:
                raise ValueError(f"The archive {file_path} holds {member.filename!r}, which would be written "
                                 f"outside {folder}; it was not extracted.")
        archive.extractall(folder)
