"""Following a name in the notebook: after each cell, which model does `cnn` hold now?

A student runs `cnn = build()` again and gets a new model under the old name. A widget made for the
old model would go on showing it, silently. So a widget can ask to be called after every cell (the
IPython `post_execute` event) and look at the notebook's names again: `%live cnn` then switches to
the new model, and a widget made for one fixed model says when no name reaches that model any more.

The registry holds the widgets' methods weakly: a forgotten widget is not kept alive by it.
"""

import weakref

_after_cell = []  # weak methods to call after each cell
_shell = None  # the IPython shell whose cells we follow


def user_namespace():
    """The running notebook's names (IPython's `user_ns`), or None outside IPython."""
    shell = _ipython()
    return None if shell is None else shell.user_ns


def names_of(value, namespace):
    """The public names in `namespace` that hold exactly `value` (`is`, not `==`), sorted."""
    if namespace is None:
        return []
    return sorted(name for name, held in list(namespace.items())
                  if held is value and not name.startswith("_"))


def after_each_cell(method):
    """Call the bound `method()` after every cell run by the current IPython, while its object lives."""
    global _shell
    shell = _ipython()
    if shell is None:
        return
    if shell is not _shell:
        shell.events.register("post_execute", _cell_ended)
        _shell = shell
    _after_cell.append(weakref.WeakMethod(method))


def _cell_ended():
    alive = [ref for ref in _after_cell if ref() is not None]
    _after_cell[:] = alive
    errors = []
    for ref in alive:
        method = ref()
        if method is None:
            continue
        try:
            method()
        except Exception as error:  # one widget's failure must not hide the others' updates
            errors.append(error)
    if errors:
        raise errors[0]


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
