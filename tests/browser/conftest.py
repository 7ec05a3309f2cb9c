"""A real JupyterLab on localhost and a real headless Chromium (Debian's), driven by Playwright.

Browsers cannot be downloaded here, so Playwright is pointed at /usr/bin/chromium. The server runs in
a temporary copy of notebooks/ (plus the notebooks a test writes), with its own Jupyter config, data
and settings folders so nothing from the user's home changes what the test sees. The kernel is the
venv's: the server runs on this interpreter and finds the venv's `python3` kernelspec first.
Screenshots go to test-artifacts/.

    .venv/bin/python -m pytest -m browser tests/browser      (or: make browser)
"""

import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 90


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: where its files live (`root`) and how to reach it (`url`, `api`)."""

    def __init__(self, root, port, token):
        self.root, self.port, self.token = root, port, token

    def url(self, path):
        """A URL with the token; JupyterLab pages get `reset`, so each page starts from an empty
        workspace instead of reopening what an earlier test left open."""
        reset = "&reset" if path.startswith("lab") else ""
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}{reset}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def write_notebook(self, name, cells):
        """A notebook of code cells (strings) for the venv's python3 kernel."""
        notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}",
                               "metadata": {}, "outputs": [], "source": source}
                              for i, source in enumerate(cells)],
                    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                "language": "python"}},
                    "nbformat": 4, "nbformat_minor": 5}
        (self.root / name).write_text(json.dumps(notebook))
        return name


def _stop(process, lab):
    """Shut the kernels down through the API, then the server (SIGTERM, then SIGKILL to its group)."""
    try:
        for kernel in lab.api("kernels"):
            lab.api(f"kernels/{kernel['id']}", method="DELETE")
    except OSError:
        pass
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab serving a temporary copy of notebooks/, reached with a random token on a free port."""
    root = tmp_path_factory.mktemp("lab")
    home = tmp_path_factory.mktemp("jupyter-home")
    if (REPO / "notebooks").is_dir():
        shutil.copytree(REPO / "notebooks", root, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    # No "get notified about Jupyter news?" toast over the screenshots.
    notification = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    log_path = home / "jupyter.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.open_browser=False", "--ServerApp.port_retries=0", "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.expose_app_in_browser=True"],  # window.jupyterapp, to run JupyterLab's commands
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    lab = Lab(root, port, token)
    deadline = time.time() + STARTUP_SECONDS
    while True:
        try:
            lab.api("status")
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                _stop(process, lab)
                raise RuntimeError("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.5)
    try:
        yield lab
    finally:
        _stop(process, lab)
        shutil.copy(log_path, _artifacts() / "jupyter.log")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile (user-data-dir) for this session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def _artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def screenshot(target, name):
    """Save the page (or one element of it, whole) as test-artifacts/<name>.png; return the path."""
    path = _artifacts() / f"{name}.png"
    is_page = hasattr(target, "goto")
    target.screenshot(path=str(path), **({"full_page": True} if is_page else {}))
    return path


@pytest.fixture(name="screenshot")
def screenshot_fixture():
    """The `screenshot(page, name)` helper, for tests that prefer a fixture to an import."""
    return screenshot


def open_notebook(lab, page, name):
    """Open a notebook from the lab's root and wait until its kernel is idle."""
    page.goto(lab.url(f"lab/tree/{name}"))
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return kernel && kernel.status === 'idle'; }", timeout=90_000)


def run_all_cells(page):
    """JupyterLab's own command, the one the Run menu's "Run All Cells" calls."""
    page.wait_for_function("window.jupyterapp.commands.isEnabled('notebook:run-all-cells')", timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
