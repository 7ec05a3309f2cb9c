"""Writing files so that a failure never leaves a half-written file where a good one was."""

import contextlib
import os
import shutil
import uuid


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath`; on success it replaces `filepath` in one rename.

    The file gets the permissions a plain `open(filepath, "w")` would give it: those of the file it
    replaces, or the usual ones for a new file (0o666 less the umask), not the owner-only mode of a
    `tempfile`, so a saved model stays readable by whoever could read the old one."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    partial = os.path.join(folder, f".{os.path.basename(filepath)}.{uuid.uuid4().hex[:8]}.part")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
    try:
        if os.path.isfile(filepath):
            shutil.copymode(filepath, partial)
        yield partial
        os.replace(partial, filepath)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
