"""Keras 3's weights layout in HDF5: where each variable of a model goes in `model.weights.h5`.

Keras walks the model as a tree of objects and writes each object's own variables to `<path>/vars/0..n`
(a group is written for every layer, even one without variables). The walk, mirrored here so that
kerasbook and Keras read each other's files:
- a functional or Sequential model first visits its `layers` list;
- then every attribute holding a layer (or a list, tuple or dict of them), public names in sorted
  order first, then private ones (`_name`); a subclassed `Model` also has the public `layers` list;
- a layer in a list or dict is named after its class in snake case, numbered within that container
  (`dense`, `dense_1`, ...), never by the layer's own name (names change between runs); dict keys are
  not used either; a nested list is `container`, `container_1`, ...;
- an object reached twice (a shared layer, an alias) is written only where it was first reached;
- a compiled model's optimizer state goes under `optimizer/vars`.
"""

import warnings

import h5py
import numpy as np

from kerasbook.core.engine import naming
from kerasbook.core.saving import limits


def _sort_key(attr):
    """Keras visits public attributes first, then private ones, each group alphabetically."""
    return "~" + attr if attr.startswith("_") else attr


def _attributes(layer):
    """(attribute name, value) pairs of `layer` that the walk visits, in Keras's order."""
    from kerasbook.core.engine.layer import _ENGINE_ATTRS
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.model import Model
    from kerasbook.core.models.sequential import Sequential
    structured = isinstance(layer, (Functional, Sequential))
    names = [a for a in vars(layer) if a not in _ENGINE_ATTRS and not a.startswith("__")]
    if isinstance(layer, Model) and not structured:
        names.append("layers")  # Keras's walk reads the public `layers` property of a subclassed Model
    pairs = [("layers", layer.layers)] if structured else []
    return pairs + [(a, getattr(layer, a)) for a in sorted(names, key=_sort_key)]


def walk(model):
    """(group path, layer) for every layer under `model` (itself included, path ""), each once."""
    from kerasbook.core.engine.layer import Layer
    visited = set()

    def visit(value, path):
        if isinstance(value, Layer):
            if id(value) in visited:
                return
            visited.add(id(value))
            yield path, value
            for attr, child in _attributes(value):
                yield from visit(child, f"{path}/{attr}" if path else attr)
        elif isinstance(value, (list, tuple, dict)):
            if id(value) in visited:
                return
            visited.add(id(value))
            counts = {}
            for item in (value.values() if isinstance(value, dict) else value):
                if isinstance(item, (Layer, list, tuple, dict)):
                    base = naming.to_snake_case(type(item).__name__) if isinstance(item, Layer) else "container"
                    count = counts.get(base, 0)
                    counts[base] = count + 1
                    yield from visit(item, f"{path}/{base}" + (f"_{count}" if count else ""))

    yield from visit(model, "")


def _optimizer(layer):
    """The optimizer of a compiled model (Keras writes it even before training: iteration, rate)."""
    from kerasbook.core.models.model import Model
    return getattr(layer, "optimizer", None) if isinstance(layer, Model) else None


def _stores(model):
    """(group path, owner name, variables) for every object whose variables the file holds."""
    for path, layer in walk(model):
        yield (f"{path}/vars" if path else "vars"), layer.name, layer._own_variables()
        optimizer = _optimizer(layer)
        if optimizer is not None:
            yield (f"{path}/optimizer/vars" if path else "optimizer/vars"), optimizer, optimizer.variables


def write(model, group):
    def write_group(key, name, variables):
        vars_group = group.require_group(key)
        vars_group.attrs["name"] = name
        for i, variable in enumerate(variables):
            vars_group.create_dataset(str(i), data=variable.numpy())

    for key, owner, variables in _stores(model):
        write_group(key, owner if isinstance(owner, str) else owner.name, variables)
        inner = getattr(owner, "inner_optimizer", None)
        if inner is not None:
            # A LossScaleOptimizer's variables include its inner optimizer's; Keras also looks for
            # those in a group of their own (and warns when it is missing). kerasbook reads `vars`.
            write_group(key.replace("optimizer/vars", "optimizer/inner_optimizer/vars"), inner.name,
                        inner.variables)


def read(model, group, source, skip_mismatch=False):
    """Assign every variable from `group`, or none: all shapes are checked before any is assigned.

    A missing group or a wrong shape is an error naming the layer (with `skip_mismatch=True`, a
    warning, and that variable keeps its value). Shapes are compared with what each dataset
    declares before it is read, so a file cannot make this allocate more than the model's weights
    (see `limits.py`)."""
    def problem(message):
        if not skip_mismatch:
            raise ValueError(f"{source}: {message}")
        warnings.warn(f"{source}: {message} Skipped (skip_mismatch=True).", stacklevel=4)

    assignments = []
    for key, owner, variables in _stores(model):
        if not isinstance(owner, str):  # an optimizer
            assignments += _optimizer_values(owner, model, group.get(key), source)
            continue
        if not variables:
            continue
        stored = group.get(key)
        if not isinstance(stored, h5py.Group):
            problem(f'no weights for layer "{owner}" (expected the group "{key}"). Was the file saved '
                    "from a model with the same architecture?")
            continue
        if len(stored) != len(variables):
            problem(f'layer "{owner}" has {len(variables)} variables, but the file holds '
                    f"{len(stored)} in \"{key}\".")
            continue
        for i, variable in enumerate(variables):
            dataset = limits.checked_dataset(stored, str(i), source)
            if dataset is None or dataset.shape != tuple(variable.shape):
                held = "no dataset" if dataset is None else f"shape {dataset.shape}"
                problem(f'layer "{owner}", variable "{variable.name}" has shape {tuple(variable.shape)}, '
                        f'but the file holds {held} in "{key}/{i}".')
                continue
            assignments.append((variable, np.asarray(dataset)))
    for variable, value in assignments:
        variable.assign(value)
    model._notify("weights")


def _optimizer_values(optimizer, model, stored, source):
    """The optimizer's (variable, value) pairs. A file saved after training holds its slots too,
    so the optimizer is built first; a state that still does not fit is skipped with a warning,
    as Keras does (the model's weights load all the same)."""
    if not isinstance(stored, h5py.Group):
        return []
    if len(stored) > len(optimizer.variables) and not optimizer.built:
        optimizer.build(model.trainable_variables)
    datasets = [limits.checked_dataset(stored, str(i), source) for i in range(len(stored))]
    variables = optimizer.variables
    if [d.shape if d is not None else None for d in datasets] != [tuple(v.shape) for v in variables]:
        warnings.warn(f'{source}: skipped the state of optimizer "{optimizer.name}": it has '
                      f"{len(variables)} variables, but the file holds {len(datasets)} of other shapes.",
                      stacklevel=4)
        return []
    return [(variable, np.asarray(dataset)) for variable, dataset in zip(variables, datasets)]


def save_weights(model, filepath, overwrite=True):
    import os
    from kerasbook.core.saving.atomic import atomic_path
    if not str(filepath).endswith(".weights.h5"):
        raise ValueError(f"save_weights writes Keras 3's format, whose file name ends in .weights.h5; "
                         f"received {filepath!r}.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    with atomic_path(filepath) as partial:
        with h5py.File(partial, "w") as f:
            write(model, f)


def load_weights(model, filepath, skip_mismatch=False):
    limits.check_regular_file(filepath, "weights file")
    try:
        f = h5py.File(filepath, "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read weights from {filepath}: it is not an HDF5 file, or it is damaged "
                         f"({error}).") from None
    with f:
        read(model, f, filepath, skip_mismatch)

