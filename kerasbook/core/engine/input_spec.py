"""`InputSpec`: what a layer accepts, checked before the layer runs.

A layer states its expectations (`ndim`, `min_ndim`, a size on some axis) so that a wrong input fails
at once, when the model is built, with a message naming the layer, what it expected and what it got,
instead of deep inside the math later.
"""


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name
        self.optional = optional

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {}, False)]
        return f"InputSpec({', '.join(parts)})"


def check_input(layer, specs, inputs):
    """Raise a ValueError naming `layer` if `inputs` (a flat list of tensors) do not fit `specs`."""
    if specs is None:
        return
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    for index, (spec, x) in enumerate(zip(specs, inputs)):
        if spec is None or x is None or not hasattr(x, "shape"):
            continue
        shape = tuple(x.shape)
        ndim = len(shape)

        def fail(expected):
            raise ValueError(f'Input {index} of layer "{layer.name}" ({type(layer).__name__}) is '
                             f"incompatible with the layer: expected {expected}, but received input "
                             f"with shape {shape}.")

        if spec.ndim is not None and ndim != spec.ndim:
            fail(f"ndim={spec.ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            fail(f"min_ndim={spec.min_ndim}, found ndim={ndim}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            fail(f"max_ndim={spec.max_ndim}, found ndim={ndim}")
        for axis, size in spec.axes.items():
            if size is not None and -ndim <= axis < ndim and shape[axis] not in (None, size):
                fail(f"axis {axis} of input shape to have value {size}")
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    fail(f"shape={spec.shape}")
