"""Nested structures of tensors: lists, tuples and dicts of leaves (dict keys in sorted order, as Keras).

A tiny stand-in for `jax.tree_util` that treats `Variable`s, symbolic tensors and `None` as leaves.
"""


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def flatten(structure):
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):  # namedtuple
        return type(structure)(*(map_structure(fn, item) for item in structure))
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    return fn(structure)


def pack_sequence_as(structure, flat):
    """Rebuild `structure` with the leaves of `flat`, in `flatten`'s order."""
    leaves = iter(flat)

    def rebuild(s):
        if isinstance(s, dict):
            built = {key: rebuild(s[key]) for key in sorted(s)}
            return {key: built[key] for key in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):  # a namedtuple takes its fields one by one
            return type(s)(*(rebuild(item) for item in s))
        if isinstance(s, (list, tuple)):
            return type(s)(rebuild(item) for item in s)
        return next(leaves)

    return rebuild(structure)
