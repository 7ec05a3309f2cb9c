"""Reading weights saved by Keras 2 in HDF5 (`.h5`), as Keras's ImageNet application files are.

The layout: the root lists `layer_names`; each layer's group lists its `weight_names`, whose datasets
hold the values. Layers are matched in order, counting only layers that have weights (as Keras 2 and
Keras 3 do), so a model built with the same architecture reads the file whatever its layer names.
"""

import h5py
import numpy as np


def _names(group, attribute):
    values = group.attrs.get(attribute, [])
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def is_legacy_h5(path):
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in root.attrs
    except OSError:
        return False


def load_legacy_h5_weights(model, path, skip_mismatch=False):
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"Cannot read weights from {path}: not an HDF5 file ({error}).") from None
    with f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in root.attrs:
            raise ValueError(f"{path} is not a Keras 2 weights file: it has no 'layer_names' attribute.")
        saved = [(name, root[name]) for name in _names(root, "layer_names")
                 if _names(root[name], "weight_names")]
        layers = [layer for layer in model.layers if layer.weights]
        if len(saved) != len(layers):
            raise ValueError(f"{path} holds weights for {len(saved)} layers, but model \"{model.name}\" has "
                             f"{len(layers)} layers with weights.")
        for layer, (saved_name, group) in zip(layers, saved):
            values = [np.asarray(group[name]) for name in _names(group, "weight_names")]
            expected = [v.shape for v in layer.weights]
            if [v.shape for v in values] != expected:
                if skip_mismatch:
                    continue
                raise ValueError(f'Layer "{layer.name}" (saved as "{saved_name}" in {path}) has weights of '
                                 f"shapes {expected}, but the file holds {[v.shape for v in values]}.")
            layer.set_weights(values)
