"""ShardingView in JupyterLab, as a student meets it: lesson 8 (notebooks/08_distribution.ipynb) run
from the top on 8 simulated CPU devices, then the views pointed at and clicked, in the light and the
dark theme. Screenshots: test-artifacts/sharding-view-*.png.
"""

import re

import pytest

from conftest import open_notebook, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

LESSON = "08_distribution.ipynb"
VIEW = ".kerasbook-sharding-view"

# The luminance (0 dark .. 1 light) of the fill of the picture's first <text>: its colour comes from
# the theme, so it is dark on the light theme and light on the dark one.
TEXT_LUMINANCE = """el => {
  const [r, g, b] = getComputedStyle(el.querySelector('svg text')).fill.match(/\\d+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


def run_lesson(page):
    """Clear the stored outputs (so nothing below is from the saved run), then Run All and wait
    for the last cell's output."""
    page.wait_for_function("window.jupyterapp.commands.isEnabled('notebook:run-all-cells')", timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    assert page.locator(VIEW).count() == 0
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".jp-OutputArea-output:has-text('bytes of weights with the old key')",
                           timeout=240_000)


def test_sharding_view_in_lesson_8(lab, page):
    open_notebook(lab, page, LESSON)
    run_lesson(page)
    views = page.locator(VIEW)
    assert views.count() == 4  # DataParallel, ModelParallel, the renamed layer, the fix
    for i in range(4):
        assert views.nth(i).locator("svg g.kb-sv-device").count() == 8

    # DataParallel: one row of 8 devices, every variable whole on each.
    data_parallel = views.nth(0)
    texts = data_parallel.locator("svg text").all_text_contents()
    assert 'Model "functional" on a mesh of 8 devices: data (8)' in texts
    data_parallel.scroll_into_view_if_needed()
    screenshot(data_parallel, "sharding-view-data-parallel")
    assert "Batch: split over 'data': each device gets 1/8 of every batch." in texts

    # ModelParallel on 2 x 4: point at d1/kernel, its 8 pieces light up (one on each device).
    model_parallel = views.nth(1)
    model_parallel.scroll_into_view_if_needed()
    row = model_parallel.locator("g.kb-sv-var", has_text="d1/kernel").first  # (d2's row names it too)
    index = row.get_attribute("data-var")
    row.hover()
    assert "kb-sv-focus" in model_parallel.locator("svg").get_attribute("class")
    lit = model_parallel.locator(f"rect.kb-sv-seg.kb-sv-on[data-var='{index}']")
    assert lit.count() == 8
    dimmed = model_parallel.locator("rect.kb-sv-seg:not(.kb-sv-on)").first
    assert float(dimmed.evaluate("el => getComputedStyle(el).opacity")) < 0.5
    screenshot(model_parallel, "sharding-view-model-parallel-hover")

    # Click device 5 (data 1, model 1): it holds the second quarter of d1's kernel and bias.
    model_parallel.locator("g.kb-sv-device[data-device='5']").click()
    panel = model_parallel.locator(".kb-sv-panel")
    panel.locator("table").wait_for()
    assert "device 5 (data 1, model 1)" in panel.inner_text()
    cells = panel.locator("td.kb-sv-path").all_text_contents()
    assert "d1/kernel[:, 50:100]" in cells and "d1/bias[50:100]" in cells and "d2/kernel[:, :]" in cells
    assert "kb-sv-picked" in model_parallel.locator("g.kb-sv-device[data-device='5']").get_attribute("class")
    # Pointing at a row of the list lights that variable in the picture too.
    panel.locator("tr", has_text="d2/kernel").hover()
    d2 = panel.locator("tr", has_text="d2/kernel").get_attribute("data-var")
    assert model_parallel.locator(f"rect.kb-sv-seg.kb-sv-on[data-var='{d2}']").count() == 8
    screenshot(model_parallel, "sharding-view-device-5")

    # The renamed layer: its variables are marked replicated with the closest key, and the unused
    # keys are named above the grid.
    renamed = views.nth(2)
    renamed.scroll_into_view_if_needed()
    warned = renamed.locator("g.kb-sv-var.kb-sv-warned", has_text="hidden/kernel")
    assert warned.count() == 1
    assert re.search(r"replicated: no LayoutMap key matched; closest 'd1/kernel' \('d1' not in the path\)",
                     warned.text_content())
    assert "LayoutMap keys that matched no variable: 'd1/kernel', 'd1/bias'." in \
        renamed.locator("svg text.kb-sv-warn").first.text_content()
    # Drawn at its own size: the SVG is as wide on screen as it says (nothing stretched or shrunk).
    drawn = renamed.locator("svg").evaluate(
        "s => [s.getBoundingClientRect().width, +s.getAttribute('width')]")
    assert abs(drawn[0] - drawn[1]) <= 1
    assert renamed.evaluate(TEXT_LUMINANCE) < 0.4
    screenshot(renamed, "sharding-view-renamed-layer-light")

    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)
    renamed.scroll_into_view_if_needed()
    assert renamed.evaluate(TEXT_LUMINANCE) > 0.6
    screenshot(renamed, "sharding-view-renamed-layer-dark")
    model_parallel.scroll_into_view_if_needed()
    row.click()  # keeps it lit
    page.mouse.move(5, 5)
    assert model_parallel.locator(f"rect.kb-sv-seg.kb-sv-on[data-var='{index}']").count() == 8
    screenshot(model_parallel, "sharding-view-model-parallel-dark")
    screenshot(page, "sharding-view-page-dark")
