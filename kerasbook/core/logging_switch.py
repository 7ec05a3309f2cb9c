"""Interactive logging (`keras.config.enable_interactive_logging` and its pair): where progress goes.

On (the default), `fit`'s progress bar is drawn on standard output and redrawn in place. Off, as for a
job whose output lands in a log file, each finished line (one per epoch) is sent instead to Python's
`logging` as INFO, on the "kerasbook" logger (Keras sends it to absl's logger), and the in-place
redraws are dropped.
"""

import logging

_enabled = [True]


def enable_interactive_logging():
    _enabled[0] = True


def disable_interactive_logging():
    _enabled[0] = False


def is_interactive_logging_enabled():
    return _enabled[0]


class LoggingStream:
    """A text stream that sends each finished line to the "kerasbook" logger, dropping what a
    carriage return overwrites: what the progress bar writes, as a log keeps it."""

    def __init__(self, logger=None):
        self.logger = logger or logging.getLogger("kerasbook")
        self.pending = ""

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.logger.info(line.rsplit("\r", 1)[-1])

    def flush(self):
        pass
