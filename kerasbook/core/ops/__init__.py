"""`keras.ops`: the operations layers are written with. One backend (JAX), so no dispatch layer:
each op is a `jax.numpy`/`jax.lax`/`jax.nn` function, or a few lines around one.

The submodules group them as Keras does (`ops.numpy`, `ops.nn`, `ops.math`, `ops.core`,
`ops.linalg`, `ops.image`); every public function of the first five is also available here directly:
`ops.matmul`, `ops.softmax`, `ops.scan`, `ops.solve`. The image ops are only in `ops.image`
(`ops.image.resize`), as in Keras.
"""

import types as _types

from kerasbook.core.ops import core, einops, image, linalg, math, nn, numpy
from kerasbook.core.ops._symbolic_guard import recording_symbolic_tensors as _recording_symbolic_tensors

_NOT_OPS = {"Variable", "standardize_dtype"}  # what modules import, not ops


def _ops_of(module):
    """`{name: function}` of the public functions `module` defines (or takes from jax as they are)."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and name not in _NOT_OPS and isinstance(value, _types.FunctionType)}


def _record_in_place(module):
    """Each op of `module` becomes one that records a node on symbolic tensors (see _symbolic_guard):
    `ops.nn.relu` and `ops.image.resize` as much as `ops.relu`. Returns them."""
    group = module.__name__.rsplit(".", 1)[-1]
    recording = {name: _recording_symbolic_tensors(name, op, group) for name, op in _ops_of(module).items()}
    for name, op in recording.items():
        setattr(module, name, op)
    return recording


for _module in (core, math, nn, numpy, linalg, einops):
    globals().update({name: value for name, value in vars(_module).items()
                      if not name.startswith("_") and name not in _NOT_OPS
                      and not isinstance(value, _types.ModuleType)})
    globals().update(_record_in_place(_module))
_record_in_place(image)
