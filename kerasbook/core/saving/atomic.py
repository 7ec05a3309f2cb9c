"""Writing files so that a failure never leaves a half-written file where a good one was.

A save writes `.<name>.<pid>.<hex>.part` beside the target and renames it into place once complete.
Any exception removes it; a process killed outright (kill -9, a crash, a full machine) cannot, so
the next save of the same target removes the partial files that no running process is writing.
"""

import contextlib
import os
import re
import shutil
import uuid

_writing = set()  # this process's partial files still being written (a save inside a save)


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath`; on success it replaces `filepath` in one rename.

    The file gets the permissions a plain `open(filepath, "w")` would give it: those of the file it
    replaces, or the usual ones for a new file (0o666 less the umask), not the owner-only mode of a
    `tempfile`, so a saved model stays readable by whoever could read the old one."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    remove_stale_partials(filepath)
    partial = os.path.join(folder, f".{os.path.basename(filepath)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    _writing.add(partial)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
        if os.path.isfile(filepath):
            shutil.copymode(filepath, partial)
        yield partial
        os.replace(partial, filepath)
    finally:
        _writing.discard(partial)
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)


def remove_stale_partials(filepath):
    """Remove the partial files of earlier saves of `filepath` whose process has ended.

    Returns their paths. A partial file of a process still running (another save of the same
    file in another notebook) is left alone; names without a process id, from kerasbook versions
    before this rule, count as stale."""
    folder = os.path.dirname(os.path.abspath(filepath))
    name = re.compile(re.escape(f".{os.path.basename(filepath)}.") + r"(?:(\d+)\.)?[0-9a-f]{8}\.part")
    removed = []
    for entry in os.listdir(folder):
        found = name.fullmatch(entry)
        path = os.path.join(folder, entry)
        if not found or path in _writing or _is_running(found.group(1)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
            removed.append(path)
    return removed


def _is_running(pid):
    """True if `pid` (a string from a partial file's name, or None) is a running process other than
    this one: this process's own leftovers (not being written) are stale too."""
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by another user
    return True
