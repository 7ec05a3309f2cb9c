"""A real JupyterLab on localhost and a real headless Chromium (Debian's), driven by Playwright.

Browsers cannot be downloaded here, so Playwright is pointed at /usr/bin/chromium. The server runs in
a temporary copy of notebooks/ (plus the notebooks a test writes), with its own Jupyter config, data
and settings folders so nothing from the user's home changes what the test sees. The kernel is the
venv's: the server runs on this interpreter and finds the venv's `python3` kernelspec first.
Screenshots go to test-artifacts/.

A test fails when the page shows an error: an error or stderr output in any notebook, a widget that
could not be displayed, or an uncaught JavaScript error (checked when the test ends, by the `page`
fixture; `assert_no_errors(page)` checks at any moment). A test that shows an error on purpose is
marked `@pytest.mark.allow_errors`. `@pytest.mark.viewport(1920, 1080)` gives a test a wider page.

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
VIEWPORT = (1400, 1000)

# What a page shows when something went wrong: error and stderr outputs, and the text JupyterLab's
# widget manager puts where a widget failed to display.
_ERROR_OUTPUTS = ('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
                  '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
_FAILED_WIDGET_TEXTS = ("Error displaying widget", "Failed to load model class", "Model not found")


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_errors: the page may show error outputs (the test checks them)")
    config.addinivalue_line("markers", "viewport(width, height): the size of the test's page")


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
    lab.env = env  # the server's environment (its Jupyter data folder holds the trust database)
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
            viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser, request):
    """A new page (1400 x 1000, or the test's `viewport` marker); when the test ends, it fails if the
    page shows an error (see `assert_no_errors`), unless the test is marked `allow_errors`."""
    size = request.node.get_closest_marker("viewport")
    width, height = size.args if size else VIEWPORT
    page = browser.new_page()
    if (width, height) != VIEWPORT:
        page.set_viewport_size({"width": width, "height": height})
    page.kerasbook_js_errors = []  # uncaught exceptions thrown in the page
    page.on("pageerror", lambda error: page.kerasbook_js_errors.append(str(error)))
    try:
        yield page
        if request.node.get_closest_marker("allow_errors") is None:
            assert_no_errors(page)
    finally:
        page.close()


# The error outputs of the open notebooks, except in cells tagged "raises-exception": a lesson shows
# those errors on purpose (nbval checks them).
_UNEXPECTED_ERRORS_JS = """(selector) => {
  const expected = [];
  const shell = window.jupyterapp && window.jupyterapp.shell;
  for (const widget of shell ? Array.from(shell.widgets("main")) : []) {
    for (const cell of (widget.content && widget.content.widgets) || []) {
      const tags = (cell.model.getMetadata && cell.model.getMetadata("tags")) || [];
      if (tags.includes("raises-exception")) expected.push(cell.node);
    }
  }
  return Array.from(document.querySelectorAll(selector))
    .filter(output => !expected.some(cell => cell.contains(output)))
    .map(output => output.innerText.trim().slice(0, 3000));
}"""


def page_errors(page):
    """What the page shows that went wrong: error/stderr outputs (not those of cells tagged
    raises-exception), widgets that failed to display, uncaught JS errors."""
    found = [f"error output: {text}" for text in page.evaluate(_UNEXPECTED_ERRORS_JS, _ERROR_OUTPUTS)]
    outputs = page.eval_on_selector_all(".jp-OutputArea-output", "outputs => outputs.map(o => o.innerText)")
    found += [f"widget not displayed: {text.strip()[:500]}" for text in outputs
              if any(marker in text for marker in _FAILED_WIDGET_TEXTS)]
    found += [f"uncaught JavaScript error: {error}" for error in getattr(page, "kerasbook_js_errors", [])]
    return found


def assert_no_errors(page):
    """Fail with the text of every error the page shows (an error in a redraw at a cell's end, a
    warning printed to stderr, a widget whose front-end failed)."""
    errors = page_errors(page)
    assert not errors, "the page shows errors:\n" + "\n".join(errors)


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
