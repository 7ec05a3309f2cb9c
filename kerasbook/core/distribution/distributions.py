"""`DataParallel` and `ModelParallel`: where a model's variables and each batch go, and the current one.

A distribution answers three questions, each with a `TensorLayout` on its `DeviceMesh`:

- `get_data_layout(shape)`: a batch is cut along its first axis over the mesh's batch axis, so each
  row of the mesh computes on its own slice of the examples;
- `get_variable_layout(variable)`: `DataParallel` keeps a whole copy of every variable on every
  device; `ModelParallel` cuts the variables its `LayoutMap` names (by path) and copies the rest;
- `get_tensor_layout(path)`: a layer's output can be laid out anew (`"dense_1/output"` keys).

Nothing is distributed until a distribution is made current, as in Keras 3:
`keras.distribution.set_distribution(DataParallel())`, or `with distribution.scope():`. Variables
take their layout when they are created, so the model must be created after that.
"""

import contextlib
import warnings

import jax
import numpy as np

from kerasbook.core.distribution import devices as devices_lib
from kerasbook.core.distribution.layout import TensorLayout
from kerasbook.core.distribution.layout_map import LayoutMap
from kerasbook.core.distribution.mesh import DeviceMesh

DEFAULT_BATCH_DIM_NAME = "batch"

# The distribution set with set_distribution. One for all threads (Keras keeps one per thread):
# kerasbook traces steps in a background thread too, and that trace must see it.
_current = [None]


def distribution():
    """The current distribution (None: everything on one device, JAX's default)."""
    return _current[0]


def set_distribution(value):
    """Make `value` (a `DataParallel`, a `ModelParallel`, or None) the current distribution.

    Variables created from now on take its layouts; fit, evaluate and predict place each batch with
    it. Variables that exist already keep theirs, as in Keras: create the model after this call.
    """
    if value is not None and not isinstance(value, Distribution):
        raise ValueError("set_distribution expects a keras.distribution.DataParallel or ModelParallel "
                         f"(or None). Received: {value!r} of type {type(value).__name__}.")
    _current[0] = value


class Distribution:
    """What `DataParallel` and `ModelParallel` share: a mesh, the name of its batch axis, the processes.

    Args:
        device_mesh: a `DeviceMesh`.
        batch_dim_name: the mesh axis the batch is cut along.
        auto_shard_dataset: in a run of several processes, whether each process takes its own part
            of every batch from data that every process holds whole (True, the default), or whether
            each process was given its own part already (False).
    """

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._num_processes = jax.process_count()
        self._process_id = jax.process_index()
        self._is_multi_process = self._num_processes > 1

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, auto_shard_dataset):
        self._auto_shard_dataset = auto_shard_dataset

    @property
    def num_processes(self):
        """How many processes run this computation together (`keras.distribution.initialize`)."""
        return self._num_processes

    @property
    def num_model_replicas(self):
        """How many copies of the model compute on different examples at once."""
        raise NotImplementedError()

    @property
    def data_shard_id(self):
        """Which part of the data this process reads."""
        if self.num_model_replicas >= self.num_processes:
            return self._process_id
        return self._process_id // (self.num_processes // self.num_model_replicas)

    def get_data_layout(self, data_shape):
        """A batch's layout: its first axis cut along the batch axis of the mesh."""
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        raise NotImplementedError()

    def get_tensor_layout(self, path):
        raise NotImplementedError()

    @contextlib.contextmanager
    def scope(self):
        """This distribution is the current one inside the `with` block."""
        original = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(original)

    def distribute_dataset(self, dataset):
        """The dataset as this process should read it. kerasbook's fit takes arrays, which every
        process holds whole: each process then places its own rows of each batch (see
        `auto_shard_dataset`), so the dataset itself is returned as it is."""
        return dataset

    def _replicated(self, variable):
        """The layout of a variable given to no one: a whole copy on every device."""
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def __repr__(self):
        return f"<{type(self).__name__} device_mesh={self.device_mesh}>"

    __str__ = __repr__


class DataParallel(Distribution):
    """Data parallelism: every device holds the whole model and computes on its slice of the batch.

    The gradients of the slices are averaged (XLA inserts the all-reduce), so a step gives the
    update of one device on the whole batch.

    Args:
        device_mesh: a one-axis `DeviceMesh` (of a mesh with more axes the first one is used, with
            a warning).
        devices: the devices, for a one-axis mesh named "batch" (give `device_mesh` or `devices`).
        auto_shard_dataset: see `Distribution`.

    With neither, every device of `keras.distribution.list_devices()` is used.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError("Expect `mesh` to be an instance of `DeviceMesh`. "
                                 f"Received: mesh={device_mesh} (of type {type(device_mesh)})")
            super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)
            if device_mesh.devices.ndim != 1:
                warnings.warn(f"Expect the input mesh to be 1D, but received mesh.devices.ndim="
                              f"{device_mesh.devices.ndim}. The first axis will be used for "
                              "data-parallel sharding.", stacklevel=2)
            return
        devices = np.array(devices if devices is not None and len(devices) else devices_lib.list_devices())
        mesh = DeviceMesh(shape=devices.shape, axis_names=[DEFAULT_BATCH_DIM_NAME], devices=devices)
        super().__init__(mesh, DEFAULT_BATCH_DIM_NAME, auto_shard_dataset)

    @property
    def num_model_replicas(self):
        return self.device_mesh.devices.size

    def get_variable_layout(self, variable):
        """The layout the variable was given, else a whole copy on every device."""
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        return self._replicated(variable)

    def get_tensor_layout(self, path):
        return None  # data parallelism leaves the layers' outputs as XLA lays them out


class ModelParallel(Distribution):
    """Model (and data) parallelism: the `LayoutMap` cuts chosen variables across devices.

    With a (2, 4) mesh of ("batch", "model") and `layout_map[".*dense.*kernel"] = (None, "model")`,
    each Dense kernel is cut into 4 column blocks, one per device of a row of the mesh, and each
    batch into 2 halves, one per row. Variables no key matches are copied whole to every device.

    Args:
        layout_map: a `LayoutMap`; its mesh is the distribution's.
        batch_dim_name: the mesh axis the batch is cut along (default: the mesh's first axis).
        auto_shard_dataset: see `Distribution`.
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs):
        kwargs.pop("device_mesh", None)  # Keras's older spelling: the layout map's mesh is used
        if layout_map is None:
            raise ValueError("You must specify a layout_map argument.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError("Argument `layout_map` must be a `LayoutMap` instance. "
                             f"Received: layout_map={layout_map}")
        mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or mesh.axis_names[0]
        if batch_dim_name not in mesh.axis_names:
            raise ValueError(f"batch_dim_name={batch_dim_name!r} is not an axis of the mesh: its axes are "
                             f"{mesh.axis_names}.")
        super().__init__(mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map
        if (self._is_multi_process and self.num_processes > self.num_model_replicas
                and self.num_processes % self.num_model_replicas != 0):
            raise ValueError("If `num_processes` is greater than `num_model_replicas`, `num_processes` "
                             f"must be divisible by `num_model_replicas`. Got num_processes="
                             f"{self.num_processes}, num_model_replicas={self.num_model_replicas}.")

    @property
    def layout_map(self):
        return self._layout_map

    @property
    def num_model_replicas(self):
        return self.device_mesh.shape[self.device_mesh.axis_names.index(self.batch_dim_name)]

    def get_variable_layout(self, variable):
        """The layout the variable was given, else the layout map's for its path, else a whole copy."""
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        layout = self._layout_map[variable.path]
        if layout is None:
            return self._replicated(variable)
        _check_fits(variable, layout, self._layout_map.matching_keys(variable.path)[0])
        return layout

    def get_tensor_layout(self, path):
        return self._layout_map[path]


def _check_fits(variable, layout, key):
    """A layout names a mesh axis (or None) for each axis of the variable, at most one per axis (the
    last ones may be left out: whole), and must cut each axis into pieces of equal size. Said now, naming the variable and the key, rather than when the value is
    first computed, deep inside JAX."""
    given = (f"LayoutMap key {key!r} gives variable {variable.path!r} of shape {tuple(variable.shape)} "
             f"the layout {layout.axes}")
    if len(layout.axes) > len(variable.shape):  # fewer is allowed: the last axes stay whole
        raise ValueError(f"{given}: {len(layout.axes)} axes for a variable of {len(variable.shape)}. "
                         "Give one entry (a mesh axis name or None) per axis of the variable.")
    sizes = dict(zip(layout.device_mesh.axis_names, layout.device_mesh.shape))
    for axis, (name, size) in enumerate(zip(layout.axes, variable.shape)):
        if name is not None and size % sizes[name]:
            raise ValueError(f"{given}: its axis {axis} ({size}) cannot be cut into the {sizes[name]} "
                             f"devices of mesh axis {name!r}. Use a size that is a multiple of "
                             f"{sizes[name]}, or leave that axis whole (None) for this path.")
