"""Keras 3's weights layout in HDF5: where each variable of a model goes in `model.weights.h5`.

Keras walks the model as an object tree and writes each object's own variables to `<path>/vars/0..n`:
- a functional or Sequential model's layers go under `layers/<name>`, where `<name>` is the layer's
  class in snake case, numbered within that list (`dense`, `dense_1`, ...), not the layer's own name;
- a subclassed layer's sub-layers go under the attribute that holds them (`encoder`, or `blocks/dense`
  for a list);
- a compiled model's optimizer state goes under `optimizer/vars`.
Writing and reading walk the same tree, so kerasbook and Keras read each other's files.
"""

import h5py
import numpy as np

from kerasbook.core import naming


def _numbered(objects):
    """Class-based names, numbered in order: what Keras calls the entries of a list of layers."""
    counts, names = {}, []
    for obj in objects:
        base = naming.to_snake_case(type(obj).__name__)
        count = counts.get(base, 0)
        counts[base] = count + 1
        names.append(base if count == 0 else f"{base}_{count}")
    return names


def children(layer):
    """(path, layer) pairs under `layer`, as Keras's saving walk names them."""
    from kerasbook.core.layer import Layer
    from kerasbook.core.models.functional import Functional
    if isinstance(layer, Functional):
        return [(f"layers/{name}", sub) for name, sub in zip(_numbered(layer.layers), layer.layers)]
    found = []
    for attr, value in layer.__dict__.items():
        if attr.startswith("_") or attr in ("input_spec",):
            continue
        if isinstance(value, Layer) and value is not layer:
            found.append((attr, value))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            found += [(f"{attr}/{name}", sub) for name, sub in zip(_numbered(value), value)]
        elif isinstance(value, dict) and value and all(isinstance(v, Layer) for v in value.values()):
            found += [(f"{attr}/{key}", sub) for key, sub in value.items()]
    return found


def walk(layer, path=""):
    """(group path, layer, its own variables) for `layer` and everything below it."""
    yield path, layer, layer._own_variables()
    for child_path, child in children(layer):
        yield from walk(child, f"{path}/{child_path}" if path else child_path)


def write(model, group):
    for path, layer, variables in walk(model):
        vars_group = group.require_group(f"{path}/vars" if path else "vars")
        vars_group.attrs["name"] = layer.name
        for i, variable in enumerate(variables):
            vars_group.create_dataset(str(i), data=variable.numpy())
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        vars_group = group.require_group("optimizer/vars")
        vars_group.attrs["name"] = optimizer.name
        for i, variable in enumerate(optimizer.variables):
            vars_group.create_dataset(str(i), data=variable.numpy())


def read(model, group, source, skip_mismatch=False):
    """Assign every variable from `group`; a missing group or a wrong shape names the layer."""
    for path, layer, variables in walk(model):
        if not variables:
            continue
        key = f"{path}/vars" if path else "vars"
        if key not in group:
            raise ValueError(f'{source} has no weights for layer "{layer.name}" (expected group "{key}"). '
                             "Was it saved from a model with the same architecture?")
        stored = group[key]
        if len(stored) != len(variables):
            raise ValueError(f'{source}: layer "{layer.name}" has {len(variables)} variables, but the file '
                             f"holds {len(stored)}.")
        for i, variable in enumerate(variables):
            value = np.asarray(stored[str(i)])
            if value.shape != variable.shape:
                if skip_mismatch:
                    continue
                raise ValueError(f'{source}: layer "{layer.name}", variable "{variable.name}" has shape '
                                 f"{variable.shape}, but the file holds shape {value.shape}.")
            variable.assign(value)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and "optimizer/vars" in group:
        stored = group["optimizer/vars"]
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        if len(stored) == len(optimizer.variables):
            for i, variable in enumerate(optimizer.variables):
                variable.assign(np.asarray(stored[str(i)]))
    model._notify("weights")


def save_weights(model, filepath, overwrite=True):
    from kerasbook.core.saving.atomic import atomic_path
    if not str(filepath).endswith(".weights.h5"):
        raise ValueError(f"save_weights writes Keras 3's format, whose file name ends in .weights.h5; "
                         f"received {filepath!r}.")
    with atomic_path(filepath) as partial:
        with h5py.File(partial, "w") as f:
            write(model, f)


def load_weights(model, filepath, skip_mismatch=False):
    try:
        f = h5py.File(filepath, "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read weights from {filepath}: it is not an HDF5 file, or it is damaged "
                         f"({error}).") from None
    with f:
        read(model, f, filepath, skip_mismatch)

