"""Saying once, during `fit`, that the loss is no longer a number, and why that usually happens.

A loss of nan or inf never comes back: every weight it touches becomes nan too, and the rest of
training is wasted. The check reads the epoch's logs, which `fit` brings to the host at each epoch's
end anyway, so it costs nothing per batch. `keras.callbacks.TerminateOnNaN` stops at the first such
batch instead.
"""

import math
import warnings


def warn_if_not_finite(logs, epoch, already_warned):
    """Warn (once a fit: pass back what this returns) when a logged loss is nan or inf."""
    if already_warned:
        return True
    bad = {name: value for name, value in logs.items() if name.endswith("loss")
           and isinstance(value, (int, float)) and not math.isfinite(value)}
    if not bad:
        return False
    warnings.warn(
        f"The loss became {', '.join(f'{k}={v}' for k, v in sorted(bad.items()))} in epoch {epoch + 1}, and "
        "training cannot recover from it: the weights it reaches turn nan too. The usual causes: a learning "
        "rate too large (try 10 times smaller), inputs on a large scale (scale them to about [0, 1] or to "
        "mean 0 and variance 1), a log or division of 0 in a custom loss. Pass "
        "callbacks=[keras.callbacks.TerminateOnNaN()] to stop at the first such batch.",
        RuntimeWarning, stacklevel=3)
    return True
