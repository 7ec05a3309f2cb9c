"""`LiveSummary`: the summary table that redraws itself whenever the model changes.

Add a layer, pop one, freeze one, load weights: the table updates without re-running the cell, and
the rows that changed flash for a moment. As text (`text/plain`, what nbval compares) it is exactly
`model.summary()`'s text, so notebooks stay deterministic; where no widget can run (an untrusted
notebook, GitHub) its display still holds the table as HTML.
"""

import html

import traitlets

from kerasbook.core.models.model import Model
from kerasbook.core.models.summary import summary_text
from kerasbook.viz.summary_html import summary_parts_html, summary_rows
from kerasbook.widgets import following
from kerasbook.widgets.base import STATIC, Widget, static_text
from kerasbook.widgets.observing import ModelWatch, replace_previous


class LiveSummary(Widget):
    """The summary table of a model, kept up to date as the model changes.

    Give it a model to show that model, or the name of a variable to follow whatever model the
    variable holds after each cell (what `%live cnn` does)::

        live = keras.widgets.LiveSummary(cnn)   # this model; says so if `cnn` is rebuilt later
        live                                     # shows the table
        cnn.add(layers.Dense(10))                # the table gains a row, which flashes

        %live cnn                                # follows the name: shows the model built last

    Args:
        model: a Model, or a variable name (str) in the notebook to follow.
        expand_nested, show_trainable: as in `model.summary()`.
        namespace: where to look names up (default: the notebook's variables).
    """

    _esm = STATIC / "live_summary.js"
    _css = static_text("theme.css", "live_summary.css")

    html = traitlets.Unicode("", help="The summary table, as HTML.").tag(sync=True)
    changed = traitlets.List(traitlets.Int(), help="Rows changed by the last redraw.").tag(sync=True)
    note = traitlets.Unicode("", help="What the table is not: e.g. an old model under a reused name.").tag(sync=True)

    def __init__(self, model, expand_nested=False, show_trainable=False, namespace=None, **kwargs):
        super().__init__(**kwargs)
        self._options = {"expand_nested": expand_nested, "show_trainable": show_trainable}
        self._namespace = following.user_namespace() if namespace is None else namespace
        self.renders = 0  # how many times the table was drawn (tests and benchmarks read it)
        self._rows = None  # the rows last drawn, to see which changed
        if isinstance(model, str):
            self.followed_name = model
            model = self._model_named(model)
            self._names = []
        else:
            self.followed_name = None
            self._names = following.names_of(model, self._namespace)  # to notice a rebuilt model
        self._watch = ModelWatch(model, self.refresh)
        following.after_each_cell(self._check_names)
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        """The model shown, or None once it has been deleted."""
        self._check_names()
        return self._watch.model

    @property
    def value(self):
        """The table as HTML, as the model is now."""
        self._sync()
        return self.html

    def text(self):
        """`model.summary()`'s text, as the model is now."""
        self._sync()
        model = self._watch.model
        return self._watch.gone if model is None else summary_text(model, **self._options)

    def refresh(self):
        """Draw the table again from the model as it is now."""
        model = self._watch.model
        if model is None:
            self.html, self.changed = f"<i>{html.escape(self._watch.gone)}</i>", []
            return
        header, rows, totals = summary_rows(model, **self._options)
        cells = [tuple(map(str, row)) for row in rows]
        changed = [] if self._rows is None else [i for i, row in enumerate(cells) if row not in self._rows]
        self._rows = set(cells)
        with self.hold_sync():  # one message: the table and its changed rows together
            self.changed = changed
            self.html = summary_parts_html(model.name, header, rows, totals)
        self.renders += 1

    def _sync(self):
        self._check_names()
        self._watch.sync()

    # -- names ------------------------------------------------------------------------------------

    def _model_named(self, name):
        """The model `name` holds now, or a clear error."""
        if self._namespace is None:
            raise ValueError(f"LiveSummary({name!r}) follows a notebook variable; outside IPython pass "
                             "the model itself, or namespace=.")
        try:
            value = eval(name, self._namespace)  # noqa: S307 -- the student's own expression
        except NameError:
            raise NameError(f"LiveSummary: no model named {name!r} in this notebook.") from None
        if not isinstance(value, Model):
            raise TypeError(f"LiveSummary: {name!r} holds a {type(value).__name__}, not a model.")
        return value

    def _check_names(self):
        """After each cell: follow the name to a new model, or say that the name moved on."""
        if self._watch.closed:
            return
        if self.followed_name is not None:
            self._follow()
        elif self._names:
            self.note = self._rebuilt_note()

    def _follow(self):
        try:
            model = self._model_named(self.followed_name)
        except Exception:
            self.note = (f"{self.followed_name} holds no model now; showing the model it held last "
                         f'("{self._watch.name}").')
            return
        self.note = ""
        if model is not self._watch.model:
            self._watch.close()
            self._watch = ModelWatch(model, self.refresh)
            self._rows = None  # a new model: nothing to compare with
            self._watch.changed()

    def _rebuilt_note(self):
        model = self._watch.model
        if model is None or any(self._namespace.get(name) is model for name in self._names):
            return ""
        name = self._names[0]
        now = self._namespace.get(name)
        held = f'now holds another model ("{now.name}")' if isinstance(now, Model) else "no longer holds it"
        return (f'This summary shows the model "{self._watch.name}" it was made for, but {name} {held}. '
                f"Make the summary again, or use %live {name} to follow the name.")

    # -- display ----------------------------------------------------------------------------------

    def fallback_text(self):
        return self.text()

    def fallback_html(self):
        table = self.value
        note = f'<p class="kerasbook-note"><b>Note:</b> {html.escape(self.note)}</p>' if self.note else ""
        return f'<div class="kerasbook">{note}{table}</div>'

    def close(self):
        if getattr(self, "_watch", None) is not None:
            self._watch.close()
        super().close()

    def __repr__(self):
        following_name = f", following {self.followed_name}" if self.followed_name else ""
        return f'<LiveSummary of model "{self._watch.name}"{following_name}>'
