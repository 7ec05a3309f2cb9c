"""`keras.ops.rearrange`: reorder, merge and split axes with an einops pattern.

`rearrange(images, "b h w c -> b c h w")` moves the channels first; `"b h w c -> b (h w) c"` merges height
and width into one axis; `"b (h h1) (w w1) c -> b h w (c h1 w1)", h1=2, w1=2` splits them. The steps:
split the input's merged axes into their parts (a reshape), put the parts in the output's order (a
transpose), merge the output's groups (a reshape).
"""

import math
import re

import jax.numpy as jnp

_GROUP_OR_AXIS = re.compile(r"\(([^)]*)\)|(\w+)")


def _groups(side):
    """`"b (h w) c"` -> `[["b"], ["h", "w"], ["c"]]`: the axes of one side, merged ones grouped."""
    return [group.split() if group else [axis] for group, axis in _GROUP_OR_AXIS.findall(side)]


def rearrange(tensor, pattern, **axes_lengths):
    """`tensor` with its axes rearranged by `pattern` ("input axes -> output axes"); `axes_lengths`
    gives the sizes of split axes that cannot be inferred (one unknown part per group is inferred)."""
    tensor = jnp.asarray(tensor)
    inputs, outputs = (_groups(side) for side in re.split(r"\s*->\s*", pattern))
    sizes = dict(axes_lengths)
    for group, size in zip(inputs, tensor.shape):
        unknown = [axis for axis in group if axis not in sizes or len(group) == 1]
        if unknown:
            sizes[unknown[0]] = size // math.prod(sizes[axis] for axis in group if axis not in unknown)
    parts = [axis for group in inputs for axis in group]
    tensor = tensor.reshape([sizes[axis] for axis in parts])
    tensor = tensor.transpose([parts.index(axis) for group in outputs for axis in group])
    return tensor.reshape([math.prod(sizes[axis] for axis in group) for group in outputs])


# Keras records the pattern and the sizes as the node's arguments, not as the op's config.
rearrange.keeps_its_arguments_in_the_node = True
