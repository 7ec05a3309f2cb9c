"""How much of Keras 3's public API kerasbook has: by names, and weighted by how often keras-io uses them.

    .venv/bin/python benchmarks/api_coverage.py [--top 30]

Keras's public API is every public object reachable from `import keras` through its public namespaces
(`keras.layers.Dense`, `keras.ops.image.resize`, `keras.Input`, ...; not `keras.src` nor `keras._tf_keras`),
each path counted once: `ops.relu` and `ops.nn.relu` are two names, as they are two ways to write it.
A name is covered when the same path resolves in kerasbook (`kerasbook.layers.Dense`).

The usage weights (benchmarks/data/keras_io_usage.json) count, for each name, the sampled keras-io guides
and examples that use it; the weighted figure is the share of those uses whose name kerasbook has. Names
the sample uses that Keras 3.15 no longer has (tf.keras-era guides) are listed and left out.
"""

import argparse
import collections
import importlib
import json
import os
import pathlib
import sys
import types

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

USAGE_FILE = pathlib.Path(__file__).parent / "data" / "keras_io_usage.json"
IMPLEMENTATION = {"src"}  # keras.src holds the code behind the API, not the API
NAMES_GOAL, WEIGHTED_GOAL = 90.0, 98.0  # issue 17's goal, in percent

Coverage = collections.namedtuple("Coverage", "total covered weighted_total weighted_covered missing unknown_usage")


def public_names(package, root=None):
    """{dotted path: object} of every public object of `package`, through its public submodules."""
    root = root or package.__name__
    names = {}
    for attribute in dir(package):
        if attribute.startswith("_") or (package.__name__ == root and attribute in IMPLEMENTATION):
            continue
        value = getattr(package, attribute)
        path = f"{package.__name__}.{attribute}"[len(root) + 1:]
        if isinstance(value, types.ModuleType):
            if value.__name__ == f"{package.__name__}.{attribute}":  # a namespace of this API, not an import
                names.update(public_names(value, root))
        else:
            names[path] = value
    return names


def resolves(package, path):
    """Whether `package.<path>` exists (an attribute, or a module that imports)."""
    value = package
    for i, part in enumerate(path.split(".")):
        try:
            value = getattr(value, part)
        except AttributeError:
            try:
                value = importlib.import_module(".".join([package.__name__] + path.split(".")[:i + 1]))
            except Exception:
                return False
        except Exception:
            return False
    return True


def is_keras_path(keras_names, path):
    """A name Keras has, or a namespace of names it has (`datasets.mnist`)."""
    return path in keras_names or any(name.startswith(path + ".") for name in keras_names)


def coverage(keras_package, ours_package, usage):
    """The figures, computed: `usage` is {name: number of files that use it}."""
    keras_names = public_names(keras_package)
    covered = {path for path in keras_names if resolves(ours_package, path)}
    used = {path: count for path, count in usage.items() if is_keras_path(keras_names, path)}
    used_covered = {path: count for path, count in used.items() if resolves(ours_package, path)}
    missing = collections.Counter({path: count for path, count in used.items() if path not in used_covered})
    for path in keras_names:  # never used in the sample: weight 0, still listed after the used ones
        if path not in covered:
            missing.setdefault(path, 0)
    return Coverage(len(keras_names), len(covered), sum(used.values()), sum(used_covered.values()),
                    missing, sorted(set(usage) - set(used)))


def by_namespace(keras_package, ours_package):
    """[(namespace, names, covered)] for the table of where the gaps are."""
    rows = collections.defaultdict(lambda: [0, 0])
    for path in public_names(keras_package):
        namespace = path.rsplit(".", 1)[0] if "." in path else "(keras)"
        rows[namespace][0] += 1
        rows[namespace][1] += resolves(ours_package, path)
    return sorted((ns, total, done) for ns, (total, done) in rows.items())


def percent(part, whole):
    return 100.0 * part / whole if whole else 0.0


def report(result, usage_data, namespaces, top):
    """The text printed: both figures, the goal, the table by namespace and the most-used missing names."""
    lines = [
        f"Keras {usage_data['keras_version']} public API: {result.total} names.",
        f"kerasbook has {result.covered} of them: {percent(result.covered, result.total):.1f}% "
        f"(goal {NAMES_GOAL:.0f}%).",
        f"Weighted by keras-io usage ({len(usage_data['files'])} files, {result.weighted_total} uses of names "
        f"Keras has): {percent(result.weighted_covered, result.weighted_total):.1f}% (goal {WEIGHTED_GOAL:.0f}%).",
        "", "By namespace (covered / names):"]
    lines += [f"  {ns:<34} {done:>4} / {total:<4}" for ns, total, done in namespaces if done < total]
    lines += ["", f"Most-used missing names (uses in the sample, then names never used there):"]
    lines += [f"  {count:>3}  {path}" for path, count in
              sorted(result.missing.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    if result.unknown_usage:
        lines += ["", "Used in the sample but not in Keras 3.15 (left out): " + ", ".join(result.unknown_usage)]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=30, help="how many missing names to list")
    args = parser.parse_args(argv)
    import keras
    import kerasbook
    usage_data = json.loads(USAGE_FILE.read_text())
    usage_data["keras_version"] = keras.__version__
    result = coverage(keras, kerasbook, usage_data["counts"])
    print(report(result, usage_data, by_namespace(keras, kerasbook), args.top))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    main()
