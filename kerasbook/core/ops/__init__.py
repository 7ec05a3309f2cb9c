"""`keras.ops`: the operations layers are written with. One backend (JAX), so no dispatch layer:
each op is a `jax.numpy`/`jax.lax`/`jax.nn` function, or a few lines around one.

The submodules group them as Keras does (`ops.numpy`, `ops.nn`, `ops.math`, `ops.core`); every
public function is also available here directly: `ops.matmul`, `ops.softmax`, `ops.scan`.
"""

import types as _types

from kerasbook.core.ops import core, math, nn, numpy
from kerasbook.core.ops._symbolic_guard import recording_symbolic_tensors as _recording_symbolic_tensors

_NOT_OPS = {"Variable", "standardize_dtype"}  # helpers the modules import, not ops


def _export(module):
    group = module.__name__.rsplit(".", 1)[-1]
    globals().update({name: _recording_symbolic_tensors(name, value, group) if isinstance(value, _types.FunctionType)
                      else value
                      for name, value in vars(module).items()
                      if not name.startswith("_") and name not in _NOT_OPS
                      and not isinstance(value, _types.ModuleType)})


def _record_in_submodule(module):
    """`ops.nn.relu` is `ops.relu`: the submodule's op, too, records a node on symbolic tensors."""
    for name, value in list(vars(module).items()):
        exported = globals().get(name)
        if getattr(exported, "__wrapped__", None) is value:
            setattr(module, name, exported)


for _module in (core, math, nn, numpy):
    _export(_module)
for _module in (core, math, nn, numpy):
    _record_in_submodule(_module)
