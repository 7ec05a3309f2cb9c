"""JAX's persistent compilation cache, on by default: a kernel restart does not compile everything again.

Why. The first call of a model, and the first step of `fit`, are slow because XLA compiles them into
machine code; after that they are fast. A kernel restart forgets every compiled program, so a lesson
run again pays for all its compiling again (the classic MNIST convnet's first `fit` of 4 steps: about
2.2 s after a restart, 0.4 s once compiled). JAX can keep compiled programs on disk, its "persistent
compilation cache": before compiling, it looks the program up there (the key is the program itself,
the jax and jaxlib versions, the device and the compiler options, so a stale entry is never used).

JAX ships with that cache switched off and, when on, it keeps only programs that took over a second to
compile. A course compiles many programs that take 0.05-1 s each (a model's call, a train step), and
many more small ones (each eager `ops.add` or layer call on a new shape: 10-30 ms of CPU each), and
reading one back costs less than compiling even a small one, so kerasbook switches the cache on and
keeps every program (`MIN_COMPILE_SECONDS` is 0). With a threshold of 0.05 s, the small ones were
compiled again after every restart: a lesson's eager calls took 2.4x the CPU time they take now
(`benchmarks/bench_warm_run.py`). The price is paid once, by the cold run: each write scans the
folder (see "how big"), about 9% more CPU for those calls.
Everything goes through JAX's own settings (`jax.config`); kerasbook only chooses them:

- where: one folder per user, in the platform's usual place for caches (`$XDG_CACHE_HOME` or
  `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows), under
  `kerasbook/jax-compilation-cache`; the environment variable `KERASBOOK_CACHE_DIR` puts it elsewhere.
- one subfolder per kind of processor: XLA compiles for the exact CPU it runs on and refuses (with a
  warning for every program) code compiled for a CPU with other features. A Binder image is built
  on one machine and run on others, so its programs are kept apart by the CPU's model and features.
- how big: at most `MAX_SIZE_BYTES`; JAX removes the least recently used programs first
  (`jax_compilation_cache_max_size`). With a size bound, JAX also takes a lock file (the `filelock`
  package) around every read and write, so several kernels can share the folder safely. To find the
  oldest, JAX reads every entry's access time at each write (42 ms of CPU with 1,690 entries), so
  the bound is kept small: the whole course takes a few MB.
- never in the way: a folder that cannot be written, or a disk with almost no space left (at set-up
  or, checked before each write, later), turns the cache off for this process with one message on
  stderr; kerasbook works as before, only slower to start. A program that a full disk cut short is
  removed before this process first writes to the cache: JAX would otherwise fail on it at every
  later write. (Not at set-up: a warm cache holds thousands of files, and listing them there cost
  every kernel start 20-35 ms that a run reading only cached programs never needs.)
- trust: JAX runs what it loads from this folder, so kerasbook creates it readable by its owner only.

When: `import kerasbook` loads no JAX, so the set-up runs the first time a public name loads JAX
(`keras.layers`, `keras.Model`, `%load_ext kerasbook`, ...), before anything compiles; see
`turn_on_by_default`. The switch is `keras.config.set_compilation_cache(False | True | folder)`, and
`keras.config.compilation_cache_dir()` says where the cache is (None when off).
"""

import hashlib
import os
import pathlib
import platform
import shutil
import sys
import tempfile

ENVIRONMENT_VARIABLE = "KERASBOOK_CACHE_DIR"
MAX_SIZE_BYTES = 256 * 1024**2  # the course's programs take a few MB; JAX's eviction scans them all
MIN_COMPILE_SECONDS = 0.0  # every program: reading one back costs less than compiling even a small one
MIN_FREE_BYTES = 100 * 1024**2  # below this much free disk space, the cache stays off

# This process's cache: the folder in use (None: off), whether it was chosen yet (by default or by
# the switch), whether the "cache off" message was printed, the write listener registered, and
# JAX's thresholds set (once each).
_state = {"folder": None, "chosen": False, "said": False, "listening": False,
          "thresholds_set": False, "cleaned": None}


def default_folder():
    """The per-user cache folder: `KERASBOOK_CACHE_DIR`, else the platform's cache place."""
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return pathlib.Path(os.environ[ENVIRONMENT_VARIABLE]).expanduser().absolute()
    home = pathlib.Path.home()
    if sys.platform == "win32":
        base = pathlib.Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "kerasbook" / "jax-compilation-cache"


def processor_name():
    """`x86_64-<12 hex digits>`: the machine type and a digest of the CPU's model and features.

    On Linux the model and feature flags come from /proc/cpuinfo (its first processor: they all have
    the same). Elsewhere only the machine type tells processors apart; XLA's own check still refuses
    code compiled for another CPU, with a warning.
    """
    description = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            first = cpuinfo.read(65536).split("\n\n")[0]
        description = "\n".join(line for line in first.splitlines()
                                if line.startswith(("model name", "flags", "Features", "CPU part")))
    except OSError:
        pass
    digest = hashlib.sha256(description.encode()).hexdigest()[:12]
    return f"{platform.machine() or 'cpu'}-{digest}"


def turn_on_by_default():
    """Switch the cache on in the default folder, unless a choice was already made in this process.

    Called by `kerasbook.__getattr__` once a public name has loaded JAX, so before the first compile.
    """
    if not _state["chosen"]:
        set_compilation_cache(True)


def set_compilation_cache(where=True):
    """Keep compiled programs on disk (`True`: the default folder; a path: that folder) or not (`False`).

    Programs go in a subfolder named after this processor (`processor_name()`).

    `keras.config.set_compilation_cache(False)` turns the cache off for this kernel; a folder that
    cannot be used turns it off too, with one message. Programs already compiled in this kernel stay.
    """
    folder = None
    if where is True:
        folder = default_folder() / processor_name()
    elif where not in (False, None):
        folder = pathlib.Path(where).expanduser().absolute() / processor_name()
    if folder is not None:
        problem = _problem_with(folder)
        if problem:
            _turn_off_because(problem)
            return
    _configure_jax(folder)
    _state.update(folder=folder, chosen=True)


def compilation_cache_dir():
    """The folder compiled programs are kept in, as a string; None when the cache is off."""
    turn_on_by_default()  # when nothing has loaded JAX yet, the default is what will happen
    return None if _state["folder"] is None else str(_state["folder"])


def describe():
    """One line for `%load_ext kerasbook`: where the cache is, the home folder written `~`."""
    turn_on_by_default()
    folder = _state["folder"]
    if folder is None:
        return "kerasbook: compilation cache off"
    home = pathlib.Path.home()
    shown = f"~{os.sep}{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)
    return f"kerasbook: compilation cache in {shown}"


# -- checks ---------------------------------------------------------------------------------------

def _problem_with(folder):
    """Why `folder` cannot hold the cache (a short phrase), or None when it can.

    A file is really written and removed: permissions alone do not tell (a read-only mount, a quota,
    a file-size limit all refuse writes that the mode bits would allow).
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as error:
        return f"cannot write to {folder} ({error.strerror or type(error).__name__})"
    return _almost_full(folder)


def _almost_full(folder):
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return f"the disk holding {folder} is almost full ({free // 1024**2} MB free)"
    return None


def _drop_unfinished_entries(folder):
    """Remove programs whose writing was cut short (a full disk), under JAX's own lock.

    JAX writes an entry `<key>-cache`, then its last-access time `<key>-atime`. An entry without its
    time file is one a failed write left behind, possibly truncated: JAX's size check reads every time
    file, so it would fail on every later write.
    """
    import filelock
    with filelock.FileLock(folder / ".lockfile", timeout=10):
        names = {entry.name for entry in os.scandir(folder)}  # one listing: a warm cache has thousands
        for name in names:
            if name.endswith("-cache") and name[:-len("-cache")] + "-atime" not in names:
                (folder / name).unlink(missing_ok=True)


def _turn_off_because(problem):
    """Go on without the cache, and say why (once a process: a kernel is not told twice)."""
    if not _state["said"]:
        print(f"kerasbook: compilation cache off: {problem}. Everything works; models are compiled "
              f"again after each restart. Set {ENVIRONMENT_VARIABLE} to another folder to keep compiled "
              "programs.", file=sys.stderr)
        _state["said"] = True
    _configure_jax(None)
    _state.update(folder=None, chosen=True)


def _before_each_write(event, **details):
    """JAX announces each cache write (a monitoring event) just before it: if the disk has filled up
    since the set-up, stop here rather than let every later write fail with its own warning; before
    the first write to a folder, remove what an earlier write left unfinished."""
    folder = _state["folder"]
    if event == "/jax/compilation_cache/cache_misses" and folder is not None:
        if problem := _almost_full(folder):
            _turn_off_because(problem)
        elif _state["cleaned"] != folder:
            _drop_unfinished_entries(folder)
            _state["cleaned"] = folder


def _configure_jax(folder):
    """Point JAX's cache at `folder` (None: off) and make JAX open it afresh at the next compile."""
    import jax
    from jax.experimental.compilation_cache import compilation_cache as jax_cache

    if not _state["thresholds_set"]:  # once: later switches keep what the user set in jax.config
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)  # however small the program
        jax.config.update("jax_compilation_cache_max_size", MAX_SIZE_BYTES)
        _state["thresholds_set"] = True
    jax.config.update("jax_compilation_cache_dir", None if folder is None else str(folder))
    jax.config.update("jax_enable_compilation_cache", folder is not None)
    jax_cache.reset_cache()  # JAX opens its cache once, at the first compile after this
    if folder is not None and not _state["listening"]:
        jax.monitoring.register_event_listener(_before_each_write)
        _state["listening"] = True
