"""Core-engine speed against Keras 3 (JAX backend), measured in one run; prints the ratios.

    .venv/bin/python benchmarks/bench_core.py

Targets (issue: the core engine): eager call of the Sequential guide's three-Dense model on
ones((3, 3)) <= 0.3x Keras; building a functional chain of 300 Dense layers <= 0.35x; its summary()
<= 0.35x; `import kerasbook` <= 1.3x `import jax, optax`. Each in-process figure is the best of
several runs, so that a busy machine does not decide the result; the imports, which start a fresh
interpreter each time, are compared round by round (the median of the rounds' ratios; the times
shown are medians).

Issue 15 (every namespace a real module, ops as graph nodes) asks that `import kerasbook` stay as
quick as it was when the issue was filed: within 10% of the code at commit `BEFORE_ISSUE_15`. That
code is checked out in a temporary git worktree and its import timed in the same rounds as today's
(one round: each statement once, in turn), so both see the same machine. Without git history (an
archive rather than a clone) that row is left out, and says so.

The import is timed from byte-compiled files on both sides. pip wrote `.pyc` files for jax and optax
when it installed them; kerasbook is an editable install, and with PYTHONDONTWRITEBYTECODE=1 (set on
some machines) Python would compile its sources again in every fresh interpreter. So the script first
byte-compiles the kerasbook package into its `__pycache__` folders (gitignored), as a regular
`pip install` does, and only then times it.
"""

import compileall
import os
import pathlib
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402


def best_time(fn, repeat=5, number=1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


ROOT = pathlib.Path(__file__).resolve().parents[1]
BEFORE_ISSUE_15 = "9d82110"  # the last commit before work on issue 15 began
ENGINE_IMPORT = "import kerasbook; kerasbook.layers.Dense; kerasbook.Model; kerasbook.ops"


def byte_compile_kerasbook(tree=ROOT):
    """Write kerasbook's `.pyc` files, as pip does for an installed package (see the docstring)."""
    package = pathlib.Path(tree) / "kerasbook"
    if not compileall.compile_dir(package, quiet=1):
        raise RuntimeError(f"could not byte-compile {package}")


def import_times(runs, rounds=15):
    """{name: [wall time of a fresh interpreter running `statement` in `folder`, minus an empty
    interpreter's, for each round]} for `runs` = {name: (statement, folder)}. `python -c` puts its
    working folder first on sys.path, so `import kerasbook` there loads that folder's copy.

    The statements take turns within each round, and ratios are taken within a round and then their
    median (`paired_ratio`): on a shared machine whose speed drifts by 10-40% from one second to the
    next, the best time of each statement alone could come from different moments."""
    def run(code, folder):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=folder)
        return time.perf_counter() - start
    times = {name: [] for name in runs}
    for _ in range(rounds):
        empty = run("pass", ROOT)
        for name, (statement, folder) in runs.items():
            times[name].append(run(statement, folder) - empty)
    return times


def paired_ratio(ours, reference):
    """The median over rounds of ours / reference, each pair timed in the same round."""
    return float(np.median([a / b for a, b in zip(ours, reference)]))


def worktree_before_issue_15(folder):
    """Check out BEFORE_ISSUE_15 into `folder` (a git worktree); False when there is no git history."""
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder),
                           BEFORE_ISSUE_15], capture_output=True, text=True)
    return made.returncode == 0


def import_rows():
    """The import rows: today's kerasbook against `import jax, optax`, and against itself before
    issue 15 (each loads its own copy: the statement checks which file it imported)."""
    with tempfile.TemporaryDirectory() as scratch:
        before = pathlib.Path(scratch) / "before-issue-15"
        runs = {"ours": (f"{ENGINE_IMPORT}; assert kerasbook.__file__.startswith({str(ROOT)!r})", ROOT),
                "jax": ("import jax, optax", scratch)}
        byte_compile_kerasbook()
        have_before = worktree_before_issue_15(before)
        if have_before:
            byte_compile_kerasbook(before)
            runs["before"] = (f"{ENGINE_IMPORT}; assert kerasbook.__file__.startswith({str(before)!r})",
                              before)
        try:
            times = import_times(runs)
        finally:
            if have_before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                               check=True)
    median = lambda name: float(np.median(times[name]))
    rows = [("import kerasbook + engine vs jax, optax", median("ours"), median("jax"), 1.3,
             paired_ratio(times["ours"], times["jax"]))]
    if have_before:
        rows.append((f"import kerasbook + engine vs {BEFORE_ISSUE_15}", median("ours"), median("before"), 1.1,
                     paired_ratio(times["ours"], times["before"])))
    else:
        print(f"(no git history here: the import before issue 15, {BEFORE_ISSUE_15}, is not measured)")
    return rows


def eager_call(keras):
    layers = keras.layers
    model = keras.Sequential([layers.Dense(2, activation="relu", name="layer1"),
                              layers.Dense(3, activation="relu", name="layer2"),
                              layers.Dense(4, name="layer3")])
    x = keras.ops.ones((3, 3))
    model(x)  # build and compile once; then time the steady state
    return best_time(lambda: np.asarray(model(x)), repeat=5, number=200)


def chain(keras, depth=300):
    def build():
        x = inputs = keras.Input((32,))
        for _ in range(depth):
            x = keras.layers.Dense(32)(x)
        return keras.Model(inputs, x)
    build_time = best_time(build, repeat=3)
    model = build()
    summary_time = best_time(lambda: model.summary(line_length=100, print_fn=lambda *a, **k: None),
                             repeat=5)
    return build_time, summary_time


def main():
    import keras as real_keras

    import kerasbook

    rows = []
    ours, theirs = eager_call(kerasbook), eager_call(real_keras)
    rows.append(("eager call, 3 Dense on ones((3, 3))", ours, theirs, 0.3))
    (ours_build, ours_summary), (theirs_build, theirs_summary) = chain(kerasbook), chain(real_keras)
    rows.append(("build a 300-Dense functional chain", ours_build, theirs_build, 0.35))
    rows.append(("summary() of that chain", ours_summary, theirs_summary, 0.35))
    # `import kerasbook` alone loads nothing heavy; time what a notebook's first cell really pays:
    # the package plus its engine (layers, models, ops), against `import jax, optax`, both from .pyc files.
    rows.extend(import_rows())

    print(f"{'measure':42} {'kerasbook':>11} {'reference':>11} {'ratio':>7} {'target':>7}")
    for name, ours, ref, target, *paired in rows:
        ratio = paired[0] if paired else ours / ref  # the imports: the median of per-round ratios
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{name:42} {ours * 1e3:9.3f}ms {ref * 1e3:9.3f}ms {ratio:7.3f} {target:7.2f} {verdict}")


if __name__ == "__main__":
    main()
