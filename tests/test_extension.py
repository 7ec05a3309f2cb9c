"""`%load_ext kerasbook` in a real IPython shell: names, displays, magics, and unloading."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

import kerasbook
from kerasbook.core.models.summary import summary_text


@pytest.fixture
def shell(capsys):
    ip = InteractiveShell.instance()
    for name in ("keras", "layers", "ops", "np", "m", "d", "y", "s"):
        ip.user_ns.pop(name, None)
    yield ip
    ip.run_line_magic("unload_ext", "kerasbook")
    for name in ("np", "m", "d", "y", "s"):
        ip.user_ns.pop(name, None)


def load(ip, capsys):
    ip.run_line_magic("load_ext", "kerasbook")
    return capsys.readouterr().out


def build(ip):
    result = ip.run_cell(
        "inp = keras.Input((4,), name='x')\n"
        "d = layers.Dense(3, name='dense')\n"
        "y = d(inp)\n"
        "m = keras.Model(inp, y, name='m')\n")
    assert result.success, result.error_in_exec


def test_load_adds_names_but_leaves_the_users_alone(shell, capsys):
    shell.user_ns["np"] = "mine"
    from kerasbook.core import compile_cache
    assert load(shell, capsys) == f"kerasbook: added keras, layers, ops\n{compile_cache.describe()}\n"
    assert shell.user_ns["keras"] is kerasbook and shell.user_ns["np"] == "mine"
    assert shell.user_ns["layers"] is kerasbook.layers and shell.user_ns["ops"] is kerasbook.ops


def test_displays(shell, capsys):
    load(shell, capsys)
    build(shell)
    fmt = shell.display_formatter.format
    data, _ = fmt(shell.user_ns["m"])
    assert data["text/plain"] == summary_text(shell.user_ns["m"])
    assert '<table class="kerasbook-summary"' in data["text/html"] and ">dense (Dense)</td>" in data["text/html"]
    data, _ = fmt(shell.user_ns["d"])
    assert data["text/plain"] == "<Dense name=dense, built=True>"
    assert '<td class=num style="text-align:right">15</td>' in data["text/html"]  # as in a summary
    data, _ = fmt(shell.user_ns["y"])
    assert data == {"text/plain": "<KerasTensor shape=(None, 3), dtype=float32, made by dense[0]>"}
    kernel = shell.user_ns["d"].kernel
    kernel.assign(kernel.numpy() * 0 + 0.5)
    data, _ = fmt(kernel)
    assert data["text/plain"] == ("<Variable path=dense/kernel, shape=(4, 3), dtype=float32, "
                                  "value=[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, ...]>")
    shell.run_cell("s = keras.Sequential([layers.Dense(2, name='lonely')], name='s')")
    data, _ = fmt(shell.user_ns["s"])
    assert data["text/plain"].startswith('Model: "s"') and "0 (unbuilt)" in data["text/html"]


def test_magics(shell, capsys):
    load(shell, capsys)
    build(shell)
    shell.run_line_magic("summary", "m")
    assert capsys.readouterr().out == summary_text(shell.user_ns["m"]) + "\n"
    shell.run_line_magic("graph", "m")
    assert capsys.readouterr().out.strip() == 'GraphView of model "m": 1 call, selected dense [node 0]'
    shell.run_line_magic("nodes", "m")
    assert capsys.readouterr().out.strip() == "<Diagram m (nodes): 2 boxes>"
    with pytest.raises(NameError, match="no model named 'nothing'"):
        shell.run_line_magic("summary", "nothing")


def test_unload_takes_everything_back_except_rebound_names(shell, capsys):
    load(shell, capsys)
    build(shell)
    shell.user_ns["layers"] = "rebound by the user"
    shell.run_line_magic("unload_ext", "kerasbook")
    assert "keras" not in shell.user_ns and "ops" not in shell.user_ns and "np" not in shell.user_ns
    assert shell.user_ns["layers"] == "rebound by the user"
    data, _ = shell.display_formatter.format(shell.user_ns["m"])
    assert data == {"text/plain": "<Functional name=m, built=True>"}
    for magic in ("summary", "graph", "nodes"):
        assert magic not in shell.magics_manager.magics["line"]
    for obj in (shell.user_ns["y"], shell.user_ns["d"].kernel):
        assert shell.display_formatter.format(obj)[0] == {"text/plain": repr(obj)}
    shell.user_ns.pop("layers")
    shell.run_line_magic("load_ext", "kerasbook")  # loads again after an unload
    assert "kerasbook: added keras, layers, ops, np" in capsys.readouterr().out


def test_unload_gives_back_the_display_and_magic_that_were_there_before(shell, capsys):
    from kerasbook.core.engine.layer import Layer
    plain = shell.display_formatter.formatters["text/plain"]
    plain.for_type(Layer, lambda layer, p, cycle: p.text("the user's own"))
    shell.register_magic_function(lambda line: print("the user's summary"), "line", "summary")
    try:
        load(shell, capsys)
        build(shell)
        shell.run_line_magic("unload_ext", "kerasbook")
        assert shell.display_formatter.format(shell.user_ns["d"])[0]["text/plain"] == "the user's own"
        shell.run_line_magic("summary", "m")
        assert capsys.readouterr().out == "the user's summary\n"
    finally:
        plain.pop(Layer, None)
        shell.magics_manager.magics["line"].pop("summary", None)


def test_import_kerasbook_does_not_import_the_notebook_libraries():
    import subprocess
    import sys
    code = ("import sys, kerasbook; heavy = [m for m in ('ipywidgets', 'matplotlib', 'graphviz', "
            "'IPython', 'kerasbook.widgets', 'kerasbook.viz') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
