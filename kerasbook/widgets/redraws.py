"""When a widget redraws after its model changed: at once, or once when a burst of changes is over.

`for i in range(100): model.add(...)` changes the model 100 times. Redrawing a summary (or a graph,
or every activation) after each change costs time and makes the output flicker, and only the last
drawing is worth seeing. So, inside a cell run by IPython (the Jupyter kernel), a change redraws a
widget at once only if the widget has not redrawn in the last `INTERVAL` seconds; otherwise the
widget is marked stale and redraws once when the cell ends (IPython's `post_execute` event), showing
the final state. A single change (freeze a layer, pop one) still shows at once, and a long cell
(add, fit, add, ...) still shows its progress.

Outside a cell (a script, a unit test, a button's callback in Jupyter) nothing would come back later
to draw a stale widget, so every change redraws at once. There are no timers and no threads: a
redraw runs in the thread that changed the model, or in IPython's own thread when the cell ends.
"""

import time

INTERVAL = 0.25  # seconds

_stale = {}  # id(watch) -> watch: changed since it last redrew; redrawn when the cell ends
_shell = None  # the IPython shell whose cell-end event we follow


def follow_cells():
    """Listen to the end of cells in the running IPython, if any (once per shell)."""
    global _shell
    shell = _ipython()
    if shell is None or shell is _shell:
        return
    shell.events.register("post_execute", redraw_stale)
    _shell = shell


def request(watch):
    """`watch`'s model changed: call `watch.redraw()` now, or later if it redrew a moment ago."""
    if time.monotonic() - watch.drawn_at < INTERVAL and _cell_running():
        _stale[id(watch)] = watch
    else:
        _stale.pop(id(watch), None)
        watch.redraw()


def is_stale(watch):
    """True if `watch` changed and waits for the end of the cell to redraw."""
    return id(watch) in _stale


def discard(watch):
    """Forget a stale watch (its widget was closed)."""
    _stale.pop(id(watch), None)


def redraw_stale():
    """Redraw every stale widget now; one that fails does not keep the others stale."""
    errors = []
    while _stale:
        _, watch = _stale.popitem()
        try:
            watch.redraw()
        except Exception as error:
            errors.append(error)
    if errors:
        raise errors[0]


def _cell_running():
    """True while the followed IPython runs a cell's code, so that its `post_execute` will come.

    IPython hands the displayhook the running cell's result and takes it back when the code ends;
    a shell that merely exists (made by a test, or idle between cells) has none.
    """
    shell = _ipython()
    return shell is not None and shell is _shell and getattr(shell.displayhook, "exec_result", None) is not None


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
