"""`LiveSummary(model)`: the summary table that redraws itself whenever the model changes.

Add a layer, pop one, freeze one, load weights: the table updates without re-running the cell.
In Jupyter it is an HTML table; as text (`text/plain`, what nbval compares) it is exactly
`model.summary()`'s text, so notebooks stay deterministic.
"""


import ipywidgets

from kerasbook.core.models.summary import summary_text
from kerasbook.viz.summary_html import summary_html
from kerasbook.widgets.observing import ModelWatch, replace_previous


class LiveSummary(ipywidgets.HTML):
    def __init__(self, model, expand_nested=False, show_trainable=False, **kwargs):
        self._watch = ModelWatch(model, self.refresh)
        super().__init__(**kwargs)
        self._options = {"expand_nested": expand_nested, "show_trainable": show_trainable}
        self.renders = 0  # how many times the table was drawn (tests and benchmarks read it)
        replace_previous(self)
        self.refresh()

    @property
    def model(self):
        """The model shown, or None once it has been deleted."""
        return self._watch.model

    def refresh(self):
        """Draw the table again from the model as it is now."""
        model = self._watch.model
        if model is None:
            self.value = f"<i>{self._watch.gone}</i>"
            return
        self.value = summary_html(model, **self._options)
        self.renders += 1

    def text(self):
        model = self._watch.model
        if model is None:
            return self._watch.gone
        return summary_text(model, **self._options)

    def close(self):
        if getattr(self, "_watch", None) is not None:
            self._watch.close()
        super().close()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.text()
        return bundle

    def __repr__(self):
        return f'<LiveSummary of model "{self._watch.name}">'
