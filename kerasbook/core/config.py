"""`keras.config`: the global settings, as Keras 3 names them.

Most live in kerasbook/core/backend.py (floatx, epsilon, image_data_format), the dtype policy in
engine/dtype_policy.py. The rest are Keras's switches, each honoured as far as kerasbook can:

- `max_epochs` / `max_steps_per_epoch`: caps on what `fit` runs, whatever it is asked (handy to try
  a whole notebook quickly); `None` means no cap.
- flash attention: kerasbook computes attention with XLA's plain implementation (`jax.nn.
  dot_product_attention`), never with a flash kernel. So `disable_flash_attention()` holds by
  construction and `enable_flash_attention()` says it cannot; `is_flash_attention_enabled()` is None
  (Keras's "automatic") until then.
- traceback filtering: kerasbook never hides frames of its own from a traceback, so filtering is off
  and stays off (`enable_traceback_filtering()` says so).
- interactive logging: progress bars on standard output, or lines on the "kerasbook" logger
  (kerasbook/core/logging_switch.py).
- kerasbook's own: `set_compilation_cache` / `compilation_cache_dir` (compiled programs kept on disk,
  kerasbook/core/compile_cache.py).
- the backend is JAX; `set_backend("jax")` is accepted, any other backend refused. Flax NNX is not used.
"""

from kerasbook.core.backend import (backend, compilation_cache_dir, enable_unsafe_deserialization, epsilon,
                                    floatx, image_data_format, set_compilation_cache, set_epsilon, set_floatx,
                                    set_image_data_format)
from kerasbook.core.engine.dtype_policy import dtype_policy, set_dtype_policy
from kerasbook.core.logging_switch import (disable_interactive_logging, enable_interactive_logging,
                                           is_interactive_logging_enabled)

_settings = {"max_epochs": None, "max_steps_per_epoch": None, "flash_attention": None}


def max_epochs():
    """The most epochs `fit` runs (None: as many as asked)."""
    return _settings["max_epochs"]


def set_max_epochs(max_epochs):
    _settings["max_epochs"] = max_epochs


def max_steps_per_epoch():
    """The most steps `fit` takes in an epoch (None: as many as the data gives)."""
    return _settings["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    _settings["max_steps_per_epoch"] = max_steps_per_epoch


def is_flash_attention_enabled():
    """None (automatic, as Keras's default: on kerasbook that is never) or False once disabled."""
    return _settings["flash_attention"]


def disable_flash_attention():
    _settings["flash_attention"] = False


def enable_flash_attention():
    raise NotImplementedError("kerasbook computes attention with XLA's plain dot-product attention and has "
                              "no flash attention kernel; leave flash attention off (the results are the same).")


def is_traceback_filtering_enabled():
    """Always False: kerasbook shows every frame of a traceback."""
    return False


def disable_traceback_filtering():
    """Nothing to do: kerasbook never filters tracebacks."""


def enable_traceback_filtering():
    raise NotImplementedError("kerasbook does not filter tracebacks: every frame is shown, its own included.")


def is_nnx_enabled():
    """False: kerasbook's layers are its own classes, not Flax NNX modules."""
    return False


def set_backend(backend):
    """Accepts "jax", the one backend kerasbook has; refuses the others."""
    if backend != "jax":
        raise ValueError(f"kerasbook runs on JAX only. Received: backend={backend!r}. Use the keras package "
                         "for the TensorFlow, PyTorch or NumPy backends.")


def capped(epochs, steps_per_epoch):
    """`fit`'s epochs and steps per epoch under the caps above, with Keras's warnings when they bite."""
    import warnings
    if max_epochs() and max_epochs() < epochs:
        warnings.warn(f"Limiting epochs to {max_epochs()}")
        epochs = max_epochs()
    if max_steps_per_epoch() and (not steps_per_epoch or max_steps_per_epoch() < steps_per_epoch):
        warnings.warn(f"Limiting steps_per_epoch to {max_steps_per_epoch()}")
        steps_per_epoch = max_steps_per_epoch()
    return epochs, steps_per_epoch
