"""Watching a model for changes without keeping it (or the widget) alive.

The engine calls every callback in `layer._observers` as `callback(layer, what)` when a layer changes
(`what` is "add", "pop", "build", "trainable", "weights" or "attribute"). A `ModelWatch` puts one small
callback on the model and on each of its sub-layers. The callback holds the watch only through a
weak reference and the watch holds the model only through a weak reference, so:

- deleting the model frees it (the widget does not keep it alive);
- a forgotten widget does not keep reacting: its callback removes itself when the watch is gone;
- `close()` removes the callback from every layer it was put on.

After "add", "pop" or "build" the set of sub-layers may have changed, so the watch subscribes again
(before its next redraw).
When the widget redraws (at once, or once at the end of a burst of changes) is up to `redraws.py`.

A widget displayed nowhere costs nothing. A kerasbook widget (`base.Widget`) counts its open views
(`views`, reported by its front-end). When the model changes while no view is open, the watch does
not redraw: it goes dormant, taking its callback off every layer, so the next change calls nothing.
A dormant watch comes back (subscribes again and redraws) when a view opens, or when Python reads
the widget (`sync()`, which the widgets' public reads and display bundles call). A cell that made
100 summaries and forgot them thus pays once, at the first change after, and never again. Widgets
of other kinds (plain ipywidgets) cannot tell who sees them, and always redraw.
"""

import time
import weakref

from kerasbook.widgets import redraws
from kerasbook.widgets.base import Widget

_STRUCTURE_CHANGES = frozenset({"add", "pop", "build"})


class ModelWatch:
    def __init__(self, model, on_change):
        self._model = weakref.ref(model)
        self.name = model.name  # still known once the model is gone
        owner = getattr(on_change, "__self__", None)
        if owner is not None:  # a widget's method: do not keep the widget alive
            self._on_change = weakref.WeakMethod(on_change)
        else:
            self._on_change = lambda: on_change
        # Only a kerasbook widget knows whether a view shows it; it wakes us when one opens.
        self._widget = weakref.ref(owner) if isinstance(owner, Widget) else None
        if self._widget is not None:
            owner.observe(self._views_changed, names="views")
        self.dormant = False  # unsubscribed because nobody saw a change; sync() wakes it
        self._layers = []  # weak references to the layers holding our callback
        self.drawn_at = float("-inf")  # time.monotonic() when the last redraw it asked for ended
        self._resubscribe = False  # the set of sub-layers may have changed since the last redraw
        self._closed = False
        watch = weakref.ref(self)

        def callback(layer, what):
            alive = watch()
            if alive is None:
                if callback in layer._observers:
                    layer._observers.remove(callback)
                return
            alive._changed(what)

        self._callback = callback
        self.subscribe()
        redraws.follow_cells()

    @property
    def model(self):
        """The model watched, or None once it has been deleted."""
        return self._model()

    @property
    def gone(self):
        """What a widget shows once its model has been deleted."""
        return f'Model "{self.name}" no longer exists.'

    def subscribe(self):
        """Put the callback on the model and every layer inside it (and only those)."""
        self.unsubscribe()
        model = self._model()
        if model is None:
            return
        for layer in model._flatten_layers():
            layer._observers.append(self._callback)
            self._layers.append(weakref.ref(layer))

    def unsubscribe(self):
        for ref in self._layers:
            layer = ref()
            if layer is not None:
                while self._callback in layer._observers:
                    layer._observers.remove(self._callback)
        self._layers = []

    def _changed(self, what):
        # Resubscribing walks every layer, so it waits for the redraw: in a burst of add() calls
        # the widget is stale anyway until then, and the new layers' own changes add nothing.
        self._resubscribe |= what in _STRUCTURE_CHANGES
        if self.dormant:  # a callback list copied before we left it
            return
        if self._unseen():
            self._sleep()
        else:
            redraws.request(self)

    def _unseen(self):
        widget = self._widget() if self._widget is not None else None
        return widget is not None and widget.views == 0

    def _sleep(self):
        """Stop watching until someone looks: the widget is out of date from now on."""
        self.dormant = True
        redraws.discard(self)
        self.unsubscribe()

    def changed(self):
        """What the widget shows changed though no layer said so (it now shows another model):
        redraw now if someone sees the widget, else when someone does."""
        if self._unseen():
            self._sleep()
        else:
            self.redraw()

    def _views_changed(self, change):
        if change["new"] > 0:
            self.sync()

    def redraw(self):
        """Tell the widget to draw the model as it is now."""
        if self._closed:
            return
        if self._resubscribe:
            self._resubscribe = False
            self.subscribe()
        on_change = self._on_change()
        if on_change is None:
            return
        try:
            on_change()
        finally:
            self.drawn_at = time.monotonic()

    def sync(self):
        """Redraw now if a change is still waiting for its redraw, or if the watch went dormant
        (call before reading the widget)."""
        if self.dormant and not self._closed:
            self.dormant = False
            self._resubscribe = True  # layers may have come and gone while nobody watched
            self.redraw()
        elif redraws.is_stale(self):
            redraws.discard(self)
            self.redraw()

    @property
    def closed(self):
        """True once `close()` ran: the watch will not redraw again."""
        return self._closed

    def close(self):
        self._closed = True
        redraws.discard(self)
        self.unsubscribe()
        widget = self._widget() if self._widget is not None else None
        if widget is not None:  # a widget that switches models does not collect dead watches
            widget.unobserve(self._views_changed, names="views")

    def __del__(self):
        try:
            self.unsubscribe()
        except Exception:  # interpreter shutdown
            pass


def observer_count(model):
    """How many callbacks watch the model and its layers (for tests and curious students)."""
    return sum(len(layer._observers) for layer in model._flatten_layers())


# -- re-running a cell ----------------------------------------------------------------------------
# Jupyter forgets a widget's view when its cell runs again, but the kernel keeps the widget object
# (ipywidgets holds every open widget). So a widget remembers the cell that made it, and a new widget
# of the same kind made by the same cell closes the old one: its observers go with it.
_by_cell = {}


def current_cell_id():
    """The id of the notebook cell being run (JupyterLab and Notebook 7 send it), else None."""
    try:
        from IPython import get_ipython
        kernel = getattr(get_ipython(), "kernel", None)
        return kernel.get_parent().get("metadata", {}).get("cellId") if kernel is not None else None
    except Exception:
        return None


def replace_previous(widget):
    """Close the widget of the same kind that this cell made on a previous run, if any."""
    cell = current_cell_id()
    if cell is None:
        return
    key = (type(widget).__name__, cell)
    previous = _by_cell.get(key)
    previous = previous() if previous is not None else None
    if previous is not None and previous is not widget:
        previous.close()
    _by_cell[key] = weakref.ref(widget)
