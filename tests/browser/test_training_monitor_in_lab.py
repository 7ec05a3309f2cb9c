"""TrainingMonitor in JupyterLab, as a student sees it: charts before, during and after fit, the Stop
button stopping a running fit, and the dark theme. Screenshots: test-artifacts/training-monitor-*.png.
"""

import re

import pytest

from conftest import open_notebook, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "import numpy as np\n"
    "import kerasbook as keras\n"
    "from kerasbook import layers\n"
    "from kerasbook.widgets import TrainingMonitor\n"
    "rng = np.random.default_rng(0)\n"
    "x = rng.normal(size=(2048, 20)).astype('float32')\n"
    "y = (x[:, :3].sum(axis=1) > 0).astype('int32')\n"
    "model = keras.Sequential([keras.Input((20,)), layers.Dense(32, activation='relu'),\n"
    "                          layers.Dense(2, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
    # Displayed before fit: an empty chart with axes, never a broken image.
    "monitor = TrainingMonitor()\nmonitor",
    "history = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.2, callbacks=[monitor])",
    "history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, callbacks=[monitor])",
    # A long fit, stopped with the button.
    "long_run = TrainingMonitor()\n"
    "history = model.fit(x, y, epochs=1000, batch_size=16, validation_split=0.2, callbacks=[long_run])\n"
    "print('history length:', len(history.history['loss']))",
    # One displayed and never trained: empty charts with axes.
    "TrainingMonitor()",
]

# Every <img> in an output: broken ones (decoded to nothing) and ones shown wider than 1.25x their
# natural width (a stretched raster).
IMAGES = """() => [...document.querySelectorAll('.jp-OutputArea-output img')].map(img => ({
    src: img.src.slice(0, 40), complete: img.complete, natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width}))"""


def start_all_cells(page):
    """Run All, without waiting for the cells to end (conftest's run_all_cells awaits the command's
    promise, which here would wait for the 1000-epoch fit)."""
    page.wait_for_function("window.jupyterapp.commands.isEnabled('notebook:run-all-cells')", timeout=60_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def check_images(page):
    for image in page.evaluate(IMAGES):
        assert image["complete"] and image["natural"] > 0, f"broken image {image}"
        assert image["shown"] <= 1.25 * image["natural"], f"stretched image {image}"


def monitor_text(page, index):
    return page.locator(".kerasbook-training-monitor .kb-tm-status").nth(index).inner_text()


def test_training_monitor_in_jupyterlab(lab, page):
    name = lab.write_notebook("training_monitor.ipynb", CELLS)
    open_notebook(lab, page, name)
    start_all_cells(page)
    try:
        first = page.locator(".kerasbook-training-monitor").first
        first.wait_for(timeout=60_000)
        check_images(page)
        # The two fits fill the first monitor: 7 epochs, a marker where the second fit began.
        page.wait_for_function("() => { const s = document.querySelector('.kerasbook-training-monitor .kb-tm-status');"
                               " return s && /done · epoch 3\\/3/.test(s.textContent); }", timeout=90_000)
        panels = first.locator("figure")
        assert panels.count() == 2  # loss and accuracy
        loss = panels.nth(0)
        assert loss.locator(".kb-epoch.kb-train").count() == 1 and loss.locator(".kb-epoch.kb-val").count() == 1
        assert loss.locator("circle.kb-mark").count() == 7 and loss.locator("rect.kb-mark").count() == 7
        assert loss.locator(".kb-fit-start").count() == 1
        ticks = loss.locator("text.kb-xtick").evaluate_all("texts => texts.map(t => t.textContent)")
        assert ticks == [str(epoch) for epoch in range(8)]  # whole epochs, 0 to 7
        caption = loss.locator("figcaption").inner_text()
        assert re.search(r"training \S+ \(min \S+, max \S+\)\s+validation \S+ \(min", caption), caption
        # The charts fill the output area's width (within its padding), and are drawn for that width.
        output = page.locator(".jp-OutputArea-output").filter(has=first).first
        widths = first.evaluate("""el => ({ panels: el.querySelector('.kb-tm-panels').getBoundingClientRect().width,
            svg: [...el.querySelectorAll('svg')].map(s => [s.getBoundingClientRect().width, +s.getAttribute('width')]) })""")
        assert widths["panels"] >= 0.9 * output.bounding_box()["width"]
        for shown, drawn in widths["svg"]:
            assert abs(shown - drawn) <= 2  # drawn at the size shown: nothing scaled
        first.scroll_into_view_if_needed()
        screenshot(first, "training-monitor-after-two-fits-1400")

        # The long fit: its own monitor, "training" in the header; Stop ends it.
        long_run = page.locator(".kerasbook-training-monitor").nth(1)
        long_run.wait_for(timeout=120_000)
        page.wait_for_function("() => { const s = document.querySelectorAll('.kerasbook-training-monitor .kb-tm-status')[1];"
                               " const m = s && s.textContent.match(/epoch (\\d+)\\/1000/); return m && +m[1] >= 3; }",
                               timeout=120_000)
        check_images(page)
        long_run.scroll_into_view_if_needed()
        screenshot(long_run, "training-monitor-during-fit-1400")
        page.set_viewport_size({"width": 1920, "height": 1000})
        page.wait_for_timeout(500)
        long_run.scroll_into_view_if_needed()
        screenshot(long_run, "training-monitor-during-fit-1920")
        widths = long_run.evaluate("el => [...el.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)")
        assert min(widths) > 500  # the grid widened with the window (two panels side by side)
        long_run.locator("button", has_text="Stop").click()
        printed = page.wait_for_selector(".jp-OutputArea-output:has-text('history length:')", timeout=60_000)
        trained = int(re.search(r"history length: (\d+)", printed.inner_text()).group(1))
        assert 3 <= trained < 1000
        assert monitor_text(page, 1).startswith("stopped")
        # Once stopped, the epoch axis ends at what was trained (while running it runs ahead).
        page.wait_for_timeout(300)
        ticks = long_run.locator("text.kb-xtick").evaluate_all("texts => texts.map(t => +t.textContent)")
        assert trained / 2 < max(ticks) <= trained
        check_images(page)
        screenshot(long_run, "training-monitor-stopped-1920")

        unused = page.locator(".kerasbook-training-monitor").nth(2)
        unused.wait_for(timeout=60_000)
        assert monitor_text(page, 2) == "waiting for fit()"
        assert unused.locator("svg rect.kb-frame").count() == 1 and unused.locator("text.kb-xtick").count() >= 2
        assert unused.locator("text.kb-empty").text_content() == "no values yet"
        check_images(page)
        unused.scroll_into_view_if_needed()
        screenshot(unused, "training-monitor-before-fit-1920")

        # The log-scale toggle: value ticks at 1, 2, 5 x 10^k.
        first.locator("label", has_text="log scale").locator("input").check()
        page.wait_for_timeout(300)
        ticks = first.locator("figure").first.locator("text.kb-tick:not(.kb-xtick)").evaluate_all(
            "texts => texts.map(t => t.textContent).filter(t => t !== 'epoch' && !t.startsWith('fit'))")
        assert ticks and all(re.fullmatch(r"(0\.0*)?[125](0*)", t) for t in ticks), ticks
        first.scroll_into_view_if_needed()
        screenshot(first, "training-monitor-log-scale-1920")

        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
        page.wait_for_timeout(500)
        first.scroll_into_view_if_needed()
        screenshot(first, "training-monitor-dark")
    finally:
        screenshot(page, "training-monitor-page")
