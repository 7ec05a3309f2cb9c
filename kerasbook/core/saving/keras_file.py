"""The `.keras` format of Keras 3: a zip of `metadata.json`, `config.json`, `model.weights.h5` and,
for layers that keep files (vocabularies), an `assets/` folder (see `assets.py`).

`config.json` is the model's config (as `serialize_keras_object` writes it, with how it was compiled);
`model.weights.h5` holds the variables in Keras's layout (see `weights_file.py`). Loading rebuilds the
model from the config (never running code from the file, see `lambdas.py`), then reads the weights.
"""

import datetime
import io
import json
import os
import zipfile

import h5py

from kerasbook.core.saving import assets, limits, weights_file
from kerasbook.core.saving.atomic import atomic_path
from kerasbook.core.saving.serialization import deserialize_keras_object, serialize_keras_object

KERAS_VERSION = "3.15.1"  # the format version Keras reads: written as Keras 3.15 would


def save_model(model, filepath, overwrite=True, zipped=True):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"model.save writes the .keras format; the file name must end in .keras, "
                         f"received {filepath!r}. For weights alone use save_weights('x.weights.h5').")
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    config = serialize_keras_object(model)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        weights_file.write(model, f)
    with atomic_path(filepath) as partial:
        with zipfile.ZipFile(partial, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config, default=_jsonable))
            archive.writestr("model.weights.h5", weights.getvalue())
            assets.write(model, archive)


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot write {value!r} into a model config.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    filepath = os.fspath(filepath)
    if filepath.endswith(".weights.h5"):
        raise ValueError(f"{filepath} holds weights only, not a model: build the model, then call "
                         "model.load_weights() on it.")
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError(f"{filepath} is in the legacy Keras 2 HDF5 model format, which kerasbook does not "
                         "load as a whole model; build the model and use load_weights() instead.")
    config, weights = _read_archive(filepath)
    try:
        model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    except RecursionError:
        raise ValueError(f"{filepath}: its config.json nests objects too deeply to be a model.") from None
    except ValueError as error:  # what the config holds that no model can be made of: name the file
        raise ValueError(f"{filepath}: {error}") from error
    if compile and config.get("compile_config"):
        model.compile_from_config(config["compile_config"])
    _read_weights(model, weights, filepath)
    with zipfile.ZipFile(filepath) as archive:
        assets.read(model, archive, filepath)
    return model


def load_weights_from_zip(model, filepath, skip_mismatch=False):
    """`model.load_weights("x.keras")`: only the weights of a `.keras` file (its config is not used)."""
    _, weights = _read_archive(os.fspath(filepath))
    _read_weights(model, weights, filepath, skip_mismatch)


def _read_archive(filepath):
    """(config dict, weights bytes) of a `.keras` file, or an error saying what is wrong with it."""
    limits.check_regular_file(filepath, "model file")
    try:
        archive = zipfile.ZipFile(filepath)
    except zipfile.BadZipFile:  # no zip directory at the end: another format, or cut short
        raise ValueError(f"{filepath} is not a .keras file: it is not a zip archive (or it is truncated "
                         "or damaged).") from None
    except OSError as error:
        raise ValueError(f"{filepath} cannot be read as a .keras file: {error}.") from None
    with archive:
        missing = {"config.json", "model.weights.h5"} - set(archive.namelist())
        if missing:
            raise ValueError(f"{filepath} is not a complete .keras file: it lacks {sorted(missing)}.")
        limits.check_zip_member(archive, "config.json", filepath, limits.MAX_CONFIG_BYTES)
        limits.check_zip_member(archive, "model.weights.h5", filepath)
        try:
            config = archive.read("config.json")
            weights = archive.read("model.weights.h5")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            raise ValueError(f"{filepath} is damaged: {error}.") from None  # e.g. "Bad CRC-32 for file ..."
    try:
        config = json.loads(config)
    except ValueError as error:
        raise ValueError(f"{filepath} is damaged: its config.json is not valid JSON ({error}).") from None
    except RecursionError:
        raise ValueError(f"{filepath}: its config.json nests objects too deeply to be a model.") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{filepath}: its config.json does not describe a model (no class_name).")
    return config, weights


def _read_weights(model, weights, filepath, skip_mismatch=False):
    try:
        f = h5py.File(io.BytesIO(weights), "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"{filepath}: its model.weights.h5 is not a readable HDF5 file ({error}).") from None
    with f:
        weights_file.read(model, f, filepath, skip_mismatch)
