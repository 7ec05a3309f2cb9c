"""An attention layer in the ActivationExplorer, in a real JupyterLab: its scores as a query x key heat
map with the tokens on both axes, a colour bar, a head picker, crisp cells, readable in the dark theme.

The attention's kernels are drawn with a large standard deviation so that, untrained, each head
already attends sharply (a random head of the usual scale attends almost uniformly: a flat picture).
Screenshots: test-artifacts/attention-heat-map.png, -head-2.png, -narrow.png, -dark.png, and
graph-view-attention-dark.png (the same scores drawn in GraphView's panel).
"""

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser

VOCABULARY = ["", "[UNK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ate", "my", "homework"]
CELLS = [
    "%load_ext kerasbook",
    f"vocabulary = {VOCABULARY!r}\n"
    "ids = keras.Input(shape=(8,), dtype='int32')\n"
    "x = layers.Embedding(len(vocabulary), 16, name='embedding')(ids)\n"
    "sharp = keras.initializers.RandomNormal(stddev=1.5, seed=1)\n"
    "y = layers.MultiHeadAttention(num_heads=4, key_dim=8, kernel_initializer=sharp, name='attention')(x, x)\n"
    "model = keras.Model(ids, layers.Dense(2)(layers.GlobalAveragePooling1D()(y)), name='reader')\n"
    "sentences = np.array([[2, 3, 4, 5, 2, 6, 0, 0], [7, 8, 9, 10, 11, 0, 0, 0]])\n"
    "explorer = keras.widgets.ActivationExplorer(model, sentences, vocabulary=vocabulary)\n"
    "explorer.layer = 'attention [node 0]'\n"
    "explorer",
    # GraphView's panel draws the same scores (head 0, positions on the axes) with the same code.
    "graph = keras.widgets.GraphView(model, sentences)\n"
    "graph.select('attention')\n"
    "graph",
]

# Whether every cell of the heat map is one colour on the canvas (no smoothing between cells).
CRISP_CELLS = """(canvas, [rows, columns]) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const cw = canvas.width / columns, ch = canvas.height / rows;
  const at = (x, y) => data.slice(4 * (y * canvas.width + x), 4 * (y * canvas.width + x) + 3).join();
  let uneven = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) {
    const x0 = Math.ceil(j * cw), y0 = Math.ceil(i * ch), x1 = Math.floor((j + 1) * cw) - 1, y1 = Math.floor((i + 1) * ch) - 1;
    const first = at(x0, y0);
    if (at(x1, y0) !== first || at(x0, y1) !== first || at(x1, y1) !== first) uneven++;
  }
  return {cells: rows * columns, uneven, ratio: window.devicePixelRatio, width: canvas.width,
          shown: canvas.getBoundingClientRect().width};
}"""


def test_attention_scores_as_a_heat_map_with_tokens_heads_and_dark_theme(lab, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = lab.write_notebook("attention_heat_map.ipynb", CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    explorer = page.locator(".jp-OutputArea-output .kb-explorer").first
    explorer.wait_for(timeout=180_000)
    heat_map = explorer.locator(".kb-output-panel .kb-plot canvas").first
    heat_map.wait_for(timeout=60_000)
    caption = explorer.locator(".kb-caption")
    assert ("attention [node 0]: shape (8, 16), attention scores of head 0 of 4: 8 queries x 8 keys, "
            "tokens on the axes; sample 0 of 2") in caption.inner_text()

    # Tokens on both axes, padding named; the colour bar; the head picker with four heads.
    rows = explorer.locator(".kb-att-rows span").all_inner_texts()
    assert rows == ["the", "cat", "sat", "on", "the", "mat", "[pad]", "[pad]"]
    assert explorer.locator(".kb-att-columns span").all_inner_texts() == rows
    assert explorer.locator(".kb-output-panel .kb-colourbar").is_visible()
    assert explorer.locator(".kb-output-panel .kb-ticks span").first.inner_text() == "0"
    head_menu = explorer.locator("label:has-text('head') select")
    assert head_menu.locator("option").count() == 4

    # Square cells of whole CSS pixels, drawn at the screen's density, one colour each.
    box = heat_map.bounding_box()
    assert abs(box["width"] - box["height"]) < 1 and box["width"] >= 8 * 8
    crisp = heat_map.evaluate(CRISP_CELLS, [8, 8])
    assert crisp["uneven"] == 0 and abs(crisp["width"] - crisp["shown"] * crisp["ratio"]) <= 1, crisp
    # Pointing at a cell reads its score.
    heat_map.hover(position={"x": box["width"] * 1.5 / 8, "y": box["height"] * 0.5 / 8})
    hover = explorer.locator(".kb-att-hover")
    page.wait_for_function("() => document.querySelector('.kb-att-hover').textContent.startsWith('query 0')",
                           timeout=10_000)
    assert hover.inner_text().startswith("query 0 (the) → key 1 (cat): ≈ ")
    explorer.scroll_into_view_if_needed()
    screenshot(explorer, "attention-heat-map")

    # Another head: the kernel sends its levels, the caption and the picture follow.
    before = heat_map.evaluate("c => c.toDataURL()")
    head_menu.select_option("2")
    page.wait_for_function("() => document.querySelector('.kb-explorer .kb-caption').textContent"
                           ".includes('head 2 of 4')", timeout=30_000)
    after = explorer.locator(".kb-output-panel .kb-plot canvas").first.evaluate("c => c.toDataURL()")
    assert after != before
    screenshot(explorer, "attention-heat-map-head-2")

    # A narrow output: the heat map is drawn again with smaller cells, still whole pixels, one colour each.
    explorer.evaluate("e => { e.style.width = '260px'; }")
    page.wait_for_function("() => document.querySelector('.kb-explorer .kb-output-panel .kb-plot canvas')"
                           ".getBoundingClientRect().width < 200", timeout=10_000)
    narrow = explorer.locator(".kb-output-panel .kb-plot canvas").first
    crisp = narrow.evaluate(CRISP_CELLS, [8, 8])
    assert crisp["uneven"] == 0 and crisp["shown"] % 8 == 0 and abs(crisp["width"] - crisp["shown"] * crisp["ratio"]) <= 1
    screenshot(explorer, "attention-heat-map-narrow")
    explorer.evaluate("e => { e.style.width = ''; }")
    page.wait_for_function("() => document.querySelector('.kb-explorer .kb-output-panel .kb-plot canvas')"
                           ".getBoundingClientRect().width >= 8 * 32", timeout=10_000)

    # The output instead of the scores, and back.
    explorer.locator("label:has-text('show attention scores') input").uncheck()
    page.wait_for_function("() => document.querySelector('.kb-explorer .kb-caption').textContent"
                           ".includes('8 time steps x 16 units')", timeout=30_000)
    explorer.locator("label:has-text('show attention scores') input").check()
    page.wait_for_function("() => document.querySelector('.kb-explorer .kb-caption').textContent"
                           ".includes('attention scores of head 2')", timeout=30_000)

    # Dark theme: labels in the theme's light text.
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)
    colour = explorer.locator(".kb-att-rows span").first.evaluate("e => getComputedStyle(e).color")
    assert colour != "rgb(31, 41, 51)", colour
    explorer.scroll_into_view_if_needed()
    screenshot(explorer, "attention-heat-map-dark")
    # GraphView's panel: the 8 x 8 map of head 0 in 28 px cells, crisp, labels in the theme's text.
    graph = page.locator(".jp-OutputArea-output .kb-graph-view").first
    panel_map = graph.locator(".kb-panel .kb-plot canvas").first
    panel_map.wait_for(timeout=60_000)
    crisp = panel_map.evaluate(CRISP_CELLS, [8, 8])
    assert crisp["uneven"] == 0 and crisp["shown"] == 8 * 28, crisp
    assert graph.locator(".kb-panel .kb-pager").inner_text().split() == ["head", "0", "of", "4"]
    assert graph.locator(".kb-panel .kb-att-rows span").first.evaluate("e => getComputedStyle(e).color") == colour
    drawing = graph.locator(".kb-panel .kb-stack").first
    drawing.scroll_into_view_if_needed()
    screenshot(drawing, "graph-view-attention-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    assert not errors, errors
