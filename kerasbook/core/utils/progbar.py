"""`keras.utils.Progbar`: the progress line of `fit`, for a loop of your own.

    bar = keras.utils.Progbar(target=100)
    for step in range(100):
        loss = ...
        bar.update(step + 1, values=[("loss", loss)])

It draws what `fit(verbose=1)` draws (training/progbar.py). Keras's arguments and rules: the values
shown are averages over the steps so far (each weighted by how many steps it covers), except the
names in `stateful_metrics`, shown as given (or, with `stateless_metrics`, only those names are
averaged); `finalize` (by default when `current` reaches `target`) draws the final line.
"""

from kerasbook.core.training import progbar as drawing


class Progbar(drawing.Progbar):
    """A progress bar towards `target` steps (None when unknown)."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                             "`stateful_metrics` is used to make metrics stateless by default (with an "
                             "exclusion list), while `stateless_metrics` is used to make metrics stateful by "
                             "default (with an exclusion list).")
        super().__init__(target, verbose=verbose, interval=interval, width=width, unit_name=unit_name)
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._totals = {}  # name -> [weighted sum, weight]: its mean is shown
        self._seen_so_far = 0
        self.last_draw = -float("inf")  # the first update draws at once

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Step `current` is done; `values` a list of `(name, value for this step)`."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total = self._totals.setdefault(name, [0.0, 0])
                total[0] += float(value) * steps
                total[1] += steps
            else:
                self._totals[name] = [float(value), 1]
        self._seen_so_far = current
        logs = {name: total / max(count, 1) for name, (total, count) in self._totals.items()}
        if finalize:
            self.current = current
            self.finish(logs)
        else:
            super().update(current, logs)

    def add(self, n, values=None):
        """`n` more steps done."""
        self.update(self._seen_so_far + n, values)
