"""A model's compiled call, kept for a bounded number of input signatures.

`jax.jit` compiles one XLA program per input signature (the shapes and dtypes of the arrays) and keeps
every one: a notebook that calls a model on 100 image sizes keeps 100 programs (about 3 MB each)
for as long as the model lives. `CompiledBySignature` keeps one `jax.jit` per signature instead, at
most `limit` of them: calling on a new signature when the limit is reached drops the one used least
recently, and with it its program. A signature used again after being dropped is compiled again.
"""

import collections

import jax

MAX_SIGNATURES = 16  # per model and mode (training or not): predict needs two (full and last batch)


def signature(inputs):
    """What jax.jit compiles for: the structure of `inputs` and each array's shape and dtype."""
    leaves, structure = jax.tree_util.tree_flatten(inputs)
    return structure, tuple((getattr(x, "shape", None), getattr(x, "dtype", type(x))) for x in leaves)


class CompiledBySignature:
    """`fn(values, inputs)` compiled once per signature of `inputs`; at most `limit` programs kept."""

    def __init__(self, fn, limit=MAX_SIGNATURES):
        self._fn = fn
        self.limit = limit
        self._compiled = collections.OrderedDict()  # signature -> jax.jit, least recently used first

    def __call__(self, values, inputs):
        key = signature(inputs)
        compiled = self._compiled.get(key)
        if compiled is None:
            # A function object of its own, so that JAX's caches (weakly keyed on it) let the
            # program go once this entry is dropped.
            compiled = self._compiled[key] = jax.jit(lambda values, inputs: self._fn(values, inputs))
            if len(self._compiled) > self.limit:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return compiled(values, inputs)

    def __len__(self):
        """How many signatures have a compiled program kept."""
        return len(self._compiled)
