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
