"""Finding a layer's sub-layers and variables: whatever its attributes hold, also in lists and dicts.

`self.dense = Dense(4)` or `self.blocks = [Block(), Block()]` is all it takes to nest layers. Looking
through the attributes each time a model is called would cost more than the call itself, so results
are cached, and the cache is dropped whenever the structure may have changed: any attribute set on a
layer, a weight added, a tracked list or dict changed (lists and dicts set as attributes are wrapped
so that their changes are seen), a Sequential model's add or pop.
"""

_version = 0


def changed():
    """Something about some layer's structure changed: every cached answer is stale."""
    global _version
    _version += 1


def cached(layer, key, compute):
    cache = layer.__dict__.get("_tracking_cache")
    if cache is None:
        cache = {}
        object.__setattr__(layer, "_tracking_cache", cache)
    entry = cache.get(key)
    if entry is None or entry[0] != _version:
        entry = cache[key] = (_version, compute())
    return entry[1]


def _mutator(name):
    def method(self, *args, **kwargs):
        result = getattr(super(type(self), self), name)(*args, **kwargs)
        changed()
        return result
    method.__name__ = name
    return method


class TrackedList(list):
    """A list whose changes invalidate the cached structure of the layer holding it."""


class TrackedDict(dict):
    """A dict whose changes invalidate the cached structure of the layer holding it."""


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
              "__delitem__", "__iadd__"):
    setattr(TrackedList, _name, _mutator(_name))
for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
    setattr(TrackedDict, _name, _mutator(_name))


def wrap(value):
    if type(value) is list:
        return TrackedList(value)
    if type(value) is dict:
        return TrackedDict(value)
    return value


def find(layer, kind, skip):
    """Objects of `kind` held in `layer`'s attributes (not those named in `skip`), in attribute order."""
    found, seen = [], set()

    def visit(value):
        if isinstance(value, kind):
            if id(value) not in seen:
                seen.add(id(value))
                found.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)

    for attr, value in layer.__dict__.items():
        if attr not in skip:
            visit(value)
    return found
