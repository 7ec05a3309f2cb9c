"""`%live cnn` in a real JupyterLab: the table follows the name, changed rows flash, dark theme reads."""

import pytest

from conftest import open_notebook, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

BUILD = ("cnn = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D({filters}, 3, name='conv'),"
         " layers.Flatten(name='flat')], name='cnn{filters}')")
CELLS = ["%load_ext kerasbook", BUILD.format(filters=4), "%live cnn",
         "cnn.add(layers.Dense(10, name='head'))", BUILD.format(filters=8),
         "fixed = keras.widgets.LiveSummary(cnn)\nfixed", BUILD.format(filters=16)]


def run_cell(page, index):
    """Run one cell and wait for its reply, as Ctrl+Enter on it does."""
    page.evaluate("async (i) => { const notebook = window.jupyterapp.shell.currentWidget.content;"
                  " notebook.activeCellIndex = i;"
                  " await window.jupyterapp.commands.execute('notebook:run-cell'); }", index)


def table_text(page, which=0):
    return page.locator(".kerasbook-live-summary table.kerasbook-summary").nth(which).inner_text()


def test_live_summary_follows_the_name_and_flashes_changed_rows(lab, page):
    name = lab.write_notebook("live.ipynb", CELLS)
    open_notebook(lab, page, name)
    for index in range(3):
        run_cell(page, index)
    page.wait_for_selector(".kerasbook-live-summary table.kerasbook-summary", timeout=60_000)
    assert "conv (Conv2D)" in table_text(page) and "(None, 6, 6, 4)" in table_text(page)
    run_cell(page, 3)  # a later cell changes the model: the table above gains the row, flashing
    row = page.wait_for_selector(".kerasbook-live-summary tr.kb-changed", timeout=30_000)
    assert "head (Dense)" in row.inner_text()
    animation = row.evaluate("r => getComputedStyle(r.cells[0]).animationName")
    assert animation == "kb-changed"
    screenshot(page.query_selector(".kerasbook-live-summary"), "live-summary-changed-row")  # mid-flash
    run_cell(page, 4)  # the cell that builds cnn, run again with 8 filters: the table switches
    page.wait_for_function("() => document.querySelector('.kerasbook-live-summary').innerText"
                           ".includes('(None, 6, 6, 8)')", timeout=30_000)
    assert 'Model: "cnn8"' in page.inner_text(".kerasbook-live-summary")
    screenshot(page.query_selector(".kerasbook-live-summary"), "live-summary-light")

    # A summary of one fixed model says so when the name it was made from is rebuilt.
    run_cell(page, 5)
    run_cell(page, 6)
    note = page.locator(".kerasbook-live-summary .kerasbook-note").nth(1)
    note.wait_for(state="visible", timeout=30_000)
    assert 'cnn now holds another model ("cnn16")' in note.inner_text()
    assert "(None, 6, 6, 8)" in table_text(page, 1)  # still its own model
    page.wait_for_function("() => document.querySelector('.kerasbook-live-summary').innerText"
                           ".includes('(None, 6, 6, 16)')", timeout=30_000)  # %live followed
    screenshot(page.locator(".kerasbook-live-summary").nth(1).element_handle(), "live-summary-note")

    # The dark theme: the table's text is light on a dark page, the header readable.
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)  # the theme's stylesheet applies
    cell, header = page.evaluate(
        "() => { const t = document.querySelector('.kerasbook-live-summary table');"
        " const lum = c => { const [r, g, b] = c.match(/\\d+/g).map(Number); return (r + g + b) / 3; };"
        " return [lum(getComputedStyle(t.querySelector('td')).color),"
        "         lum(getComputedStyle(t.querySelector('th')).color)]; }")
    assert cell > 150 and header > 150, (cell, header)
    screenshot(page.query_selector(".kerasbook-live-summary"), "live-summary-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
