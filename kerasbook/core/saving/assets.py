"""The `assets/` folder of a `.keras` file: what layers keep in files of their own, not in weights.

An adapted `StringLookup`, `IntegerLookup` or `TextVectorization` holds a vocabulary: a list of
words, not an array, so it is written as `vocabulary.txt` (one token a line, the special tokens
first) instead of into `model.weights.h5`. Keras 3 gives every object of the model that has a
`save_assets(dir_path)` method a folder of its own, at the same path as its weights
(`assets/layers/text_vectorization/vocabulary.txt`, see `weights_file.walk`), and hands the same
folder to `load_assets(dir_path)` when the file is loaded. kerasbook does the same, so the files pass
both ways; a custom layer with those two methods gets its folder too.

Reading never trusts the archive: only members under a layer's own folder are read, each checked
against the size limits (`limits.check_zip_member`), and names that would climb out of the folder
(`..`, absolute paths) are refused before anything is written to disk.
"""

import os
import pathlib
import posixpath
import tempfile

from kerasbook.core.saving import limits, weights_file

FOLDER = "assets"


def _with_assets(model):
    """(folder path in the archive, layer) for every layer of `model` that keeps assets."""
    for path, layer in weights_file.walk(model):
        if callable(getattr(layer, "save_assets", None)) or callable(getattr(layer, "load_assets", None)):
            yield posixpath.join(FOLDER, path) if path else FOLDER, layer


def write(model, archive):
    """Each layer's `save_assets(folder)` output, into `archive` (an open `zipfile.ZipFile`)."""
    for folder, layer in _with_assets(model):
        if not callable(getattr(layer, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            layer.save_assets(scratch)
            for file in sorted(pathlib.Path(scratch).rglob("*")):
                if file.is_file():
                    archive.write(file, posixpath.join(folder, file.relative_to(scratch).as_posix()))


def read(model, archive, source):
    """Hand each layer with `load_assets` its folder, rebuilt from `archive` in a temporary folder.

    Only the files directly in the layer's folder are its own (a TextVectorization's folder holds its
    StringLookup's folder too). A layer whose folder the archive lacks gets an empty folder (Keras
    gives None): a layer whose vocabulary is in its config has nothing to read."""
    names = archive.namelist()
    for folder, layer in _with_assets(model):
        if not callable(getattr(layer, "load_assets", None)):
            continue
        members = [name for name in names if posixpath.dirname(name) == folder and not name.endswith("/")]
        with tempfile.TemporaryDirectory() as scratch:
            for name in members:
                target = _safe_target(scratch, name[len(folder) + 1:], source)
                limits.check_zip_member(archive, name, source)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as out:
                    out.write(archive.read(name))
            layer.load_assets(scratch)


def _safe_target(root, relative, source):
    """`root/relative`, or a ValueError when `relative` would leave `root`."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith("/") or ".." in parts or any(":" in p for p in parts):
        raise ValueError(f"{source}: its assets hold a file named {relative!r}, which would be written "
                         "outside the layer's folder; refusing to load it.")
    return os.path.join(root, *parts)
