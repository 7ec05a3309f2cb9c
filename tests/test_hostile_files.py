"""Hostile files: each is refused early, with a message naming the file and the problem, without
exhausting the machine (issue 16).

The files are made here and stay small: an HDF5 dataset *declared* (60000, 60000) float32 (13.41 GB)
with no stored data takes a few kilobytes; a zip member that unpacks to 3 GiB is 3 MB of deflate
blocks written by hand. Every load runs in a fresh Python whose address space is limited to 1 GiB
more than it uses once kerasbook is imported, with a time limit: a check that regressed fails with a
MemoryError or a timeout here instead of exhausting the shared machine.
"""

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib

import h5py
import numpy as np
import pytest

import kerasbook
from kerasbook import layers
from kerasbook.core.saving import limits

GIB = 1 << 30
HUGE = (60000, 60000)  # float32: 13.41 GB declared

# Builds the model each case loads into, then runs the load under the memory limit; prints one JSON
# line per case: the exception's type and message, the seconds taken, the peak memory in MiB.
RUNNER = r"""
import json, os, resource, sys, time
os.environ.setdefault("KERAS_BACKEND", "jax")
import kerasbook
from kerasbook import layers

def model(units, inputs):
    return kerasbook.Sequential([kerasbook.Input((inputs,)), layers.Dense(units, name="dense")])

def status_bytes(field):  # VmSize: address space now; VmHWM: peak resident memory of this program
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

cases = json.loads(sys.argv[1])
models = {"small": model(10, 4), "huge": model(60000, 60000)}  # lazy weights: nothing allocated
limit = status_bytes("VmSize") + (1 << 30)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
for name, how, path in cases:
    start = time.perf_counter()
    try:
        if how == "load_model":
            kerasbook.models.load_model(path)
        else:
            models[how].load_weights(path)
        outcome = ("no error", "")
    except Exception as error:
        outcome = (type(error).__name__, str(error))
    peak = status_bytes("VmHWM") / (1 << 20)  # not ru_maxrss: Linux carries the parent's over fork and exec
    print(json.dumps([name, *outcome, time.perf_counter() - start, peak]), flush=True)
"""


def lazy_model(units, inputs):
    return kerasbook.Sequential([kerasbook.Input((inputs,)), layers.Dense(units, name="dense")])


def write_bomb_weights(path, kernel_shape=HUGE):
    """A Keras 3 weights file for `lazy_model`: a kernel declared `kernel_shape`, nothing stored."""
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        group = f.create_group("layers/dense/vars")
        group.create_dataset("0", shape=kernel_shape, dtype="float32")  # no data: storage stays empty
        group.create_dataset("1", data=np.zeros(kernel_shape[1:], "float32"))


def write_keras2_bomb(path):
    """Keras 2's layout (as the ImageNet files use), one layer whose kernel is declared 13 GB."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        group = f.create_group("dense")
        group.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        group.create_dataset("dense/kernel:0", shape=HUGE, dtype="float32")
        group.create_dataset("dense/bias:0", data=np.zeros(HUGE[1], "float32"))


def deflated_spaces(size, head=b""):
    """`head` then spaces up to `size` bytes, deflated in 1 MiB blocks that repeat: 3 GiB in 3 MB."""
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_mib = block.compress(b" " * (1 << 20)) + block.flush(zlib.Z_FULL_FLUSH)
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = start.compress(head.ljust(1 << 20)) + start.flush(zlib.Z_FULL_FLUSH)  # the first MiB
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    assert size % (1 << 20) == 0
    return first + one_mib * (size // (1 << 20) - 1) + end


def write_zip(path, members):
    """A zip of (name, declared size, deflated bytes) written by hand: zipfile cannot write a member
    it has not compressed itself. The CRC is left 0 (a loader that reads the member whole fails on
    it, after allocating the declared size: the thing the checks prevent)."""
    local, central, offset = b"", b"", 0
    for name, size, data in members:
        name = name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(data), size, len(name), 0)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(data), size,
                               len(name), 0, 0, 0, 0, 0, offset) + name
        local += header + name + data
        offset += len(header) + len(name) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), offset, 0)
    path.write_bytes(local + central + end)


def plain(data):
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    return block.compress(data) + block.flush()


def model_config(model):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return json.dumps(serialize_keras_object(model)).encode()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every hostile file made, then loaded in one limited subprocess: {case: (type, message, s, MiB)}."""
    folder = tmp_path_factory.mktemp("hostile")
    cases = []

    def case(name, how, path):
        cases.append((name, how, str(path)))

    write_bomb_weights(folder / "bomb.weights.h5")
    case("weights.h5 bomb, model of that shape", "huge", folder / "bomb.weights.h5")
    case("weights.h5 bomb, smaller model", "small", folder / "bomb.weights.h5")
    write_keras2_bomb(folder / "bomb_keras2.h5")
    case("keras 2 h5 bomb, model of that shape", "huge", folder / "bomb_keras2.h5")
    case("keras 2 h5 bomb, smaller model", "small", folder / "bomb_keras2.h5")

    write_bomb_weights(folder / "inner.weights.h5")
    inner = (folder / "inner.weights.h5").read_bytes()
    config = model_config(lazy_model(60000, 60000))
    with zipfile.ZipFile(folder / "bomb_inside.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", inner)
    case(".keras holding the weights bomb", "load_model", folder / "bomb_inside.keras")
    case(".keras holding the weights bomb, load_weights", "huge", folder / "bomb_inside.keras")

    small_config = model_config(lazy_model(10, 4))
    write_zip(folder / "config_bomb.keras", [
        ("config.json", 3 * GIB, deflated_spaces(3 * GIB, head=small_config)),
        ("model.weights.h5", len(inner), plain(inner))])
    case("config.json unpacking to 3 GiB", "load_model", folder / "config_bomb.keras")
    write_zip(folder / "weights_zip_bomb.keras", [
        ("config.json", len(small_config), plain(small_config)),
        ("model.weights.h5", 3 * GIB, deflated_spaces(3 * GIB))])
    case("model.weights.h5 unpacking to 3 GiB", "load_model", folder / "weights_zip_bomb.keras")
    case("model.weights.h5 unpacking to 3 GiB, load_weights", "small", folder / "weights_zip_bomb.keras")

    numpy_record = {"class_name": "__numpy__", "config": {"value": "x", "dtype": "S2000000000"}}
    with zipfile.ZipFile(folder / "numpy_bomb.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(numpy_record))
        archive.writestr("model.weights.h5", inner)
    case("__numpy__ record of dtype S2000000000", "load_model", folder / "numpy_bomb.keras")

    os.mkfifo(folder / "pipe.weights.h5")
    os.mkfifo(folder / "pipe.keras")
    case("named pipe as weights", "small", folder / "pipe.weights.h5")
    case("named pipe as a model", "load_model", folder / "pipe.keras")
    case("device as weights", "small", "/dev/zero")
    case("device as a model", "load_model", "/dev/zero")

    with h5py.File(folder / "external.weights.h5", "w") as f:
        f.create_group("vars")
        group = f.create_group("layers/dense/vars")
        group.create_dataset("0", shape=(4, 10), dtype="float32", external=[("/dev/zero", 0, 160)])
        group.create_dataset("1", data=np.zeros(10, "float32"))
    case("external dataset", "small", folder / "external.weights.h5")
    with h5py.File(folder / "link.weights.h5", "w") as f:
        f.create_group("vars")
        group = f.create_group("layers/dense/vars")
        group["0"] = h5py.ExternalLink("/etc/hostname", "/")
        group.create_dataset("1", data=np.zeros(10, "float32"))
    case("external link", "small", folder / "link.weights.h5")

    sizes = {path: os.path.getsize(path) for _, _, path in cases if os.path.isfile(path)}
    assert max(sizes.values()) < 4 << 20, sizes  # every hostile file is small on disk
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cases)], capture_output=True,
                            text=True, timeout=120, env=env)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == len(cases), result.stderr[-3000:]
    return {name: tuple(rest) for name, *rest in lines}


BOMB = r"declares 13\.41 GB but only 0\.00 B are stored"

EXPECTED = {
    "weights.h5 bomb, model of that shape": BOMB,
    "weights.h5 bomb, smaller model": BOMB,
    "keras 2 h5 bomb, model of that shape": BOMB,
    "keras 2 h5 bomb, smaller model": BOMB,
    ".keras holding the weights bomb": BOMB,
    ".keras holding the weights bomb, load_weights": BOMB,
    "config.json unpacking to 3 GiB": r"its config.json declares 3\.00 GB, more than the 64\.00 MB",
    "model.weights.h5 unpacking to 3 GiB": r"its model.weights.h5 declares 3\.00 GB but only 3\.\d\d MB "
                                           r"are stored",
    "model.weights.h5 unpacking to 3 GiB, load_weights": r"its model.weights.h5 declares 3\.00 GB",
    "__numpy__ record of dtype S2000000000": r"a __numpy__ record declares 1 values of dtype \|S2000000000 "
                                             r"\(1\.86 GB\), more than the 64\.00 MB",
    "named pipe as weights": r"pipe.weights.h5 is a named pipe \(FIFO\), not a weights file",
    "named pipe as a model": r"pipe.keras is a named pipe \(FIFO\), not a model file",
    "device as weights": r"/dev/zero is a device, not a weights file",
    "device as a model": r"/dev/zero is a device, not a model file",
    "external dataset": r"keeps its data in other files",
    "external link": r'"/layers/dense/vars/0" is an HDF5 ExternalLink; refusing to follow it',
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_hostile_file_is_refused_at_once_in_little_memory(outcomes, case):
    kind, message, seconds, peak_mib = outcomes[case]
    assert kind == "ValueError", (kind, message)
    import re
    assert re.search(EXPECTED[case], message), message
    if "pipe" not in case and "device" not in case:
        assert re.search(r"\.(keras|h5)\b", message), message  # the file is named
    assert seconds < 5, seconds
    assert peak_mib < 1024, peak_mib


def test_limits_do_not_refuse_ordinary_files(tmp_path):
    """A real model with real weights loads as before, through every path the checks guard."""
    model = lazy_model(64, 32)
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)  # its slots are saved and read back too
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    loaded = kerasbook.models.load_model(tmp_path / "m.keras")
    again = lazy_model(64, 32)
    again.load_weights(tmp_path / "m.weights.h5")
    for other in (loaded, again):
        for a, b in zip(model.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_a_compressed_dataset_of_zeros_is_not_taken_for_a_bomb(tmp_path):
    """gzip packs zeros about 1000 to 1: under the 16 MiB floor any ratio is fine."""
    with h5py.File(tmp_path / "z.weights.h5", "w") as f:
        f.create_group("vars")
        group = f.create_group("layers/dense/vars")
        group.create_dataset("0", data=np.zeros((1000, 1000), "float32"), compression="gzip")
        group.create_dataset("1", data=np.ones(1000, "float32"))
    model = lazy_model(1000, 1000)
    model.load_weights(tmp_path / "z.weights.h5")
    assert float(np.abs(model.get_weights()[0]).sum()) == 0.0


def test_a_config_array_of_ordinary_size_still_loads():
    from kerasbook.core.saving.serialization import deserialize_keras_object
    record = {"class_name": "__numpy__", "config": {"value": [[1, 2], [3, 4]], "dtype": "float32"}}
    np.testing.assert_array_equal(deserialize_keras_object(record), np.array([[1, 2], [3, 4]], "float32"))
    with pytest.raises(ValueError, match=r"has the dtype 'flaot32', which is not a NumPy dtype"):
        deserialize_keras_object({"class_name": "__numpy__", "config": {"value": [1], "dtype": "flaot32"}})


def test_deep_nesting_in_config_json_is_a_value_error_naming_the_file(tmp_path):
    with zipfile.ZipFile(tmp_path / "deep.keras", "w") as archive:
        archive.writestr("config.json", '{"class_name": "Sequential", "config": ' + "[" * 100000
                         + "]" * 100000 + "}")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match=r"deep.keras: its config.json nests objects too deeply"):
        kerasbook.models.load_model(tmp_path / "deep.keras")


def test_readable_size_writes_sizes_as_keras_does():
    from keras.src.utils.summary_utils import readable_memory_size
    for size in (0, 1023, 1024, 17 * 1024, 3 * GIB, 60000 * 60000 * 4):
        assert limits.readable_size(size) == readable_memory_size(size)


# -- interrupted saves -------------------------------------------------------------------------

SAVER = r"""
import os, sys
os.environ.setdefault("KERAS_BACKEND", "jax")
import kerasbook
from kerasbook import layers
model = kerasbook.Sequential([kerasbook.Input((1000,)), layers.Dense(1000), layers.Dense(1000)])
model.save(sys.argv[1])
print("ready", flush=True)
while True:
    model.save(sys.argv[1])
"""


def partials(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_saves_killed_midway_leave_no_partial_file_after_the_next_save(tmp_path):
    """kill -9 during a save leaves its partial file (nothing can remove it then); the next save of
    the same target, in any process, removes every partial file whose process has ended, and keeps
    the others."""
    target = tmp_path / "m.keras"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    for _ in range(3):
        saver = subprocess.Popen([sys.executable, "-c", SAVER, str(target)], stdout=subprocess.PIPE, env=env)
        assert saver.stdout.readline().strip() == b"ready"
        before = set(partials(tmp_path))
        while not set(partials(tmp_path)) - before:  # kill it while it writes
            pass
        saver.kill()
        saver.wait()
    left = partials(tmp_path)
    assert left == [p for p in left if f".{saver.pid}." in p] and len(left) == 1, left  # the last kill's
    with zipfile.ZipFile(target) as archive:  # ...and the file saved before each kill is whole
        assert archive.testzip() is None
    other = tmp_path / f".m.keras.{os.getpid()}.0123abcd.part.keep"  # not a partial of this target
    other.write_bytes(b"x")
    running = tmp_path / f".m.keras.{os.getppid()}.89abcdef.part"  # a save still running elsewhere
    running.write_bytes(b"x")
    other_target = tmp_path / ".m.keras.bak.1.0123abcd.part"  # a partial of m.keras.bak
    other_target.write_bytes(b"x")
    lazy_model(3, 2).save(target)
    assert partials(tmp_path) == sorted([running.name, other_target.name])
    assert other.exists()


def test_no_partial_file_is_left_by_an_exception_during_a_save(tmp_path):
    model = lazy_model(3, 2)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    from kerasbook.core.saving import keras_file, weights_file
    for save, name in ((keras_file.save_model, "m.keras"), (weights_file.save_weights, "m.weights.h5")):
        for error in (KeyboardInterrupt, OSError, MemoryError):
            def fail(*args, error=error):
                raise error("injected")
            original = zipfile.ZipFile.writestr if name == "m.keras" else weights_file.write
            if name == "m.keras":
                zipfile.ZipFile.writestr = fail
            else:
                weights_file.write = fail
            try:
                with pytest.raises(error):
                    save(model, tmp_path / name)
            finally:
                if name == "m.keras":
                    zipfile.ZipFile.writestr = original
                else:
                    weights_file.write = original
    assert partials(tmp_path) == []
    assert kerasbook.models.load_model(tmp_path / "m.keras").get_config() == model.get_config()


# -- damaged configs: a ValueError naming the file, the place and what was expected ----------------

def _ghost_input(config):
    config["config"]["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "ghost"


DAMAGED_CONFIGS = {
    "layers is a number": (lambda c: c["config"].__setitem__("layers", 5),
                           r'model "m": "layers" should be a list of layer configs; received 5 \(of type int\)'),
    "unknown layer in a node": (_ghost_input, r'layer "d" is called on an output of layer "ghost", which is not '
                                              r"one of the model's \"layers\""),
    "function named as a class": (lambda c: c["config"]["layers"][0].__setitem__("class_name", "Input"),
                                  r"The config names 'Input' as a class, but 'Input' is a function, not a class"),
    "a layer that is a string": (lambda c: c["config"]["layers"].__setitem__(1, "dense"),
                                 r'layers\[1\] should be a layer config with "class_name", "name" and a "config" '
                                 r"dict; received 'dense'"),
    "a layer config that is a list": (lambda c: c["config"]["layers"][1].__setitem__("config", [1, 2]),
                                      r"layers\[1\] should be a layer config"),
    "output of an unknown layer": (lambda c: c["config"].__setitem__("output_layers", [["ghost", 0, 0]]),
                                   r"refers to the tensor \['ghost', 0, 0\] \(layer, call, output\), but the model "
                                   r'has no layer "ghost"'),
    "a call that was never made": (lambda c: c["config"].__setitem__("output_layers", [["d", 5, 0]]),
                                   r'layer "d" has no call 5 in it'),
    "an output that does not exist": (lambda c: c["config"].__setitem__("output_layers", [["d", 0, 3]]),
                                      r"that call has 1 output\(s\)"),
    "outputs that are not histories": (lambda c: c["config"].__setitem__("output_layers", "d"),
                                       r'"output_layers" should be \[layer name, call index, tensor index\] entries'),
    "a wrong argument": (lambda c: c["config"]["layers"][1]["config"].__setitem__("units", "two"),
                         r'Dense layer "d": received an invalid value for `units`'),
}


@pytest.mark.parametrize("case", sorted(DAMAGED_CONFIGS))
def test_a_damaged_config_is_a_value_error_naming_file_place_and_expectation(tmp_path, case):
    inputs = kerasbook.Input((4,), name="inp")
    kerasbook.Model(inputs, layers.Dense(2, name="d")(inputs), name="m").save(tmp_path / "base.keras")
    with zipfile.ZipFile(tmp_path / "base.keras") as base:
        config, weights = json.loads(base.read("config.json")), base.read("model.weights.h5")
    damage, pattern = DAMAGED_CONFIGS[case]
    damage(config)
    with zipfile.ZipFile(tmp_path / "damaged.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(ValueError, match=r"damaged\.keras: (.|\n)*" + pattern):
        kerasbook.models.load_model(tmp_path / "damaged.keras")
