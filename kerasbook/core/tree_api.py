"""`keras.tree`: functions over nested structures (lists, tuples, namedtuples, dicts) of leaves.

Built on optree (the library Keras 3 uses on JAX) with Keras's conventions: `None` is a leaf, not an
empty structure; a dict's leaves come in the order of its sorted keys, and a dict rebuilt keeps its
own key order; namedtuples stay namedtuples. So `flatten({"b": 1, "a": [2, None]})` is `[2, None, 1]`.
The engine's own walks over layer outputs use the smaller kerasbook/core/tree.py.
"""

import optree

NAMESPACE = "kerasbook"  # where kerasbook would register its own node types
_OPTIONS = dict(none_is_leaf=True, namespace=NAMESPACE)


class MAP_TO_NONE:
    """Special value for `traverse`: return it from `func` to put None in that place."""


def _is_leaf(x):
    return optree.tree_is_leaf(x, **_OPTIONS)


def is_nested(structure):
    """Whether `structure` is a list, tuple, namedtuple or dict (rather than a leaf)."""
    return not _is_leaf(structure)


def flatten(structure):
    """The leaves of `structure` in a flat list (dicts by sorted key)."""
    return optree.tree_leaves(structure, **_OPTIONS)


def flatten_with_path(structure):
    """`[(path, leaf)]`: each leaf with the keys and indices that lead to it, e.g. `(("a", 1), leaf)`."""
    paths, leaves, _ = optree.tree_flatten_with_path(structure, **_OPTIONS)
    return list(zip(paths, leaves))


def pack_sequence_as(structure, flat_sequence):
    """A structure like `structure` with the leaves of `flat_sequence`, in `flatten`'s order."""
    spec = optree.tree_structure(structure, **_OPTIONS)
    return optree.tree_unflatten(spec, flat_sequence)


def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied to the leaves of `structures` (all of one structure), in that structure."""
    if not structures:
        raise ValueError("Must provide at least one structure")

    def checked(*leaves):
        if not all(optree.tree_is_leaf(x, none_is_leaf=none_is_leaf, namespace=NAMESPACE) for x in leaves):
            raise ValueError("Structures don't have the same nested structure.")
        return func(*leaves)

    return optree.tree_map(checked if len(structures) > 1 else func, *structures,
                           none_is_leaf=none_is_leaf, namespace=NAMESPACE)


def map_structure_up_to(shallow_structure, func, *structures):
    """`func` applied to the sub-structures of `structures` found where `shallow_structure` has leaves."""
    if not structures:
        raise ValueError("Must provide at least one structure")

    def at_shallow_leaf(shallow, *parts):
        if not optree.tree_is_leaf(shallow):
            raise ValueError("Structures don't have the same nested structure.")
        return func(*parts)

    return optree.tree_map(at_shallow_leaf, shallow_structure, *structures, **_OPTIONS)


def assert_same_structure(a, b, check_types=None):
    """Raises ValueError unless `a` and `b` nest the same way (leaf values may differ)."""
    if check_types is not None:
        import warnings
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect.")

    def both_leaves(x, y):
        if not (_is_leaf(x) and _is_leaf(y)):
            raise ValueError("Structures don't have the same nested structure.")

    try:
        optree.tree_map(both_leaves, a, b, **_OPTIONS)
    except ValueError as error:
        raise ValueError(f"`a` and `b` don't have the same structure: {error}") from None


def assert_same_paths(a, b):
    """Raises ValueError unless `a` and `b` have leaves at the same paths (their types may differ)."""
    a_paths = set(optree.tree_paths(a, **_OPTIONS))
    b_paths = set(optree.tree_paths(b, **_OPTIONS))
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def traverse(func, structure, top_down=True):
    """`func` applied to every sub-structure, leaves included. Top-down, a result other than None
    replaces that sub-structure (whose inside is not visited); None goes on inside. Bottom-up, `func`
    sees each sub-structure after its inside; None keeps it. `MAP_TO_NONE` puts None in its place."""

    def children_traversed(node):
        children, spec = optree.tree_flatten(node, is_leaf=lambda x: x is not node, **_OPTIONS)
        if spec.num_nodes == 1 and spec.num_leaves == 1:  # a leaf: nothing inside
            return node
        return optree.tree_unflatten(spec, [traverse(func, child, top_down) for child in children])

    if top_down:
        result = func(structure)
        if result is None:
            return children_traversed(structure)
    else:
        structure = children_traversed(structure)
        result = func(structure)
        if result is None:
            return structure
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """The same structure with every list made a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def map_shape_structure(func, structure):
    """`func` applied to each shape in `structure`: a list or tuple of ints and Nones counts as one leaf."""

    def is_shape(x):
        return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)

    return optree.tree_map(func, structure, is_leaf=is_shape, **_OPTIONS)
