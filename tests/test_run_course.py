"""tools/run_course.py: a notebook re-run in a real kernel keeps its widgets' state and is trusted;
a notebook whose cell fails is left as it was, and the others still run."""

import pathlib
import sys

import nbformat
import pytest
from nbformat.sign import NotebookNotary

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import run_course  # noqa: E402

pytestmark = pytest.mark.timeout(180)


def notebook_file(path, *cells):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_a_notebook_is_run_in_place_with_its_widget_state_and_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))  # a trust database of its own
    good = notebook_file(tmp_path / "good.ipynb", "%load_ext kerasbook",
                         "m = keras.Sequential([keras.Input((4,)), layers.Dense(2, name='d')])\n%live m")
    bad = notebook_file(tmp_path / "bad.ipynb", "1 / 0")
    before = bad.read_bytes()
    assert run_course.main([str(bad), str(good)]) == 1  # one failed: said in the exit status
    assert bad.read_bytes() == before  # left as it was
    notebook = nbformat.read(good, as_version=4)
    outputs = notebook.cells[1].outputs
    assert "d (Dense)" in outputs[0]["data"]["text/plain"] and "kerasbook-summary" in outputs[0]["data"]["text/html"]
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    summaries = [s["state"] for s in state.values() if s["model_name"] == "AnyModel"]
    assert summaries and "d (Dense)" in summaries[0]["html"] and "export default" in summaries[0]["_esm"]
    assert NotebookNotary(data_dir=str(tmp_path / "jupyter")).check_signature(notebook)
    assert not NotebookNotary(data_dir=str(tmp_path / "jupyter")).check_signature(
        nbformat.read(bad, as_version=4))
