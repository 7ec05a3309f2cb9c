"""Re-run the course and save each notebook with its widgets' state, trusted, so that every widget
shows when the notebook is opened, before any cell runs.

    .venv/bin/python tools/run_course.py                  every notebooks/*.ipynb   (make notebooks)
    .venv/bin/python tools/run_course.py a.ipynb b.ipynb  just those

For each notebook, in place:

1. nbclient runs it top to bottom in a fresh kernel (its folder as the working directory, the
   environment of `make`: KERAS_BACKEND=jax, JAX_PLATFORMS=cpu, PYTHONHASHSEED=0); a cell that fails
   stops that notebook, which is left as it was (the others still run; the exit status says so);
2. `store_widget_state=True`: the state of every widget the kernel made (traits, binary buffers, and
   for kerasbook's widgets their front-end module) is written into the notebook's metadata, where
   JupyterLab, nbviewer and jupyter-book find it without a kernel;
3. the notebook is signed in this machine's Jupyter trust database (`jupyter trust`): JupyterLab
   renders saved widget state, HTML with scripts and SVG only for trusted notebooks. A fresh clone's
   notebooks are untrusted until `make lab` or Binder's postBuild trusts them; until then the
   widgets' text/html fallbacks show their content.

The stored outputs are what strict nbval compares (`make nbval`), so run this on a machine without
network, as CI is (see README: data and weights without a network).
"""

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.sign import NotebookNotary

COURSE = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
ENVIRONMENT = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONHASHSEED": "0"}
CELL_TIMEOUT = 1800  # seconds: lesson 5 trains and draws VGG19-sized models on a CPU


def run_notebook(path, kernel_name="python3", timeout=CELL_TIMEOUT):
    """Run the notebook at `path` in a fresh kernel; write it back with outputs and widget state."""
    path = pathlib.Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=timeout, store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    for name, value in ENVIRONMENT.items():  # the kernel inherits this process's environment
        os.environ.setdefault(name, value)
    client.execute()
    nbformat.write(notebook, path)
    return notebook


def trust(path, data_dir=None):
    """Sign the notebook in the Jupyter trust database (`data_dir`: a Jupyter data folder, default
    this user's), as `jupyter trust path` does."""
    notary = NotebookNotary(data_dir=data_dir) if data_dir else NotebookNotary()
    notebook = nbformat.read(path, as_version=4)
    notary.sign(notebook)
    return notary.check_signature(notebook)


def widget_count(notebook):
    """How many widget models the notebook's saved state holds."""
    state = notebook["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return len(state.get("state", {}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to run (default: every notebooks/*.ipynb)")
    paths = parser.parse_args(argv).notebooks or sorted(COURSE.glob("*.ipynb"))
    failed = []
    for path in paths:
        start = time.perf_counter()
        try:
            notebook = run_notebook(path)
        except CellExecutionError as error:  # the next notebooks still run; this one is unchanged
            print(f"{path}: FAILED, left as it was:\n{error}", file=sys.stderr)
            failed.append(path)
            continue
        trusted = trust(path)
        print(f"{path}: ran in {time.perf_counter() - start:.0f} s, {widget_count(notebook)} widget models "
              f"saved, {'trusted' if trusted else 'NOT trusted'}")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
