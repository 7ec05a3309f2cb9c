"""`TensorLayout`: for each axis of a tensor, the mesh axis it is cut along (or None: not cut).

`TensorLayout((None, "model"), mesh)` on a (784, 64) kernel and a (2, 4) mesh of ("batch",
"model") keeps the 784 rows whole and cuts the 64 columns into 4 pieces of 16, one per column of
the mesh; the two rows of the mesh each hold the same 4 pieces (replicated along "batch"). This is
`jax.sharding.NamedSharding(mesh, PartitionSpec(None, "model"))` (`backend_layout`).
"""

import jax


class TensorLayout:
    """A layout to apply to a tensor.

    Args:
        axes: one entry per axis of the tensor: a mesh axis name, or None to keep that axis whole.
        device_mesh: the `DeviceMesh` the names refer to; a `LayoutMap` fills it in when it is None.
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._backend_layout = None
        self._validate_axes()

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(f"Cannot override device mesh value. Existing value is {self._device_mesh}")
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def backend_layout(self):
        """This layout as a `jax.sharding.NamedSharding` (made once)."""
        if self._backend_layout is None:
            if self._device_mesh is None:
                raise ValueError("Cannot create sharding when device mesh is not set for TensorLayout.")
            spec = jax.sharding.PartitionSpec(*self._axes)
            self._backend_layout = jax.sharding.NamedSharding(self._device_mesh.backend_mesh, spec)
        return self._backend_layout

    def _validate_axes(self):
        if self._device_mesh is None:
            return
        valid = set(self._device_mesh.axis_names)
        named = set(self._axes) - {None}
        if named - valid:
            raise ValueError(f"Invalid axis names for Layout. Valid axis names: {valid}, Got {named}")

    def __repr__(self):
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"

    __str__ = __repr__


def distribute_tensor(tensor, layout):
    """`tensor` laid out as `layout` (a `TensorLayout` or a `jax.sharding.Sharding`).

    Inside a compiled function this is a constraint for XLA (`jax.lax.with_sharding_constraint`);
    outside, the array is moved (`jax.device_put`), unless it is laid out so already. A symbolic
    tensor (a functional model being built) is returned as it is.
    """
    if hasattr(tensor, "_keras_history"):  # a KerasTensor (the engine builds on this package)
        return tensor
    sharding = layout.backend_layout if isinstance(layout, TensorLayout) else layout
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    if isinstance(tensor, jax.Array) and tensor.sharding.is_equivalent_to(sharding, tensor.ndim):
        return tensor
    return jax.device_put(tensor, sharding)
