"""The progress line of `fit(verbose=1)`, drawn as Keras 3 draws it:

    938/938 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - loss: 0.0942

(the done part of the bar green, the rest grey, with ANSI colours that terminals and JupyterLab both
show). It is redrawn in place with a carriage return, at most every `interval` seconds: reading the loss
waits for the device, so it is not done at every step. Each epoch ends with a newline, so a notebook
cell keeps one finished line per epoch. `verbose=2` prints only that final line, without the bar.
"""

import sys
import time

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def format_duration(seconds):
    """'3s', '25ms', '80us': the unit that keeps the number readable."""
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def format_logs(logs):
    """' - loss: 0.1234 - acc: 0.9000' (tiny values in scientific notation, as Keras)."""
    parts = []
    for key, value in (logs or {}).items():
        value = float(value)
        parts.append(f" - {key}: {value:.4f}" if abs(value) > 1e-3 else f" - {key}: {value:.4e}")
    return "".join(parts)


def _default_stream():
    """Standard output; the "kerasbook" logger once interactive logging is off (logging_switch.py)."""
    from kerasbook.core import logging_switch
    return sys.stdout if logging_switch.is_interactive_logging_enabled() else logging_switch.LoggingStream()


class Progbar:
    """One epoch's progress: `update(step, logs)` after each batch, `finish(logs)` at the end."""

    def __init__(self, target, verbose=1, interval=0.1, width=20, stream=None, unit_name="step"):
        self.target, self.verbose, self.interval, self.width = target, verbose, interval, width
        self.unit_name = unit_name  # what one update counts ("step"; "sample", "byte", ...)
        self.stream = stream or _default_stream()
        self.start = time.perf_counter()
        self.first_step_done = None  # the first step includes compilation: timed apart
        self.last_draw = 0.0
        self.current = 0
        self._previous_width = 0

    def _time_per_step(self, current, now):
        if self.first_step_done is not None and current > 1:
            return (now - self.first_step_done) / (current - 1)
        return (now - self.start) / max(current, 1)

    def _line(self, current, logs, now, final):
        per_step = self._time_per_step(current, now)
        if self.target:
            count = f"{current:>{len(str(self.target))}}/{self.target}"
            done = int(self.width * min(current, self.target) / self.target)
            bar = (f"{_BOLD}{count}{_RESET} " + (f"{_GREEN}{'━' * done}{_RESET}" if done else "")
                   + f"{_GREY}{'━' * (self.width - done)}{_RESET}")
            visible = len(count) + 1 + self.width
        else:
            bar = f"{current:7d}/Unknown"
            visible = len(bar)
        if final or not self.target:  # elapsed seconds; while running, the time left
            clock = f"{now - self.start:.0f}s"
        else:
            clock = format_duration(per_step * (self.target - current))
        info = f" {_BOLD}{clock}{_RESET} {format_duration(per_step)}/{self.unit_name}{format_logs(logs)}"
        visible += len(info) - len(_BOLD) - len(_RESET)
        padding = " " * max(self._previous_width - visible, 0)  # erase a longer previous line
        self._previous_width = visible
        return bar + info + padding

    def update(self, current, logs=None):
        """Redraw (throttled) after step `current` (1-based)."""
        now = time.perf_counter()
        if self.first_step_done is None:
            self.first_step_done = now
        self.current = current
        if self.verbose == 1 and now - self.last_draw >= self.interval:
            self.last_draw = now
            self.stream.write("\r" + self._line(current, logs, now, final=False))
            self.stream.flush()

    def finish(self, logs=None):
        """The epoch's final line (both verbose=1 and verbose=2), ending with a newline."""
        now = time.perf_counter()
        current = self.target or self.current
        if self.verbose == 1:
            self.stream.write("\r" + self._line(current, logs, now, final=True) + "\n")
        elif self.verbose == 2:
            count = f"{current:>{len(str(current))}}/{self.target}" if self.target else f"{current}"
            self.stream.write(f"{count} - {now - self.start:.0f}s - "
                              f"{format_duration(self._time_per_step(current, now))}/{self.unit_name}"
                              f"{format_logs(logs)}\n")
        self.stream.flush()
