"""Run the course once, each notebook in a fresh kernel, so that JAX's compilation cache holds its programs.

kerasbook keeps every program XLA compiles in a per-user folder (kerasbook/core/compile_cache.py), and
a kernel that meets the same program again loads it instead of compiling it. Running the course once
fills that folder: Binder's postBuild does it while the image is built, so the image ships a warm
cache and a student's first Run All is fast; `make warm` does the same on this machine.

    python binder/warm_cache.py [notebook.ipynb ...]      (default: every notebook in notebooks/)

Outputs are discarded: the notebooks are read, never written. A notebook that fails is reported and
the others still run; the exit status is then 1 (the cache simply lacks that notebook's programs).
"""

import pathlib
import sys
import time

import nbclient
import nbformat

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def run(notebook):
    """Execute every cell of `notebook` in a fresh kernel, in the notebook's folder."""
    nb = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}}).execute()


def main(notebooks):
    failed = []
    for notebook in notebooks:
        start = time.perf_counter()
        try:
            run(notebook)
        except Exception as error:  # one broken lesson must not stop the others from warming
            failed.append(notebook.name)
            print(f"warm_cache: {notebook.name} failed ({type(error).__name__}): "
                  f"{str(error).strip().splitlines()[-1] if str(error).strip() else ''}", flush=True)
            continue
        print(f"warm_cache: ran {notebook.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    chosen = [pathlib.Path(arg) for arg in sys.argv[1:]] or sorted(NOTEBOOKS.glob("*.ipynb"))
    sys.exit(main(chosen))
