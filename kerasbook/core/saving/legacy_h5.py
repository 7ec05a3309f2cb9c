"""Reading weights saved by Keras 2 in HDF5 (`.h5`), as Keras's ImageNet application files are.

The layout: the root (or its `model_weights` group, in a whole-model file) lists `layer_names`; each
layer's group lists its `weight_names` (e.g. "block1_conv1/kernel:0"), whose datasets hold the
values in the layer's weight order. Layers are matched in order, counting only layers that have
weights (as Keras 2 and Keras 3 do), so a model built with the same architecture reads the file
whatever its layer names; with `by_name=True` they are matched by name instead.
"""

import warnings

import h5py
import numpy as np

from kerasbook.core.saving import limits


def _names(group, attribute):
    values = group.attrs.get(attribute, [])
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def is_legacy_h5(path):
    """True if `path` is an HDF5 file in Keras 2's layout (its root names its layers)."""
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in root.attrs
    except (OSError, ValueError):
        return False


def load_legacy_h5_weights(model, path, skip_mismatch=False, by_name=False):
    """Set `model`'s weights from a Keras 2 `.h5` file; nothing is assigned unless everything fits.

    A layer whose weights differ in number or shape is an error naming the layer, the weight and
    both shapes (with `skip_mismatch=True`, a warning, and that layer keeps its weights). Shapes are
    compared with what the datasets declare before any is read (see `limits.py`)."""
    limits.check_regular_file(path, "weights file")
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read weights from {path}: not an HDF5 file, or damaged ({error}).") from None
    with f:
        _assign(model, _saved_datasets(f, path), path, skip_mismatch, by_name)


def _saved_datasets(f, path):
    """{layer name: [dataset, ...]} for the layers of the file that have weights; nothing read yet."""
    root = f["model_weights"] if "model_weights" in f else f
    if "layer_names" not in root.attrs:
        raise ValueError(f"{path} is not a Keras 2 weights file: its root has no 'layer_names' attribute.")
    saved = {}
    for name in _names(root, "layer_names"):
        group = root.get(name)
        if not isinstance(group, h5py.Group):
            raise ValueError(f'{path}: the file lists layer "{name}", but holds no group of weights for it.')
        datasets = [limits.checked_dataset(group, w, path) for w in _names(group, "weight_names")]
        if any(d is None for d in datasets):
            raise ValueError(f'{path}: layer "{name}" lists weights {_names(group, "weight_names")} that '
                             "the file does not hold.")
        if datasets:
            saved[name] = datasets
    return saved


def _assign(model, saved, path, skip_mismatch, by_name):
    """Check every matched layer's weights against the file's datasets, then read and assign."""
    layers = [layer for layer in model.layers if layer.weights]
    if by_name:
        pairs = [(layer, name, saved[name]) for layer in layers for name in [layer.name] if name in saved]
    else:
        if len(saved) != len(layers):
            raise ValueError(
                f"{path} holds weights for {len(saved)} layers, but model \"{model.name}\" has "
                f"{len(layers)} layers with weights. Layers are matched in order; the file's are "
                f"{list(saved)}, the model's {[layer.name for layer in layers]}.")
        pairs = [(layer, name, saved[name]) for layer, name in zip(layers, saved)]

    assignments = []
    for layer, saved_name, values in pairs:
        mismatch = _mismatch(layer, values)
        if mismatch is None:
            assignments.append((layer, values))
            continue
        message = f'{path}: layer "{layer.name}" (saved as "{saved_name}") {mismatch}'
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + " Skipped (skip_mismatch=True).", stacklevel=4)
    for layer, datasets in assignments:
        layer.set_weights([np.asarray(d) for d in datasets])


def _mismatch(layer, values):
    """Why `values` cannot be this layer's weights, or None if they can."""
    weights = layer.weights
    if len(values) != len(weights):
        return (f"has {len(weights)} weights {[tuple(w.shape) for w in weights]}, but the file holds "
                f"{len(values)} {[v.shape for v in values]}.")
    for weight, value in zip(weights, values):
        if tuple(weight.shape) != value.shape:
            return (f'weight "{weight.name}" has shape {tuple(weight.shape)}, but the file holds shape '
                    f"{value.shape}.")
    return None
