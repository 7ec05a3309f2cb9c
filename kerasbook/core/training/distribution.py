"""How fit, evaluate and predict use the current `keras.distribution`.

Without a distribution nothing changes: batches go to JAX's default device, as in Keras 3 (which
also leaves a machine's other devices idle until a distribution is set). With one:

- each batch is placed with the distribution's data layout (`place_batch`): cut along its first
  axis over the mesh's batch axis, every device receiving its slice; in a run of several processes
  each process places the slices of its own devices;
- each step is compiled for the layouts of the state it receives and returns (`StepLayout`): the
  model's variables keep their layouts from step to step, and XLA inserts the communication (the
  all-reduce of data parallelism, the gathers of model parallelism) itself;
- a model whose variables were created before the distribution was set is refused with what to
  do (`check_model`): its variables keep the layout they were created with, as in Keras.

The model computes the same thing either way: a data- or model-parallel fit gives the losses of
one device.
"""

import warnings

import jax
import numpy as np

from kerasbook.core import tree
from kerasbook.core.distribution import distributions


def current():
    """The current distribution, or None."""
    return distributions.distribution()


def place_batch(batch):
    """Every array of `batch` (nested; None kept) laid out for the current distribution."""
    dist = current()
    if dist is None:
        return batch
    return tree.map_structure(lambda array: None if array is None else _place(array, dist), batch)


def _place(array, dist):
    """One array: cut along its first axis over the batch axis (a whole copy on every device if
    its length does not divide, as the smaller last batch of an epoch may not)."""
    sharding = batch_sharding(np.shape(array), dist)
    if jax.process_count() == 1:
        return jax.device_put(array, sharding)
    array = np.asarray(array)
    if dist.auto_shard_dataset:  # every process holds the whole batch: each places its devices' rows
        return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])
    return jax.make_array_from_process_local_data(sharding, array)  # each process holds its own rows


def batch_sharding(shape, dist):
    """The `NamedSharding` of a batch of this shape under `dist`."""
    layout = dist.get_data_layout(shape).backend_layout
    batch_axis = dist.device_mesh.axis_names.index(dist.batch_dim_name)
    if len(shape) and shape[0] % dist.device_mesh.shape[batch_axis] == 0:
        return layout
    return jax.sharding.NamedSharding(layout.mesh, jax.sharding.PartitionSpec())


class StepLayout:
    """The layouts one compiled step is made for.

    `state` holds a sharding for each value of the step's state: the variable's own layout, or None
    (JAX's default device) for a variable that has none. `values_spec` and `batch_spec` describe the
    arguments with their shardings, so that a step compiled ahead of time (before any batch exists)
    expects what the variables hold and what `place_batch` will give it. Under a distribution the
    step returns its state in the layouts it came in (`jit_options`), so every step takes the same.
    """

    def __init__(self, groups, dist, kind):
        self.dist = dist
        self.kind = kind  # "train", "test" or "predict"
        self.state = tuple([_sharding_of(v, dist) for v in group] for group in groups)

    def values_spec(self, groups):
        return tuple([jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=s) for v, s in zip(group, shardings)]
                     for group, shardings in zip(groups, self.state))

    def batch_spec(self, spec):
        if self.dist is None:
            return spec
        return tree.map_structure(
            lambda s: None if s is None else jax.ShapeDtypeStruct(
                s.shape, s.dtype, sharding=batch_sharding(s.shape, self.dist)), spec)

    def jit_options(self):
        """`jax.jit`'s out_shardings: the logs as XLA likes, the state as it came in (a predict
        step's state is not passed on, so XLA chooses)."""
        if self.dist is None or self.kind == "predict":
            return {}
        return {"out_shardings": (None, self.state)}


def _sharding_of(variable, dist):
    """A variable's sharding in a step. Under a distribution, the optimizer's and the metrics'
    variables made before it (a model compiled, then distributed) are laid out now: whole on
    every device. (The model's own are checked by `check_model`.)"""
    if variable._layout is None and dist is not None:
        variable._layout = dist.get_variable_layout(variable)
        variable.assign(variable.value)  # placed by its new layout
    layout = variable._layout
    return getattr(layout, "backend_layout", layout)


def check_model(model):
    """Before a step of `model` is compiled under a distribution: refuse, with what to do, a model
    whose variables were made before it was set (or under another mesh); warn about `LayoutMap`
    keys that lay out none of its variables."""
    dist = current()
    if dist is None:
        return
    variables = model.variables
    _refuse_other_layouts(model, dist, variables)
    layout_map = getattr(dist, "layout_map", None)
    if layout_map is not None:
        _warn_unused_keys(model, layout_map, variables)


def _refuse_other_layouts(model, dist, variables):
    mesh = dist.device_mesh.backend_mesh
    left = [v for v in variables if not _on_mesh(v, mesh)]
    if not left:
        return
    where = "one device" if left[0]._layout is None else "another mesh"
    paths = ", ".join(repr(v.path) for v in left[:3]) + (", ..." if len(left) > 3 else "")
    raise ValueError(
        f'Model "{model.name}" was built before the current distribution ({type(dist).__name__} on the '
        f"mesh {dist.device_mesh.shape}) was set: its variables ({len(left)} of them: {paths}) keep the "
        f"layout they were created with, on {where}, as in Keras, and cannot join its steps. Create and "
        "build the model after keras.distribution.set_distribution(...), or inside `with "
        "distribution.scope():`. To keep its weights: weights = model.get_weights(), build the model "
        "again under the distribution, then new_model.set_weights(weights).")


def _on_mesh(variable, mesh):
    sharding = getattr(variable._layout, "backend_layout", variable._layout)
    return getattr(sharding, "mesh", None) == mesh


def _warn_unused_keys(model, layout_map, variables):
    """A key that matches none of the model's variables (a typo, a renamed layer) would leave the
    variables it was meant for whole on every device, silently: say so, with the keys that did match."""
    matches = layout_map.matches([v.path for v in variables])
    unused = [key for key, paths in matches.items() if not paths and not key.endswith("/output")]
    if not unused:
        return
    used = ", ".join(f"{key!r} ({len(paths)})" for key, paths in matches.items() if paths) or "none"
    warnings.warn(
        f"LayoutMap key{'s' if len(unused) > 1 else ''} {', '.join(map(repr, unused))} matched no "
        f'variable of model "{model.name}"; the keys that matched (variables each): {used}. A variable '
        "that no key matches is replicated, a whole copy on every device. The model's variable paths: "
        f"{', '.join(v.path for v in variables[:6])}{', ...' if len(variables) > 6 else ''} "
        "(all of them: [v.path for v in model.variables]).", stacklevel=5)


def own_shardings(values):
    """Each array's own sharding, for a copy that keeps it (None without a distribution: JAX's
    default device, as before). Needed when several processes share the arrays: a copy with no
    sharding given would try to bring every piece into this process."""
    if current() is None:
        return None
    return jax.tree_util.tree_map(lambda a: a.sharding, values)


def to_host(array):
    """An output as a NumPy array. In a run of several processes a batch's outputs lie on every
    process's devices; each process gathers the whole of them, as it gave the whole batch."""
    if getattr(array, "is_fully_addressable", True):
        return np.asarray(array)
    from jax.experimental import multihost_utils
    return np.asarray(multihost_utils.process_allgather(array, tiled=True))
