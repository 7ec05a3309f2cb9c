"""ActivationExplorer in a real JupyterLab: tile sizes on screen, crisp rasters, labels, pages, themes.

Two small random-weight models stand for the lessons' cases: an MNIST-like CNN (26 x 26 maps) and a
VGG-like block (28 x 28 x 64, as VGG19's block4 at 224 px input). Screenshots:
test-artifacts/activation-explorer-*.png.
"""

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext kerasbook",
    "rng = np.random.default_rng(0)\n"
    "cnn = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation='relu', name='conv2d'),\n"
    "    layers.MaxPooling2D(name='pool'), layers.Flatten(name='flatten'),\n"
    "    layers.Dense(10, activation='softmax', name='digits')], name='mnist_like')\n"
    "x = rng.random((4, 28, 28, 1), dtype='float32')\n"
    "keras.widgets.ActivationExplorer(cnn, x, class_names=[str(d) for d in range(10)])",
    "vgg_like = keras.Sequential([keras.Input((56, 56, 3)),\n"
    "    layers.Conv2D(16, 3, padding='same', activation='relu', name='block3_conv1'),\n"
    "    layers.MaxPooling2D(name='block3_pool'),\n"
    "    layers.Conv2D(64, 3, padding='same', activation='relu', name='block4_conv1')], name='vgg_like')\n"
    "explorer = keras.widgets.ActivationExplorer(vgg_like, rng.random((1, 56, 56, 3), dtype='float32'))\n"
    "explorer.layer = 'block4_conv1 [node 0]'\n"
    "explorer",
    "seq = keras.Sequential([keras.Input((12,), dtype='int32'), layers.Embedding(100, 16, name='embedding'),\n"
    "    layers.LSTM(8, return_sequences=True, name='lstm')], name='reader')\n"
    "keras.widgets.ActivationExplorer(seq, rng.integers(0, 100, (2, 12)))",
    "keras.widgets.ActivationExplorer(cnn, x[0])",
]

# Every raster in an explorer: its width on screen against its natural width (canvas pixels / dpr).
RASTERS = """root => [...root.querySelectorAll('canvas, img')].map(e => {
  const ratio = window.devicePixelRatio || 1;
  const natural = e.tagName === 'CANVAS' ? e.width / ratio : e.naturalWidth;
  const box = e.getBoundingClientRect();
  return {tag: e.tagName, cls: e.className, shown: box.width, height: box.height, natural};
})"""

# Whether each zoom x zoom block of a tile's canvas has one colour (nearest-neighbour enlargement).
CRISP = """(canvas, zoom) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const at = (x, y) => data.slice(4 * (y * canvas.width + x), 4 * (y * canvas.width + x) + 3).join();
  let blocks = 0, uneven = 0;
  for (let y = 0; y + zoom <= canvas.height; y += zoom)
    for (let x = 0; x + zoom <= canvas.width; x += zoom) {
      blocks++;
      const first = at(x, y);
      for (let dy = 0; dy < zoom; dy++) for (let dx = 0; dx < zoom; dx++)
        if (at(x + dx, y + dy) !== first) { uneven++; dy = zoom; break; }
    }
  return {blocks, uneven};
}"""

# Pick a layer in the menu; resolve with the ms until its tiles are on screen (the next frame).
SWITCH = """(root, title) => new Promise((done, fail) => {
  const start = performance.now();
  setTimeout(() => fail(new Error(`${title} not drawn after 30 s`)), 30000);
  const menu = root.querySelector('label select');
  new MutationObserver((_, observer) => {
    if (root.querySelector('.kb-caption').textContent.startsWith(title)) {
      observer.disconnect(); requestAnimationFrame(() => done(performance.now() - start)); }
  }).observe(root, {subtree: true, childList: true, characterData: true});
  menu.value = title; menu.dispatchEvent(new Event('change'));
})"""


def explorers(page):
    return page.locator(".jp-OutputArea-output .kb-explorer")


def check_rasters(explorer):
    """No raster wider on screen than 1.25 x its natural width; feature-map tiles >= 64 px."""
    rasters = explorer.evaluate(RASTERS)
    assert rasters
    for raster in rasters:
        assert raster["shown"] <= 1.25 * raster["natural"] + 0.5, raster
    tiles = [r for r in rasters if "kb-raster" in r["cls"] and r["height"] and r["shown"] < 400]
    return rasters, tiles


@pytest.mark.allow_errors  # the last cell's error (x without its batch axis) is checked below
def test_activation_explorer_tiles_labels_pages_and_dark_theme(lab, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = lab.write_notebook("activation_explorer.ipynb", CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    mnist, vgg, sequence = (explorers(page).nth(i) for i in range(3))
    for widget in (mnist, vgg, sequence):
        widget.wait_for(timeout=180_000)

    # MNIST-like: 26 x 26 maps shown as 104-px tiles of 4 x 4-pixel squares, numbered, one colour bar.
    mnist.locator(".kb-tile canvas").first.wait_for()
    tiles = mnist.locator(".kb-tile")
    assert tiles.count() == 8
    assert [tiles.nth(i).locator("figcaption").inner_text() for i in (0, 7)] == ["ch 0", "ch 7"]
    box = tiles.nth(0).locator("canvas").bounding_box()
    assert box["width"] >= 64 and box["height"] >= 64
    crisp = tiles.nth(0).locator("canvas").evaluate(CRISP, 4)
    assert crisp["blocks"] == 26 * 26 and crisp["uneven"] == 0, crisp
    assert mnist.locator(".kb-colourbar").is_visible()
    assert mnist.locator(".kb-ticks span").first.inner_text() == "0"  # relu: the scale starts at 0
    assert mnist.locator(".kb-input canvas").is_visible()  # the input beside the maps
    rasters, _ = check_rasters(mnist)
    mnist.scroll_into_view_if_needed()
    screenshot(mnist, "activation-explorer-mnist-like")

    # The sample picker and the classifier's bar chart with its top classes.
    mnist.locator("label:has-text('sample') select").select_option("3")
    page.wait_for_function("() => [...document.querySelectorAll('.kb-explorer .kb-caption')]"
                           ".some(c => c.textContent.endsWith('sample 3 of 4'))", timeout=30_000)
    mnist.locator("label:has-text('layer') select").select_option("digits [node 0]")
    mnist.locator("table.kb-top").wait_for(timeout=30_000)
    assert mnist.locator("table.kb-top tr").count() == 6  # a header and 5 classes
    assert mnist.locator(".kb-xticks span").nth(9).inner_text() == "9"
    check_rasters(mnist)
    screenshot(mnist, "activation-explorer-classifier")

    # VGG-like: 28 x 28 maps, 16 of 64 channels a page; the page control moves to channels 16-31.
    vgg.scroll_into_view_if_needed()
    caption = vgg.locator(".kb-caption")
    assert "block4_conv1 [node 0]: shape (28, 28, 64), channels 0-15 of 64 (page 1 of 4)" in caption.inner_text()
    _, tiles = check_rasters(vgg)
    assert len(tiles) >= 16 and all(t["shown"] >= 64 and t["height"] >= 64 for t in tiles)
    screenshot(vgg, "activation-explorer-vgg-like")
    vgg.locator("button.kb-next").click()
    page.wait_for_function("() => [...document.querySelectorAll('.kb-explorer figcaption')]"
                           ".some(f => f.textContent === 'ch 16')", timeout=30_000)
    assert "channels 16-31 of 64 (page 2 of 4)" in caption.inner_text()
    assert vgg.locator(".kb-page").inner_text() == "page 2 of 4"
    # A layer switch, measured in the browser: from the pick to the new tiles on screen.
    took = vgg.evaluate(SWITCH, "block3_conv1 [node 0]")
    print(f"ActivationExplorer layer switch in the browser (56 x 56 x 16 maps): {took:.0f} ms")
    assert vgg.locator(".kb-tile").count() == 16
    # The tile-size control: 192 px tiles of 56-px maps (3 x 56 = 168 px, whole pixels).
    vgg.locator("label:has-text('tile size') select").select_option("192")
    page.wait_for_function("() => [...document.querySelectorAll('.kb-explorer .kb-tile canvas')]"
                           ".some(c => c.getBoundingClientRect().width >= 160)", timeout=30_000)
    check_rasters(vgg)

    # A sequence: time x unit heat map with its colour bar and axes.
    sequence.scroll_into_view_if_needed()
    assert "12 time steps x 16 units" in sequence.locator(".kb-caption").inner_text()
    assert sequence.locator(".kb-output-panel .kb-colourbar").is_visible() and sequence.locator(".kb-ylabel").inner_text() == "time step ↓"
    check_rasters(sequence)
    screenshot(sequence, "activation-explorer-sequence")

    # x without its batch axis: the error names the expected shape and the fix.
    error = page.locator(".jp-OutputArea-output:has-text('x[None]')")
    error.wait_for(timeout=60_000)
    assert "(None, 28, 28, 1)" in error.inner_text()

    # Dark theme: the same widget, readable.
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)
    mnist.scroll_into_view_if_needed()
    colour = mnist.locator(".kb-caption").evaluate("e => getComputedStyle(e).color")
    assert colour != "rgb(31, 41, 51)"  # the theme's light text, not the light theme's dark one
    screenshot(mnist, "activation-explorer-dark")
    vgg.scroll_into_view_if_needed()
    screenshot(vgg, "activation-explorer-vgg-like-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    assert not errors, errors


VGG19_CELLS = [
    "%load_ext kerasbook",
    "vgg19 = keras.applications.VGG19(weights=None)  # random weights: the same shapes and work\n"
    "img = np.random.default_rng(0).random((1, 224, 224, 3), dtype='float32')\n"
    "keras.widgets.ActivationExplorer(vgg19, img)",
]



@pytest.mark.timeout(600)  # VGG19 compiles in the kernel first (20-60 s on 2 cores)
def test_vgg19_layer_switch_in_the_browser_takes_at_most_100_ms(lab, page):
    """From picking a layer to its tiles on screen: the kernel's page of levels, the comm message,
    the canvases drawn (224 x 224 x 64 maps: 16 tiles of 112 x 112 averages shown at 96 px)."""
    import statistics
    name = lab.write_notebook("explorer_vgg19.ipynb", VGG19_CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    explorer = explorers(page).first
    explorer.locator(".kb-tile canvas").first.wait_for(timeout=300_000)
    titles = ["block1_conv1 [node 0]", "block2_conv2 [node 0]", "block3_conv4 [node 0]",
              "block4_conv1 [node 0]", "block5_pool [node 0]", "fc1 [node 0]", "predictions [node 0]"]
    order = titles[1:] + titles[:1]  # block1_conv1 is shown first: picking it again changes nothing
    for title in order:  # once each first: the browser's first canvases and the kernel's first pages
        explorer.evaluate(SWITCH, title)
    # Best of three rounds for each layer: on a shared 2-core machine a round can lose its core.
    times = {title: float("inf") for title in order}
    for _ in range(3):
        for title in order:
            times[title] = min(times[title], explorer.evaluate(SWITCH, title))
    print("VGG19 layer switch in the browser, ms: "
          + ", ".join(f"{title.split(' ')[0]} {ms:.0f}" for title, ms in times.items())
          + f"; median {statistics.median(times.values()):.0f}")
    check_rasters(explorer)
    explorer.scroll_into_view_if_needed()
    screenshot(explorer, "activation-explorer-vgg19-block1")
    assert statistics.median(times.values()) <= 100
