"""The progress line of `fit(verbose=1)`, as Keras 3 draws it:

    938/938 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - loss: 0.0942

It is redrawn in place with a carriage return, at most ten times a second (reading the loss waits for
the device, so it is not done at every step), which works in a terminal and in JupyterLab alike.
"""

import sys
import time

_BAR_WIDTH = 20


def _format_time(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def _format_logs(logs):
    return "".join(f" - {key}: {float(value):.4f}" for key, value in logs.items())


class Progbar:
    def __init__(self, target, verbose=1, interval=0.1, stream=None):
        self.target, self.verbose, self.interval = target, verbose, interval
        self.stream = stream or sys.stdout
        self.start = self.last_draw = time.perf_counter()
        self.current = 0

    def _line(self, current, logs, now):
        elapsed = now - self.start
        width = len(str(self.target))
        filled = int(_BAR_WIDTH * current / self.target) if self.target else _BAR_WIDTH
        bar = "━" * filled + " " * (_BAR_WIDTH - filled) if filled < _BAR_WIDTH else "━" * _BAR_WIDTH
        per_step = elapsed / max(current, 1)
        timing = (f"{_format_time(elapsed)} {_format_time(per_step)}/step" if current >= self.target
                  else f"{_format_time(per_step * (self.target - current))}")
        return f"{current:>{width}}/{self.target} {bar} {timing}{_format_logs(logs or {})}"

    def update(self, current, logs=None):
        self.current = current
        now = time.perf_counter()
        if self.verbose == 1 and now - self.last_draw >= self.interval:
            self.last_draw = now
            self.stream.write("\r" + self._line(current, logs, now))
            self.stream.flush()

    def finish(self, logs):
        now = time.perf_counter()
        if self.verbose == 1:
            self.stream.write("\r" + self._line(self.target, logs, now) + "\n")
        elif self.verbose == 2:
            elapsed = now - self.start
            self.stream.write(f"{self.target}/{self.target} - {_format_time(elapsed)} - "
                              f"{_format_time(elapsed / max(self.target, 1))}/step{_format_logs(logs)}\n")
        self.stream.flush()
