"""benchmarks/api_coverage.py computes the coverage figures it prints (issue 17's closing note): on a
made-up API with known answers, on the real packages (the printed numbers are the computed ones, and
they move when kerasbook loses a name), and from a usage table whose counts are its files' names.
The figures are not asserted to reach the goal: that is the coordinator's reading, not a test."""

import importlib.util
import json
import pathlib
import re
import sys
import types

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "benchmarks" / "api_coverage.py")
api_coverage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(api_coverage)


def package(name, **members):
    """A module tree: members that are dicts become submodules named `name.member`."""
    module = types.ModuleType(name)
    for key, value in members.items():
        setattr(module, key, package(f"{name}.{key}", **value) if isinstance(value, dict) else value)
    return module


def test_figures_of_a_made_up_api_are_the_known_ones():
    theirs = package("theirs", Input=object(), layers={"Dense": object(), "Conv2D": object()},
                     ops={"relu": len, "image": {"resize": len}}, src={"hidden": object()}, _private=object())
    ours = package("ours", Input=object(), layers={"Dense": object()}, ops={"relu": len})
    usage = {"layers.Dense": 5, "layers.Conv2D": 2, "ops.image": 1, "Input": 2, "backend.std": 4}
    result = api_coverage.coverage(theirs, ours, usage)
    assert sorted(api_coverage.public_names(theirs)) == ["Input", "layers.Conv2D", "layers.Dense", "ops.image.resize",
                                                         "ops.relu"]
    assert (result.total, result.covered) == (5, 3)
    assert (result.weighted_total, result.weighted_covered) == (10, 7)  # backend.std is no Keras name: left out
    assert list(result.missing.most_common()) == [("layers.Conv2D", 2), ("ops.image", 1), ("ops.image.resize", 0)]
    assert result.unknown_usage == ["backend.std"]


def test_an_imported_module_is_not_taken_for_a_namespace():
    theirs = package("theirs", layers={"Dense": object()})
    theirs.layers.np = types.ModuleType("numpy")  # `import numpy as np` inside a namespace module
    assert list(api_coverage.public_names(theirs)) == ["layers.Dense"]


def test_the_usage_table_counts_the_names_of_its_files():
    data = json.loads(api_coverage.USAGE_FILE.read_text())
    assert data["repository"] == "keras-team/keras-io" and len(data["files"]) >= 30
    recount = {}
    for path, read in data["files"].items():
        assert path.startswith(("guides/", "examples/")) and path.endswith(".py")
        assert re.fullmatch(r"[0-9a-f]{40}", read["commit"])
        assert len(read["names"]) == len(set(read["names"]))  # a file counts once per name
        for name in read["names"]:
            recount[name] = recount.get(name, 0) + 1
    assert data["counts"] == recount


@pytest.fixture(scope="module")
def real_run():
    import keras
    import kerasbook
    from contextlib import redirect_stdout
    from io import StringIO
    printed = StringIO()
    with redirect_stdout(printed):
        result = api_coverage.main(["--top", "10"])
    return keras, kerasbook, result, printed.getvalue()


def test_the_printed_figures_are_the_computed_ones(real_run):
    keras, kerasbook, result, text = real_run
    names = re.search(r"kerasbook has (\d+) of them: ([\d.]+)%", text)
    weighted = re.search(r"\((\d+) files, (\d+) uses of names Keras has\): ([\d.]+)%", text)
    assert int(names.group(1)) == result.covered and f"{result.total} names" in text
    assert float(names.group(2)) == round(100 * result.covered / result.total, 1)
    assert int(weighted.group(2)) == result.weighted_total
    assert float(weighted.group(3)) == round(100 * result.weighted_covered / result.weighted_total, 1)
    assert 1000 < result.total < 3000 and 0 < result.covered < result.total
    listed = re.findall(r"^\s+(\d+)  (\S+)$", text.split("Most-used missing names")[1], re.M)
    assert len(listed) == 10 and [int(c) for c, _ in listed] == sorted((int(c) for c, _ in listed), reverse=True)
    assert all(not api_coverage.resolves(kerasbook, path) for _, path in listed)


def test_the_figures_fall_when_kerasbook_loses_a_used_name(real_run, monkeypatch):
    keras, kerasbook, before, _ = real_run
    usage = json.loads(api_coverage.USAGE_FILE.read_text())["counts"]
    monkeypatch.delattr(kerasbook.layers, "Dense")
    after = api_coverage.coverage(keras, kerasbook, usage)
    assert after.covered == before.covered - 1
    assert after.weighted_covered == before.weighted_covered - usage["layers.Dense"]
    assert after.missing.most_common(1) == [("layers.Dense", usage["layers.Dense"])]
