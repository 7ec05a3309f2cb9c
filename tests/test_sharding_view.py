"""ShardingView and viz/sharding.py: the picture of a model's weights on a mesh of devices.

The mesh tests run tests/scripts/sharding_layout.py in a subprocess with 8 CPU devices (the device
count is fixed when JAX starts, so it cannot change inside this process).
"""

import json
import os
import re
import subprocess
import sys

import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.core.models.summary import readable_size
from kerasbook.viz import sharding
from kerasbook.widgets import ShardingView

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")


def run_script(name, device_count=8):
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={device_count}",
               JAX_PLATFORMS="cpu", KERAS_BACKEND="jax")
    result = subprocess.run([sys.executable, os.path.join(SCRIPTS, name)], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def mesh_run():
    return run_script("sharding_layout.py")


def svg_texts(svg):
    """The text of every <text> element of the picture, unescaped."""
    import html
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_the_mesh_is_the_2_by_4_grid_jax_made(mesh_run):
    names, sizes, ids = mesh_run["mesh"]
    assert names == ["batch", "model"] and sizes == [2, 4]
    assert ids == [[0, 1, 2, 3], [4, 5, 6, 7]]
    texts = svg_texts(mesh_run["svg"])
    assert "model (4) \u2192" in texts and "batch (2) \u2192" in texts  # axis names and sizes on the edges
    assert [f"device {d}" for d in range(8)] == [t for t in texts if t.startswith("device ")]


def test_the_picture_lists_every_variable(mesh_run):
    texts = svg_texts(mesh_run["svg"])
    for path in mesh_run["paths"]:
        assert path in texts, path
        assert path in mesh_run["text"], path
    rows = re.findall(r'<g class="kb-sv-var[^"]*" data-var="(\d+)"', mesh_run["svg"])
    assert rows == [str(i) for i in range(len(mesh_run["paths"]))]


def test_bytes_per_device_add_up_to_what_jax_reports(mesh_run):
    assert mesh_run["shown"] == mesh_run["reported"]
    # The kernel split 4 ways is a quarter on each device; the renamed layer's kernel is whole.
    nbytes = mesh_run["nbytes"]
    pieces = {p["path"]: p for p in mesh_run["devices"][0]["pieces"]}
    assert pieces["dense_in/kernel"]["index"] == "[:, 0:16]"
    assert pieces["dense_in/kernel"]["shape"] == [16, 16]
    assert pieces["ffn_up/kernel"]["shape"] == [64, 32]
    expected = sum(nbytes[p] / (4 if p.startswith("dense") else 1) for p in nbytes)
    assert mesh_run["reported"]["0"] == expected
    cells = dict(re.findall(r'<g class="kb-sv-device" data-device="(\d+)">(.*?)</g>', mesh_run["svg"]))
    total = sum(nbytes.values())
    for device, count in mesh_run["reported"].items():  # each device cell shows its bytes
        assert f"{readable_size(count)}, {100 * count / total:.0f}%" in svg_texts(cells[device])
        assert f"{device}: {readable_size(count)}" in mesh_run["text"]


def test_unmatched_variables_are_marked_replicated_with_the_closest_key(mesh_run):
    status = mesh_run["status"]
    assert status["ffn_up/kernel"] == ("replicated: no LayoutMap key matched; closest '.*dense.*kernel' "
                                       "('dense' not in the path)")
    assert status["ffn_up/bias"].startswith("replicated: no LayoutMap key matched; closest '.*dense.*bias'")
    assert status["dense_in/kernel"] == "key '.*dense.*kernel'"
    assert mesh_run["specs"]["ffn_up/kernel"] == [None, None]
    assert mesh_run["specs"]["dense_in/kernel"] == [None, "model"]
    assert "\u26a0 " + status["ffn_up/kernel"] in svg_texts(mesh_run["svg"])
    # A key that placed nothing is named (a layer's "/output" key lays out no variable).
    assert mesh_run["unused"] == ["embedding/embeddings"]
    unused = "\u26a0 LayoutMap keys that matched no variable: 'embedding/embeddings'."
    assert unused in svg_texts(mesh_run["svg"])
    warned = re.findall(r'<g class="kb-sv-var kb-sv-warned" data-var="(\d+)"', mesh_run["svg"])
    assert [mesh_run["paths"][int(i)] for i in warned] == ["ffn_up/kernel", "ffn_up/bias"]


def test_batch_split_and_fallbacks(mesh_run):
    assert "Batch: split over 'batch': each device gets 1/2 of every batch" in mesh_run["text"]
    assert mesh_run["text"] == mesh_run["text_again"]  # deterministic, for nbval
    assert not re.search(r"0x[0-9a-f]{6,}", mesh_run["text"])
    page = mesh_run["html"]
    assert page.count('<img src="data:image/svg+xml;base64,') == 1
    assert page.count("<tr>") == 9  # the per-device table: a header and 8 devices
    assert "ffn_up/kernel[:, :]" in page


def test_with_keras_distribution_a_model_made_before_is_marked(mesh_run):
    late, early = mesh_run["api"]["late"], mesh_run["api"]["early"]
    assert late["batch"] == early["batch"] == "batch"  # ModelParallel's default: the first mesh axis
    assert late["dense_in/kernel"] == ["key '.*dense.*kernel'", False]
    assert late["dense_in/bias"] == ["replicated: no LayoutMap key matched; closest '.*dense.*kernel' "
                                     "('kernel' not in the path)", False]
    assert early["dense_in/kernel"] == [
        "not on the mesh: on device 0 only (key '.*dense.*kernel' asks (None, 'model')); made before the "
        "distribution was set? Make the model again under it", True]


def test_a_view_keeps_the_distribution_it_was_made_under(mesh_run):
    # Redrawn after set_distribution(DataParallel()), the view still compares with the LayoutMap of
    # the ModelParallel the model was made under.
    assert mesh_run["api"]["kept"]["dense_in/kernel"] == "key '.*dense.*kernel'"


def test_the_optimizer_state_is_shown_when_asked(mesh_run):
    rows = mesh_run["optimizer"]
    assert rows["shown"] == rows["reported"]  # weights and Adam's slots, as JAX reports them
    momentum = next(p for p in rows["specs"] if p.endswith("dense_in_kernel_momentum"))
    assert rows["specs"][momentum] == [None, "model"] and rows["status"][momentum] == (
        "optimizer state: cut as its weight is")
    assert rows["totals"].startswith("Weights and optimizer state: ")


# -- in this process (one device) --------------------------------------------------------------------

def make_model():
    return keras.Sequential([keras.Input((4,)), layers.Dense(3, name="body")], name="small")


def test_weights_not_on_a_mesh_are_said_to_be_on_one_device():
    model = make_model()
    layout = sharding.describe(model)
    assert layout.axis_names == ("devices",)
    assert sharding.status_text(layout.variables[0], layout) == "not on the mesh: on device 0 only"
    assert sharding.batch_text(layout).startswith("Batch: no distribution set")


def test_a_cut_is_said_in_words():
    layout = sharding.Layout("m", ("data", "model"), (2, 4), None, [])
    kernel = sharding.Placement("d/kernel", "d", (16, 8), "float32", (("data", "model"), None), [])
    assert sharding.split_text(kernel, layout) == "axis 0 cut 8 ways over ('data', 'model')"
    bias = sharding.Placement("d/bias", "d", (8,), "float32", ("model",), [])
    assert sharding.status_text(bias, layout) == "axis 0 cut 4 ways over 'model'"  # no LayoutMap given
    whole = sharding.Placement("d/bias", "d", (8,), "float32", (None,), [])
    assert sharding.status_text(whole, layout) == "replicated"


def test_key_matching_follows_keras():
    class Layout:
        axes = (None, "model")

    layout_map = {"dense.*": Layout(), ".*kernel": Layout(), "dense/bias": Layout()}
    placement = sharding.Placement("dense/kernel", "dense", (4, 3), "float32", (None, "model"), [])
    sharding._match(placement, layout_map)
    assert placement.several == ("dense.*", ".*kernel")  # Keras refuses a path that several keys match
    assert "several keys match" in sharding.status_text(placement, sharding.Layout("m", (), (), None, []))
    exact = sharding.Placement("dense/bias", "dense", (3,), "float32", (None,), [])
    sharding._match(exact, {"dense/bias": Layout(), "nothing": Layout()})
    assert exact.key == "dense/bias" and exact.asked == (None, "model")
    words = sharding.key_words(r"decoder_block.*ffw_gating\.kernel")
    assert words == ("decoder_block", "ffw_gating", "kernel")
    lonely = sharding.Placement("seed_generator/state", "seed_generator", (2,), "uint32", (None,), [])
    sharding._match(lonely, {"d1/kernel": Layout(), "d2/output": Layout()})
    assert lonely.key is None and lonely.closest is None  # no word of any key in the path: none is close
    layout = sharding.Layout("m", ("data",), (1,), None, [lonely], has_layout_map=True)
    assert sharding.status_text(lonely, layout) == "replicated: no LayoutMap key matched; none is close"
    assert sharding.closest_key("decoder_layer/ffw_gating/kernel",
                                ["decoder_block.*attention.*kernel", "decoder_block.*ffw_gating.*kernel"]
                                ) == "decoder_block.*ffw_gating.*kernel"


def test_index_text():
    assert sharding.index_text((slice(None), slice(8, 16)), (16, 32)) == "[:, 8:16]"
    assert sharding.index_text((slice(0, 16),), (16,)) == "[:]"
    assert sharding.index_text((), ()) == "[]"


def test_the_view_redraws_when_the_model_changes():
    model = make_model()
    view = ShardingView(model)
    view.views = 1  # as if shown: a view nobody sees would wait until read
    assert any(text.endswith("body/kernel") for text in svg_texts(view.svg))
    model.add(layers.Dense(2, name="head"))
    assert "head/kernel" in view.text()
    assert any(text.endswith("head/kernel") for text in svg_texts(view.svg))
    view.close()


def test_an_unbuilt_model_gets_a_note_not_a_picture():
    model = keras.Sequential([layers.Dense(3)], name="later")
    view = ShardingView(model)
    assert view.svg == "" and "has no variables yet" in view.note
    assert "has no variables yet" in view.fallback_text() and "has no variables yet" in view.fallback_html()
    view.close()


def test_the_sharding_magic_shows_a_view(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kerasbook")
    try:
        shell.user_ns["tiny"] = make_model()
        capsys.readouterr()
        shell.run_line_magic("sharding", "tiny")
        shown = capsys.readouterr().out  # a terminal shows the text fallback
        assert shown.startswith('ShardingView of model "small"') and "body/kernel" in shown
        with pytest.raises(NameError, match="no model named 'nothing'"):
            shell.run_line_magic("sharding", "nothing")
    finally:
        shell.run_line_magic("unload_ext", "kerasbook")
        shell.user_ns.pop("tiny", None)
    assert "sharding" not in shell.magics_manager.magics["line"]


def test_the_view_lets_the_model_go_and_close_removes_its_observers():
    import gc
    import weakref
    from kerasbook.widgets import observer_count
    model = make_model()
    view = ShardingView(model)
    assert observer_count(model) == len(model._flatten_layers())
    view.close()
    assert observer_count(model) == 0
    view = ShardingView(model)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
    view.refresh()
    assert view.svg == "" and view.note == 'Model "small" no longer exists.'
    view.close()
