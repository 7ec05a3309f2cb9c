"""The package imports, and pyproject.toml declares what `make lab`, `make test` and Binder rely on."""

import importlib.metadata
import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def names(requirements):
    """'ipywidgets>=8' -> 'ipywidgets': the distribution names of a list of requirement strings."""
    return {re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower() for requirement in requirements}


def test_kerasbook_imports_from_this_checkout_with_the_declared_version():
    import kerasbook

    assert pathlib.Path(kerasbook.__file__).resolve().parent == ROOT / "kerasbook"
    assert kerasbook.__version__ == PYPROJECT["project"]["version"]
    assert importlib.metadata.version("kerasbook") == PYPROJECT["project"]["version"]


def test_top_level_names_of_keras_used_by_the_guides_exist():
    import keras
    import kerasbook

    for name in ["Input", "InputSpec", "Layer", "Model", "Sequential", "Variable", "KerasTensor", "Operation",
                 "Initializer", "Regularizer", "Loss", "Metric", "Optimizer", "layers", "models", "ops",
                 "activations", "initializers", "regularizers", "random", "losses", "metrics", "optimizers",
                 "callbacks", "saving", "utils", "backend", "config", "datasets", "applications"]:
        assert hasattr(keras, name) and getattr(kerasbook, name) is not None, name
    for base in ["Initializer", "Regularizer", "Loss", "Metric", "Optimizer"]:
        assert getattr(kerasbook, base).__name__ == base
    assert kerasbook.version() == kerasbook.__version__


def test_runtime_and_extra_dependencies_are_declared():
    project = PYPROJECT["project"]
    assert project["requires-python"] == ">=3.11"
    assert {"jax", "jaxlib", "optax", "h5py", "numpy", "ipywidgets", "ipython", "graphviz",
            "matplotlib", "pillow"} <= names(project["dependencies"])
    assert "ipywidgets>=8" in project["dependencies"]
    assert {"keras", "pytest", "pytest-timeout", "nbval", "nbformat", "nbclient", "ipykernel", "jupyterlab",
            "playwright"} <= names(project["optional-dependencies"]["test"])
    assert names(project["optional-dependencies"]["lab"]) == {"jupyterlab"}


def test_pytest_knows_the_markers_and_has_a_timeout():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests"]
    assert options["timeout"] > 0
    declared = {marker.split(":")[0] for marker in options["markers"]}
    assert {"browser", "slow"} <= declared


def test_widget_static_files_would_ship_with_the_package():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["kerasbook"]
    assert "widgets/static/*" in patterns


def requirement_lines(path):
    """The requirements of a pip file: no comments, no options (`-c other.txt`)."""
    return [line for line in path.read_text().splitlines()
            if line.strip() and not line.startswith(("#", "-"))]


def test_binder_installs_the_same_runtime_dependencies():
    binder = ROOT / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    assert "graphviz" in (binder / "apt.txt").read_text().split()
    lines = requirement_lines(binder / "requirements.txt")
    assert names(lines) == names(PYPROJECT["project"]["dependencies"]) - {"ipython"}
    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable for repo2docker to run it"


def test_one_lock_file_pins_every_dependency_for_make_and_binder():
    lock = requirement_lines(ROOT / "requirements.lock")
    pins = dict(line.split("==") for line in lock)
    assert all(len(line.split("==")) == 2 for line in lock), "pip freeze style: name==version"
    assert "kerasbook" not in {name.lower() for name in pins}
    declared = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    missing = names(declared) - {name.lower().replace("_", "-") for name in pins}
    assert not missing, f"not in requirements.lock (run `make lock`): {sorted(missing)}"
    # Both installs use it as constraints: Binder's requirements and make's set-up.
    assert "-c ../requirements.lock" in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    makefile = (ROOT / "Makefile").read_text()
    assert 'pip install -q -c $(LOCK) -e ".[test]"' in makefile and "LOCK := requirements.lock" in makefile


def test_this_environment_has_the_locked_versions():
    """The suite runs on the versions the lock names (make setup installs them): a package upgraded
    by hand in .venv shows here, before a lesson breaks on Binder with the lock's version."""
    pins = dict(line.split("==") for line in requirement_lines(ROOT / "requirements.lock"))
    installed = {dist.metadata["Name"].lower().replace("_", "-"): dist.version
                 for dist in importlib.metadata.distributions()}
    differ = {name: (version, installed[name.lower().replace("_", "-")]) for name, version in pins.items()
              if installed.get(name.lower().replace("_", "-"), version) != version}
    assert not differ, f"locked vs installed (make setup, or make lock then make test): {differ}"
