"""`TrainingMonitor()`: live curves of the loss and every compiled metric while `fit` runs.

It is a `fit` callback (`callbacks=[monitor]`) that shows itself when training starts in a notebook
(or display it first). Its display, `TrainingView`, is a kerasbook widget whose front-end
(`static/training_monitor.js`) draws the curves as SVG: sharp at any width, as wide as the output
area, of bounded height. The kernel sends only numbers (lists of `[epoch, value]` pairs).

What it costs `fit`: the batch logs hold JAX arrays still on the device, and reading one waits for
that step. So the monitor reads them only at throttled moments (at most every `interval` seconds,
0.15 s), sends one message then, and lets the device run ahead in between.
"""

import html
import math
import time
import weakref

import traitlets

from kerasbook.core.training.callbacks import Callback
from kerasbook.widgets import kernel_events
from kerasbook.widgets.base import STATIC, Widget, png_img, static_text

# Points during an epoch are kept to this many per quantity: past it, neighbours are averaged in
# pairs, so the message sent stays small however long training runs.
MAX_BATCH_POINTS = 600


class TrainingView(Widget):
    """What the front-end draws. Series are lists of `[x, value]`, x counted in epochs since the
    monitor's first fit (a point at x = 2 is the end of the second epoch); `None` for a value that
    is not a finite number."""

    _esm = STATIC / "training_monitor.js"
    _css = static_text("theme.css", "training_monitor.css")

    status = traitlets.Dict(help="phase ('waiting', 'compiling', 'training', 'stopping', 'stopped', "
                                 "'done'), epoch, epochs, step, steps, elapsed, eta, rate").tag(sync=True)
    quantities = traitlets.List(traitlets.Unicode(), help="one panel each: loss, accuracy, ...").tag(sync=True)
    epoch_series = traitlets.Dict(help="'loss', 'val_loss', ...: one point per epoch").tag(sync=True)
    batch_series = traitlets.Dict(help="'loss', ...: points during epochs (the mean of the batches "
                                       "since the previous point, at their middle)").tag(sync=True)
    fit_starts = traitlets.List(help="x where each fit began").tag(sync=True)
    log_scale = traitlets.Bool(False, help="value axes on a log scale").tag(sync=True)

    def __init__(self, on_stop=None, **kwargs):
        super().__init__(status={"phase": "waiting"}, **kwargs)
        self._on_stop = weakref.WeakMethod(on_stop) if on_stop is not None else None
        self.caption = "TrainingMonitor: waiting for fit"

    def on_front_end_message(self, content, buffers):
        if isinstance(content, dict) and content.get("kind") == "stop" and self._on_stop is not None:
            on_stop = self._on_stop()
            if on_stop is not None:
                on_stop()

    def fallback_text(self):
        return self.caption

    def fallback_html(self):
        """The curves as they are now, as a picture (1.5x for sharp screens, shown at its own size).
        Before any value there is nothing to draw (and matplotlib would cost `fit` half a second)."""
        caption = f"<p>{html.escape(self.caption)}</p>"
        if not (self.epoch_series or self.batch_series):
            return f'<div class="kerasbook">{caption}<p><i>No values yet.</i></p></div>'
        from kerasbook.viz.training_curves import curves_png
        png, width = curves_png(self.quantities, self.epoch_series, self.batch_series, self.fit_starts,
                                self.log_scale)
        return f'<div class="kerasbook">{caption}{png_img(png, "training curves", width=width)}</div>'


class TrainingMonitor(Callback):
    """Live curves of the loss and every compiled metric while `fit` runs, with a Stop button.

        monitor = keras.widgets.TrainingMonitor()
        model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[monitor])
        model.fit(x, y, epochs=3, callbacks=[monitor])   # the curves go on; a line marks the new fit

    One panel per quantity (the loss, then each metric): the training value of every epoch and the
    validation value beside it, with points during the epoch for the loss and for the metrics that
    are means over samples (faint, with a smoothed line over them). Above the panels: epoch i/n,
    step j/m, elapsed time, time left and steps per second, and "compiling..." until the first step
    ends. Stop ends `fit` after the current batch: the model keeps what it learned and the history
    holds the epochs trained (the last one partly).

    With a TrainingMonitor in a notebook, `fit(verbose="auto")` prints no progress bar of its own
    (the monitor shows progress); pass `verbose=1` or `2` to have both.

    metrics: the names to plot (default: all); `display_on_train_begin`: show the monitor when `fit`
    starts, if it has not been shown yet (only inside a notebook).
    """

    interval = 0.15  # seconds between two updates during an epoch

    def __init__(self, metrics=None, display_on_train_begin=True):
        super().__init__()
        self.metrics = metrics
        self.history = {}  # name -> one value per epoch trained, over every fit
        self.widget = TrainingView(on_stop=self.stop)
        self._display_on_train_begin = display_on_train_begin
        self._displayed = False
        self._model_ref = None
        self._x = 0.0  # where the last epoch ended, in epochs since the first fit
        self._fits = []  # (initial epoch, epochs) of each fit

    # The model is held weakly: a monitor kept in a notebook variable does not keep the model alive.
    @property
    def model(self):
        return self._model_ref() if self._model_ref is not None else None

    @model.setter
    def model(self, model):
        self._model_ref = weakref.ref(model) if model is not None else None

    @property
    def shows_progress(self):
        """Whether this monitor shows fit's progress itself (then `verbose="auto"` prints nothing)."""
        return (self._displayed or self._display_on_train_begin) and _in_notebook()

    def stop(self):
        """What the Stop button does: `fit` ends after the batch it is running."""
        model = self.model
        if model is not None and self.widget.status.get("phase") in ("compiling", "training"):
            model.stop_training = True
            self._send_status("stopping")

    # -- fit's hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._epochs, self._steps = self.params.get("epochs") or 1, self.params.get("steps") or 0
        self._started = time.monotonic()
        self._first_step_done = None
        self._steps_done = 0
        self._last_sent = float("-inf")
        self._fits.append(None)  # filled in by the first epoch (fit's initial_epoch)
        self._mean_names = _mean_log_names(self.model)
        view = self.widget
        with view.hold_sync():
            view.quantities = self._quantities(_log_names(self.model))
            view.fit_starts = view.fit_starts + [self._x]
            self._send_status("compiling", epoch=0, step=0)
        if self._display_on_train_begin and not self._displayed and _in_notebook():
            _display(self)

    def on_epoch_begin(self, epoch, logs=None):
        if self._fits[-1] is None:
            self._fits[-1] = (epoch, self._epochs)
        self._epoch = epoch
        self._epoch_x = self._x
        self._batch = 0
        self._means = _IntervalMeans()

    def on_train_batch_end(self, batch, logs=None):
        self._steps_done += 1
        self._batch = batch + 1
        now = time.monotonic()
        if self._first_step_done is None:
            self._first_step_done = now
        elif now - self._last_sent < self.interval:
            return
        self._last_sent = now
        self._add_batch_points(batch + 1, logs or {})
        kernel_events.process_widget_messages()  # a click on Stop, waiting behind this cell

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: v for k, v in (logs or {}).items() if self._wanted(k)}
        view = self.widget
        with view.hold_sync():
            if self._batch > self._means.batches:  # the batches since the last point
                self._add_batch_points(self._batch, {k: v for k, v in logs.items()
                                                     if not k.startswith("val_")})
            self._x = self._epoch_x + (self._batch / self._steps if self._steps else 1.0)
            series = {k: list(v) for k, v in view.epoch_series.items()}
            for key, value in logs.items():
                self.history.setdefault(key, []).append(_number(value))
                series.setdefault(key, []).append([self._x, _number(value)])
            view.epoch_series = series
            view.quantities = self._quantities(logs)
            self._send_status(view.status.get("phase"), step=self._batch)
        kernel_events.process_widget_messages()

    def on_train_end(self, logs=None):
        model = self.model
        self._send_status("stopped" if model is not None and model.stop_training else "done")

    # -- what is sent --------------------------------------------------------------------------
    def _add_batch_points(self, batches, logs):
        """Read the logs (this waits for the device) and add one point per mean quantity: the mean
        over the batches since the previous point, drawn in the middle of those batches."""
        previous = self._means.batches
        means = self._means.update(batches, {k: _number(logs[k]) for k in self._mean_names
                                             if k in logs and self._wanted(k)})
        x = self._epoch_x + ((previous + batches) / 2 / self._steps if self._steps else 0.0)
        view = self.widget
        series = {k: list(v) for k, v in view.batch_series.items()}
        for key, value in means.items():
            series[key] = _thin(series.get(key, []) + [[x, value]])
        with view.hold_sync():
            view.batch_series = series
            self._send_status("training", step=batches)

    def _send_status(self, phase, **fields):
        """The header: epoch i/n, step j/m, elapsed, time left and speed."""
        status = dict(self.widget.status, phase=phase, epochs=self._epochs, steps=self._steps, **fields)
        if phase in ("training", "stopping") or "epoch" not in fields:
            status["epoch"] = getattr(self, "_epoch", 0) + 1
        now = time.monotonic()
        status["elapsed"] = now - self._started
        status["rate"] = status["eta"] = None
        if self._first_step_done is not None and self._steps_done > 1 and now > self._first_step_done:
            rate = (self._steps_done - 1) / (now - self._first_step_done)
            left = (self._epochs - status["epoch"]) * self._steps + self._steps - status.get("step", 0)
            status["rate"], status["eta"] = rate, max(left, 0) / rate
        if phase in ("done", "stopped"):
            status["eta"] = 0.0
        first = self._fits[-1][0] if self._fits and self._fits[-1] else 0
        status["x_end"] = self.widget.fit_starts[-1] + self._epochs - first  # this fit's planned end
        self.widget.status = status
        self.widget.caption = self._caption()

    def _wanted(self, key):
        return self.metrics is None or key in self.metrics or key.removeprefix("val_") in self.metrics

    def _quantities(self, names):
        """The panels: the loss first, then each metric in the logs' order (validation ones share
        the panel of their training quantity)."""
        found = list(self.widget.quantities)
        for name in names:
            name = name.removeprefix("val_")
            if self._wanted(name) and name not in found:
                found.append(name)
        return sorted(found, key=lambda name: name != "loss")

    def _caption(self):
        """The text/plain of the display: no numbers that vary between runs (nbval compares it)."""
        model = self.model
        name = f' of model "{model.name}"' if model is not None else ""
        first, epochs = self._fits[-1] or (0, self._epochs)
        fits = f"{len(self._fits)} fits, the last " if len(self._fits) > 1 else ""
        return (f"TrainingMonitor{name}: {fits}fit(epochs={epochs}"
                + (f", initial_epoch={first}" if first else "")
                + f"), tracking {', '.join(self.widget.quantities)}")

    # -- showing it ----------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        self._displayed = True
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self):
        self.widget.close()

    def __repr__(self):
        epochs = len(next(iter(self.history.values()), []))
        return f"<TrainingMonitor: {epochs} epochs, tracking {sorted(self.history) or 'nothing yet'}>"


class _IntervalMeans:
    """The mean of a quantity over the batches since the previous reading, from the running means
    fit's logs give (the mean since the epoch began): with m_k the running mean after k batches,
    the batches a+1..b have the mean (b*m_b - a*m_a) / (b - a) (batches of equal size; the epoch's
    smaller last batch counts as a whole one here, the epoch's own point is exact)."""

    def __init__(self):
        self.batches, self._means = 0, {}

    def update(self, batches, running_means):
        previous, self.batches = self.batches, batches
        result = {}
        for key, mean in running_means.items():
            before = self._means.get(key, 0.0)
            self._means[key] = mean
            if mean is not None and before is not None and batches > previous:
                result[key] = (batches * mean - previous * before) / (batches - previous)
        return result


def _thin(points):
    """At most MAX_BATCH_POINTS points: past that, neighbours are averaged in pairs."""
    if len(points) <= MAX_BATCH_POINTS:
        return points
    pairs = zip(points[0::2], points[1::2])
    thinned = [[b[0], (a[1] + b[1]) / 2 if None not in (a[1], b[1]) else None] for a, b in pairs]
    return thinned + ([points[-1]] if len(points) % 2 else [])


def _number(value):
    """A finite float, or None (JSON has no NaN; the front-end leaves a gap)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _log_names(model):
    """The names fit will log, in Keras's order (loss, each output's loss, the metrics)."""
    compiled = getattr(model, "_compile_metrics", None)
    return compiled.log_names() if compiled is not None else ["loss"]


def _mean_log_names(model):
    """The logged quantities that are means over samples (the loss, accuracy, mae, ...): for those,
    the mean over some batches can be worked out from two running means. Not for RMSE, precision
    and the like, whose epoch value is no mean of batch values."""
    from kerasbook.core.training.metrics import Mean
    compiled = getattr(model, "_compile_metrics", None)
    if compiled is None:
        return ["loss"]
    names = ["loss"] + [tracker.name for tracker in compiled.output_loss_trackers.values()]
    return names + [metric.name for _, _, metric in compiled.metrics or []
                    if isinstance(metric, Mean) and type(metric).result is Mean.result]


def _in_notebook():
    """Whether this runs in a Jupyter kernel (a notebook), where a widget can be shown."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def _display(monitor):
    from IPython.display import display
    display(monitor)
