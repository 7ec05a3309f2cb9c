"""Writing files so that a failure never leaves a half-written file where a good one was."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath`; on success it replaces `filepath` in one rename."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(filepath)}.", suffix=".part")
    os.close(handle)
    try:
        yield partial
        os.replace(partial, filepath)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
