"""JAX's persistent compilation cache as kerasbook sets it up (kerasbook/core/compile_cache.py).

Each case runs kerasbook in fresh Python processes, as kernel restarts do, with the cache folder in a
temporary directory (`KERASBOOK_CACHE_DIR`). Hits and writes are counted from JAX's own monitoring
events, not assumed. A read-only folder is a real read-only bind mount and a full disk a real tiny
tmpfs, both in a private mount namespace (`unshare`), so that they work even for root.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
HIT, WRITE = "/jax/compilation_cache/cache_hits", "/jax/compilation_cache/cache_misses"

# A kernel's life in short: load kerasbook, build and train a small model, predict. Prints what JAX
# counted. {before} runs after `import kerasbook as keras`, before anything compiles. This small
# model's programs may compile faster than kerasbook's threshold (MIN_COMPILE_SECONDS) on a quick
# machine, so the test keeps every program, with JAX's own setting, once kerasbook has set up.
CHILD = """
import json, sys
import jax
import numpy as np
events = []
jax.monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
import kerasbook as keras
keras.layers
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
{before}
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
x = np.linspace(0, 1, 32, dtype="float32").reshape(8, 4)
model.fit(x, x.sum(axis=1, keepdims=True), epochs=2, batch_size=4, shuffle=False, verbose=0)
prediction = model.predict(x, verbose=0).tolist()
print(json.dumps({{"hits": events.count({hit!r}), "writes": events.count({write!r}),
                  "folder": keras.config.compilation_cache_dir(), "prediction": prediction}}))
"""


def environment(cache_folder):
    env = {key: value for key, value in os.environ.items() if not key.startswith("JAX_COMPILATION")}
    env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", KERASBOOK_CACHE_DIR=str(cache_folder))
    return env


def run_kernel(cache_folder, before="", prefix=()):
    """Run CHILD in a fresh process; returns (what it printed as a dict, its stderr)."""
    code = CHILD.format(before=before, hit=HIT, write=WRITE)
    result = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment(cache_folder), cwd=ROOT, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def entries(folder):
    """The programs kept under a cache folder (in its one subfolder for this processor)."""
    return sorted(path.name for path in pathlib.Path(folder).glob("*/*-cache"))


def programs_folder(folder):
    from kerasbook.core import compile_cache
    return pathlib.Path(folder) / compile_cache.processor_name()


def in_private_mount(shell_setup):
    """A command prefix: run the process in its own mount namespace after `shell_setup` (mounts).

    `unshare -Urm` gives an unprivileged user its own user and mount namespace, where it may mount;
    nothing it mounts is visible outside. Debian allows this by default.
    """
    if shutil.which("unshare") is None:
        pytest.fail("these tests need util-linux's `unshare` (Debian: apt-get install util-linux)")
    return ["unshare", "-Urm", "sh", "-c", f'{shell_setup} && exec "$@"', "sh"]


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache folder one kernel filled, and what that kernel printed."""
    folder = tmp_path_factory.mktemp("warm")
    first, stderr = run_kernel(folder)
    return folder, first, stderr


def test_a_second_process_loads_what_the_first_compiled(warm):
    folder, first, first_stderr = warm
    assert first["folder"] == str(programs_folder(folder))
    assert first["hits"] == 0 and first["writes"] >= 2, first  # the train step, predict, ...
    assert len(entries(folder)) == first["writes"]
    assert "compilation cache" not in first_stderr

    second, second_stderr = run_kernel(folder)
    assert second["hits"] == first["writes"] and second["writes"] == 0, second
    assert second["prediction"] == first["prediction"]  # the cache changes no result
    assert len(entries(folder)) == first["writes"]


def test_kernels_running_at_once_share_the_folder(tmp_path):
    """Three kernels compile the same programs at the same moment into one empty folder: JAX's lock
    keeps each entry whole, so nobody warns, and a later kernel finds every program."""
    code = CHILD.format(before="", hit=HIT, write=WRITE)
    kernels = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=environment(tmp_path), cwd=ROOT)
               for _ in range(3)]
    results = [kernel.communicate(timeout=240) for kernel in kernels]
    assert [kernel.returncode for kernel in kernels] == [0, 0, 0], results
    assert not [stderr for _, stderr in results if "Warning" in stderr or "Error" in stderr], results
    printed = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in results]
    assert len({json.dumps(result["prediction"]) for result in printed}) == 1
    later, stderr = run_kernel(tmp_path)
    assert later["writes"] == 0 and later["hits"] == len(entries(tmp_path)) > 0, later


def test_the_switch_turns_the_cache_off_or_points_it_elsewhere(warm, tmp_path):
    folder, first, _ = warm
    before = len(entries(folder))
    off, _ = run_kernel(folder, before="keras.config.set_compilation_cache(False)")
    assert off["folder"] is None and off["hits"] == 0 and off["writes"] == 0, off
    assert off["prediction"] == first["prediction"]

    elsewhere = tmp_path / "elsewhere"
    moved, _ = run_kernel(folder, before=f"keras.config.set_compilation_cache({str(elsewhere)!r})")
    assert moved["folder"] == str(programs_folder(elsewhere)) and moved["hits"] == 0
    assert len(entries(elsewhere)) == moved["writes"] > 0
    assert len(entries(folder)) == before


def test_a_read_only_folder_leaves_kerasbook_working_with_one_message(warm):
    folder, first, _ = warm
    read_only = in_private_mount(f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}")
    result, stderr = run_kernel(folder, prefix=read_only)
    assert result["folder"] is None and result["hits"] == 0 and result["writes"] == 0, result
    assert result["prediction"] == first["prediction"]
    messages = [line for line in stderr.splitlines() if "compilation cache" in line]
    assert len(messages) == 1, stderr
    assert f"cannot write to {programs_folder(folder)}" in messages[0]
    assert "Read-only file system" in messages[0]
    assert "Warning" not in stderr and "Error" not in stderr, stderr  # nothing else complained


def test_an_almost_full_disk_leaves_kerasbook_working_with_one_message(tmp_path):
    folder = tmp_path / "tiny-disk"
    folder.mkdir()
    full = in_private_mount(f"mount -t tmpfs -o size=64k tmpfs {folder}")
    result, stderr = run_kernel(folder, prefix=full)
    assert result["folder"] is None and result["writes"] == 0, result
    messages = [line for line in stderr.splitlines() if "compilation cache" in line]
    assert len(messages) == 1 and "almost full" in messages[0], stderr
    assert "Warning" not in stderr and "Error" not in stderr, stderr


def test_a_disk_that_fills_up_later_turns_the_cache_off_with_one_message(tmp_path):
    folder = tmp_path / "small-disk"
    folder.mkdir()
    small = in_private_mount(f"mount -t tmpfs -o size=101m tmpfs {folder}")  # passes the set-up check
    fill = (f"keras.layers  # the set-up runs: 101 MB free\n"
            f"open({str(folder / 'other-data')!r}, 'wb').write(bytes(3 * 1024**2))  # now 98 MB")
    result, stderr = run_kernel(folder, before=fill, prefix=small)
    messages = [line for line in stderr.splitlines() if "compilation cache" in line]
    assert len(messages) == 1 and "almost full (98 MB free)" in messages[0], stderr
    assert result["folder"] is None and result["writes"] == 1, result  # the one announced as it filled
    assert "Warning" not in stderr and "Error" not in stderr, stderr


def test_an_entry_a_full_disk_cut_short_is_removed_and_writing_goes_on(warm, tmp_path):
    folder, first, _ = warm
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    # What a write stopped by a full disk leaves: the start of an entry, and no access-time file.
    (programs_folder(broken) / "jit_cut_short-0123abcd-cache").write_bytes(b"\x00\x00\x00\x01 cut")
    for atime in broken.glob("*/*-atime"):  # forget the other entries, so this kernel writes again
        atime.unlink()
        atime.with_name(atime.name.replace("-atime", "-cache")).unlink()
    result, stderr = run_kernel(broken)
    assert "Error" not in stderr and "Warning" not in stderr, stderr
    assert result["writes"] == len(entries(broken)) > 0
    assert "jit_cut_short-0123abcd-cache" not in entries(broken)


def test_each_processor_has_its_own_subfolder():
    """XLA refuses code compiled for another CPU: a Binder image built elsewhere must not offer it."""
    from kerasbook.core import compile_cache
    name = compile_cache.processor_name()
    assert name == compile_cache.processor_name()
    machine, digest = name.rsplit("-", 1)
    assert machine and len(digest) == 12 and int(digest, 16) >= 0


def test_default_folder_is_the_platforms_cache_place_or_the_environment_variable(monkeypatch):
    from kerasbook.core import compile_cache
    monkeypatch.delenv("KERASBOOK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    if sys.platform.startswith("linux"):
        assert compile_cache.default_folder() == pathlib.Path(
            "/somewhere/cache/kerasbook/jax-compilation-cache")
    monkeypatch.setenv("KERASBOOK_CACHE_DIR", "~/my-cache")
    assert compile_cache.default_folder() == pathlib.Path.home() / "my-cache"


def lesson(path):
    """A short lesson: load the extension, train a model, print results (text nbval compares)."""
    cells = ["%load_ext kerasbook",
             "import jax\njax.config.update('jax_persistent_cache_min_compile_time_secs', 0)",
             "model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation='relu'),\n"
             "                          layers.Dense(1)])\n"
             "model.compile(optimizer='adam', loss='mse')\n"
             "x = np.linspace(0, 1, 32, dtype='float32').reshape(8, 4)\n"
             "history = model.fit(x, x.sum(axis=1, keepdims=True), epochs=3, batch_size=4, shuffle=False, verbose=2)",
             "print(np.round(history.history['loss'], 4))\nmodel.predict(x[:2], verbose=0).round(4)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def run_nbval(notebook, cache_folder):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", str(notebook),
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "sanitize.cfg")],
        capture_output=True, text=True, env=environment(cache_folder), cwd=notebook.parent, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.slow
def test_strict_nbval_passes_with_an_empty_a_warm_and_another_cache_folder(tmp_path):
    """Outputs stored with one cache folder compare equal with the cache warm, and with another folder."""
    import nbclient
    notebook = tmp_path / "lesson.ipynb"
    lesson(notebook)
    stored = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(stored, timeout=120, kernel_name="python3").execute(
        env=environment(tmp_path / "first"))  # cold: the outputs nbval will compare with
    nbformat.write(stored, notebook)
    assert "kerasbook: compilation cache in" in json.dumps(stored.cells[0].outputs)
    written = {path: path.read_bytes() for path in (tmp_path / "first").glob("*/*-atime")}
    assert written

    run_nbval(notebook, tmp_path / "first")  # warm
    read_again = [path for path, stamp in written.items() if path.read_bytes() != stamp]
    assert read_again, "JAX records each entry's last read in its -atime file: the warm run read none"
    run_nbval(notebook, tmp_path / "second")  # another, empty folder
    assert entries(tmp_path / "second")


def test_kerasbook_chooses_jax_s_own_settings(tmp_path):
    """Every program that took MIN_COMPILE_SECONDS, a bounded size, in the per-processor folder."""
    code = ("import json, jax, kerasbook\n"
            "assert jax.config.jax_compilation_cache_dir is None  # import kerasbook alone sets nothing\n"
            "kerasbook.layers\n"
            "from kerasbook.core import compile_cache as c\n"
            "print(json.dumps([jax.config.jax_compilation_cache_dir == c.compilation_cache_dir(),\n"
            "  jax.config.jax_enable_compilation_cache,\n"
            "  jax.config.jax_persistent_cache_min_compile_time_secs == c.MIN_COMPILE_SECONDS,\n"
            "  jax.config.jax_compilation_cache_max_size == c.MAX_SIZE_BYTES]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment(tmp_path), cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == [True, True, True, True]
    assert (tmp_path / programs_folder(tmp_path).name).is_dir()
