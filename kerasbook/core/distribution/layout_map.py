"""`LayoutMap`: which layout each variable gets, by regular expressions on variable paths.

A variable's path says where it lives in the model, as Keras writes it: `dense/kernel` for a Dense
layer of a functional model, `sequential/dense/kernel` inside a Sequential model,
`my_model/block/dense_2/kernel` for a layer inside a layer of a subclassed model (print
`[v.path for v in model.variables]` to see them). A key is a regular expression that must match a
whole path (`re.fullmatch`): `".*dense.*kernel"` matches every Dense kernel. A path matched by
no key is replicated (a whole copy on every device); a path matched by two keys is an error, since
the map could not say which layout was meant. A key ending in `"/output"` (`"dense_1/output"`)
lays out what that layer returns, inside the compiled step.
"""

import collections.abc
import re

from kerasbook.core.distribution.layout import TensorLayout


class LayoutMap(collections.abc.MutableMapping):
    """A dict from path patterns (regular expressions) to `TensorLayout`s.

    `layout_map[".*dense.*kernel"] = (None, "model")` stores `TensorLayout((None, "model"),
    device_mesh)`; `layout_map["sequential/dense/kernel"]` then finds it: an exact key first, else
    the one key whose pattern matches the whole path, else None.

    Args:
        device_mesh: the `DeviceMesh` every layout in the map refers to.
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        if key in self._layout_map:
            return self._layout_map[key]
        matching_keys = self.matching_keys(key)
        if len(matching_keys) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple layout specification keys: {matching_keys}. Please make "
                "sure each tensor/variable path only matches at most one layout specification key in "
                "the LayoutMap.")
        return self._layout_map[matching_keys[0]] if matching_keys else None

    def matching_keys(self, path):
        """The keys whose pattern matches the whole of `path`, in the order they were added."""
        if path in self._layout_map:
            return [path]
        return [pattern for pattern in self._layout_map if re.fullmatch(pattern, path)]

    def matches(self, paths):
        """{key: [the paths it matches]} for every key, in order: which variables each key lays out
        (an empty list: a key that lays out none of them, often a typo or a renamed layer)."""
        found = {key: [] for key in self._layout_map}
        for path in paths:
            for key in self.matching_keys(path):
                found[key].append(path)
        return found

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(f"{key} already exist in the LayoutMap with value {self._layout_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"{layout} should be a TensorLayout type, got {type(layout)}")
        _check_pattern(key)
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        return self._device_mesh

    def __repr__(self):
        entries = ", ".join(f"{key!r}: {layout.axes}" for key, layout in self._layout_map.items())
        return f"<LayoutMap {{{entries}}} on {self._device_mesh}>"


LayoutMap.get.__doc__ = LayoutMap.__getitem__.__doc__


def _check_pattern(key):
    """A key that is not a regular expression fails now, naming it, not at the first lookup."""
    if not isinstance(key, str):
        raise ValueError(f"LayoutMap keys are strings (regular expressions on variable paths), not {key!r}.")
    try:
        re.compile(key)
    except re.error as error:
        raise ValueError(f"LayoutMap key {key!r} is not a regular expression: {error}.") from None
