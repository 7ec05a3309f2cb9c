"""`TrainingMonitor()`: live loss and metric curves and a progress bar while `fit` runs.

Pass it to `fit(callbacks=[monitor])`; it shows itself when training starts (or display it first).
The progress bar moves every batch (cheap: it reads no values, so the device is not waited for);
the curves are drawn at the end of each epoch, from the epoch logs.
"""

import html
import weakref

import ipywidgets

from kerasbook.core.training.callbacks import Callback
from kerasbook.viz.activations import figure_png, _figure


class TrainingMonitor(Callback):
    def __init__(self, metrics=None, display_on_train_begin=True):
        super().__init__()
        self.metrics = metrics  # names to plot (default: every number in the epoch logs)
        self.history = {}
        self.progress = ipywidgets.IntProgress(value=0, min=0, max=1, description="epoch 0")
        self.status = ipywidgets.HTML()
        self.curves = ipywidgets.Image(format="png")
        self.widget = ipywidgets.VBox([self.progress, self.status, self.curves])
        self._display_on_train_begin = display_on_train_begin
        self._displayed = False
        self._model_ref = None

    # The model is held weakly: a monitor kept in a notebook variable does not keep the model alive.
    @property
    def model(self):
        return self._model_ref() if self._model_ref is not None else None

    @model.setter
    def model(self, model):
        self._model_ref = weakref.ref(model) if model is not None else None

    def on_train_begin(self, logs=None):
        epochs, steps = self.params.get("epochs") or 1, self.params.get("steps") or 0
        self._steps = steps
        self.progress.max = max(epochs * steps, 1) if steps else epochs
        self.progress.value = 0
        self.progress.bar_style = ""
        if self._display_on_train_begin and not self._displayed:
            _display_in_notebook(self)

    def on_epoch_begin(self, epoch, logs=None):
        self.progress.description = f"epoch {epoch + 1}/{self.params.get('epochs') or '?'}"
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._steps:
            self.progress.value = min(self._epoch * self._steps + batch + 1, self.progress.max)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if self.metrics is None or key in self.metrics or key.removeprefix("val_") in self.metrics:
                try:
                    self.history.setdefault(key, []).append(float(value))
                except (TypeError, ValueError):
                    continue
        if not self._steps:
            self.progress.value = epoch + 1
        self.status.value = "epoch {}: {}".format(epoch + 1, html.escape(", ".join(
            f"{k}={v[-1]:.4g}" for k, v in self.history.items())))
        self.curves.value = self.plot()

    def on_train_end(self, logs=None):
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"

    def plot(self):
        """PNG bytes of the curves: one panel per quantity, training and validation together."""
        names = [k for k in self.history if not k.startswith("val_")]
        names += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in names]
        figure = _figure(3.2 * max(len(names), 1), 2.6)
        axes = figure.subplots(1, max(len(names), 1), squeeze=False)[0]
        for ax, name in zip(axes, names):
            for key, style in ((name, "-o"), ("val_" + name, "--s")):
                if key in self.history:
                    values = self.history[key]
                    ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=key)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.legend(fontsize=8)
        return figure_png(figure, dpi=72)

    def _repr_mimebundle_(self, **kwargs):
        self._displayed = True
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        return bundle

    def close(self):
        self.widget.close()
        for widget in (self.progress, self.status, self.curves):
            widget.close()

    def __repr__(self):
        epochs = len(next(iter(self.history.values()), []))
        return f"<TrainingMonitor: {epochs} epochs, tracking {sorted(self.history) or 'nothing yet'}>"


def _display_in_notebook(monitor):
    """Show the monitor when running inside IPython; do nothing in a plain Python script."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(monitor)
