"""Imports point one way: widgets -> viz -> core. Read from the source with `ast`, not by running it.

- `kerasbook.core` (the engine) imports neither `kerasbook.viz` nor `kerasbook.widgets` nor the
  IPython extension, not even inside a function: the engine must run without any drawing code;
- `kerasbook.viz` (drawing) never imports `kerasbook.widgets`;
- `kerasbook.core.models` does not import `kerasbook.core.saving` at import time (module level):
  saving needs the models, and a model file that imports saving at the top makes a cycle; a function
  that saves may import it when it runs.

A failure names the file, the line and the import, so the fix is one look away.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kerasbook"


def module_name(path):
    """kerasbook/core/models/model.py -> 'kerasbook.core.models.model' (a package: its __init__)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path):
    """Every import in the file: `(line, imported module, at_import_time)`.

    `at_import_time` is False for an import inside a function (it runs only when the function does).
    `from a import b` counts as importing `a.b` as well as `a`: `b` may be a submodule.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name, not in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = resolve(child.module, child.level, package)
                found.append((child.lineno, base, not in_function))
                found.extend((child.lineno, f"{base}.{alias.name}", not in_function) for alias in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def resolve(module, level, package):
    """The absolute name of `from <dots><module> import ...` written in `package`."""
    if level == 0:
        return module
    base = package.split(".")
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def within(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def sources(under):
    return sorted((PACKAGE / under).rglob("*.py")) if under else sorted(PACKAGE.rglob("*.py"))


def violations(files, forbidden, only_at_import_time=False):
    """Lines `file:line imports name` for imports of a `forbidden` package."""
    found = []
    for path in files:
        for line, name, at_import_time in imports(path):
            if only_at_import_time and not at_import_time:
                continue
            if any(within(name, bad) for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_core_imports_neither_viz_nor_widgets_nor_the_extension():
    assert violations(sources("core"), ["kerasbook.viz", "kerasbook.widgets", "kerasbook.extension"]) == []


def test_viz_does_not_import_widgets_or_the_extension():
    assert violations(sources("viz"), ["kerasbook.widgets", "kerasbook.extension"]) == []


def test_models_do_not_import_saving_at_import_time():
    assert violations(sources("core/models"), ["kerasbook.core.saving"], only_at_import_time=True) == []


# -- the checker itself: it must see what it is meant to catch --------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("import kerasbook.widgets\n", [(1, "kerasbook.widgets", True)]),
    ("def f():\n    from kerasbook.viz import diagrams\n",
     [(2, "kerasbook.viz", False), (2, "kerasbook.viz.diagrams", False)]),
    ("from ..saving import keras_file\n",
     [(1, "kerasbook.core.saving", True), (1, "kerasbook.core.saving.keras_file", True)]),
    ("class A:\n    from . import graph\n",
     [(2, "kerasbook.core.models", True), (2, "kerasbook.core.models.graph", True)]),
])
def test_the_checker_resolves_imports_and_knows_when_they_run(tmp_path, source, expected):
    probe = tmp_path / "kerasbook" / "core" / "models" / "probe.py"  # as if it were in the package
    probe.parent.mkdir(parents=True)
    probe.write_text(source)
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert imports(probe) == expected
        caught = violations([probe], ["kerasbook.viz", "kerasbook.core.saving"], only_at_import_time=True)
        assert caught == [f"kerasbook/core/models/probe.py:{line} imports {name}"
                          for line, name, at in expected if at and "saving" in name]
    finally:
        ROOT = saved


# -- cycles between packages, hidden by imports inside functions ------------------------------------
#
# An import inside a function runs late, so Python never sees a cycle it closes; the packages still
# depend on each other both ways, and the next top-level import between them breaks `import kerasbook`.
# A "place" is a package under kerasbook/core (engine, layers, models, saving, ...) or one of its loose
# modules (tree, random, catalog, ...). Every function-local import that closes a cycle of top-level
# imports between places is listed here with the reason it stays; a new one fails the test, and an
# entry that no longer closes a cycle must be removed.
KNOWN_LATE_IMPORTS = {
    # saving/ owns the config format; each namespace's serialize/deserialize/get hands over to it
    ("kerasbook.core.activations", "kerasbook.core.saving"): "activations.serialize / deserialize",
    ("kerasbook.core.backend", "kerasbook.core.saving"): "keras.config.enable_unsafe_deserialization",
    ("kerasbook.core.catalog", "kerasbook.core.saving"): "catalog.get on a config dict",
    ("kerasbook.core.layers", "kerasbook.core.saving"): "layers.serialize / deserialize, Lambda",
    ("kerasbook.core.models", "kerasbook.core.saving"): "Model.save, to_json, from_config, clone_model",
    ("kerasbook.core.training", "kerasbook.core.saving"): "losses / metrics deserialize",
    # the engine's Variable is below random and initializers; its Layer resolves their names
    ("kerasbook.core.engine", "kerasbook.core.initializers"): "add_weight(initializer='zeros')",
    ("kerasbook.core.engine", "kerasbook.core.random"): "a Variable's initial value drawn when first read",
}


def place(module):
    """'kerasbook.core.engine.layer' -> 'kerasbook.core.engine'; 'kerasbook.viz.diagrams' -> 'kerasbook.viz'."""
    parts = module.split(".")
    if parts[0] != "kerasbook" or len(parts) < 2:
        return None
    if parts[1] != "core":
        return ".".join(parts[:2])
    return ".".join(parts[:3]) if len(parts) >= 3 else None


def import_edges(files):
    """{(place, imported place): [(file:line, at_import_time), ...]} for imports between places."""
    edges = {}
    for path in files:
        source = place(module_name(path))
        for line, name, at_import_time in imports(path):
            target = place(name)
            if source and target and target != source:
                edges.setdefault((source, target), []).append(
                    (f"{path.relative_to(ROOT)}:{line}", at_import_time))
    return edges


def reaches(edges, start, goal):
    """Whether `goal` is reached from `start` by imports that run at import time."""
    top_level = {}
    for (source, target), sites in edges.items():
        if any(at for _, at in sites):
            top_level.setdefault(source, set()).add(target)
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        for following in top_level.get(current, ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return False


def hidden_cycles(edges):
    """Late (function-local) imports A -> B where B already reaches A at import time."""
    return {pair: [site for site, _ in sites] for pair, sites in edges.items()
            if not any(at for _, at in sites) and reaches(edges, pair[1], pair[0])}


def test_no_import_cycle_between_packages_at_import_time():
    edges = import_edges(sources(None))
    cycles = [f"{a} -> {b} ({sites[0][0]})" for (a, b), sites in edges.items()
              if any(at for _, at in sites) and reaches(edges, b, a)]
    assert cycles == []


def test_no_new_function_local_import_hides_a_cycle():
    found = hidden_cycles(import_edges(sources(None)))
    new = {pair: sites[:3] for pair, sites in found.items() if pair not in KNOWN_LATE_IMPORTS}
    assert new == {}, "a function-local import closes a cycle between packages: " + str(new)
    stale = set(KNOWN_LATE_IMPORTS) - set(found)
    assert not stale, f"no longer a cycle, remove from KNOWN_LATE_IMPORTS: {sorted(stale)}"


def test_the_cycle_check_sees_a_late_import_that_closes_a_cycle(tmp_path):
    """A made-up tree: layers imports engine at the top; engine imports layers inside a function."""
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        core = tmp_path / "kerasbook" / "core"
        (core / "engine").mkdir(parents=True)
        (core / "layers").mkdir()
        (core / "layers" / "dense.py").write_text("from kerasbook.core.engine import layer\n")
        (core / "engine" / "layer.py").write_text("def get():\n    from kerasbook.core.layers import dense\n")
        edges = import_edges(sorted(tmp_path.rglob("*.py")))
        assert hidden_cycles(edges) == {("kerasbook.core.engine", "kerasbook.core.layers"):
                                        ["kerasbook/core/engine/layer.py:2", "kerasbook/core/engine/layer.py:2"]}
    finally:
        ROOT = saved
