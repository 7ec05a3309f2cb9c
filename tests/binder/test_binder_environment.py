"""Binder builds the course from `binder/` alone: this test does what repo2docker would, on this machine.

repo2docker copies the repository, starts from its own base environment (Python from runtime.txt with
JupyterLab, ipykernel and ipywidgets already there), runs `pip install -r binder/requirements.txt`,
then `binder/postBuild` from the repository's root. Here the base environment is a fresh virtual
environment with the Jupyter packages Binder's image provides, and nothing of the checkout's `.venv`
is visible. The welcome notebook, which the README's Binder badge opens, must then run without error.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WELCOME = "notebooks/00_welcome.ipynb"
# What Binder's base image brings before the repository's own requirements are installed.
BINDER_BASE = ["jupyterlab", "ipykernel", "ipywidgets", "nbclient", "nbformat"]

pytestmark = [pytest.mark.binder, pytest.mark.timeout(1200)]


def run(command, cwd, env):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (f"{command} failed ({result.returncode}):\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def copy_of_the_repository(destination):
    """The tracked files only, as a fresh clone has them (no .venv, no caches)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return destination


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    repo = copy_of_the_repository(tmp_path_factory.mktemp("repo"))
    runtime = (repo / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (
        f"binder/runtime.txt asks for {runtime}; this test can only build with the running Python")
    env_dir = tmp_path_factory.mktemp("binder") / "env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    environ = {key: value for key, value in os.environ.items()
               if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    environ["PATH"] = f"{bin_dir}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin"
    environ["VIRTUAL_ENV"] = str(env_dir)
    # postBuild warms JAX's compilation cache by running the course; here only the welcome notebook
    # (what the test runs), into a folder of the test's own.
    environ["KERASBOOK_CACHE_DIR"] = str(tmp_path_factory.mktemp("compilation-cache"))
    environ["KERASBOOK_WARM_NOTEBOOKS"] = WELCOME
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run(pip + BINDER_BASE, repo, environ)
    run(pip + ["-r", "binder/requirements.txt"], repo, environ)
    run(["bash", "binder/postBuild"], repo, environ)
    return repo, bin_dir, environ


def test_kerasbook_is_installed_from_binder_files_not_from_the_checkout(binder_env, tmp_path):
    repo, bin_dir, environ = binder_env
    where = run([str(bin_dir / "python"), "-c",
                 "import kerasbook, kerasbook.core.datasets.mnist as m, pathlib; "
                 "print(pathlib.Path(kerasbook.__file__).parent); "
                 "print((pathlib.Path(m.__file__).parent / 'mnist_sample.npz').is_file())"],
                tmp_path, environ).split()
    assert "site-packages" in where[0] and not where[0].startswith(str(ROOT)), where
    assert where[1] == "True", "the offline MNIST sample must ship with the package for the course"


def kept_programs(environ):
    """{program file: its last-access stamp} in the compilation cache (JAX's LRU stamps every read)."""
    folder = pathlib.Path(environ["KERASBOOK_CACHE_DIR"])
    return {path.name: path.read_bytes() for path in folder.glob("*/*-atime")}


def test_the_welcome_notebook_runs_in_the_binder_environment(binder_env):
    repo, bin_dir, environ = binder_env
    warmed = kept_programs(environ)
    assert warmed, "postBuild should have run the welcome notebook and kept its compiled programs"
    script = (
        "import nbformat, nbclient, sys\n"
        f"nb = nbformat.read({WELCOME!r}, as_version=4)\n"
        "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3',\n"
        "                        resources={'metadata': {'path': 'notebooks'}}).execute()\n"
        f"nbformat.write(nb, 'executed.ipynb')\n")
    run([str(bin_dir / "python"), "-c", script], repo, environ)
    executed = json.loads((repo / "executed.ipynb").read_text())
    outputs = [o for cell in executed["cells"] for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in outputs)
    assert "kerasbook" in text and "Total params" in text
    after = kept_programs(environ)
    assert after.keys() == warmed.keys(), "the warm cache held every program the notebook needed"
    assert [name for name in warmed if after[name] != warmed[name]], "and the notebook read them"


def test_readme_badge_opens_jupyterlab_on_the_welcome_notebook():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\((?P<url>[^)]+)\)", readme)
    assert badge, "README.md needs a Binder badge"
    url = badge.group("url")
    assert re.fullmatch(r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/HEAD\?urlpath=lab/tree/(?P<path>\S+)",
                        url), url
    assert url.endswith(WELCOME) and (ROOT / WELCOME).is_file()
