"""GraphView in a real JupyterLab: click a box, hover, fit, zoom, fold a nested model, dark theme.

Screenshots: test-artifacts/graph-view-*.png.
"""

import re

import pytest

from conftest import open_notebook, run_all_cells, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext kerasbook",
    # A shared layer whose two calls see different shapes: the panel must show THAT call's.
    "short, long = keras.Input((3, 5), name='short'), keras.Input((7, 5), name='long')\n"
    "shared = layers.Dense(2, activation='relu', name='shared')\n"
    "joined = layers.Concatenate(axis=1, name='join')([shared(short), shared(long)])\n"
    "siamese = keras.Model([short, long], layers.Dense(1, name='score')(joined), name='siamese')\n"
    "rng = np.random.default_rng(0)\n"
    "x = [rng.random((1, 3, 5), dtype='float32'), rng.random((1, 7, 5), dtype='float32')]\n"
    "keras.widgets.GraphView(siamese, x)",
    # A nested model (a cluster that folds into one box).
    "encoder = keras.Sequential([keras.Input((6,), name='pixels'), layers.Dense(4, name='code')], name='encoder')\n"
    "inp = keras.Input((6,), name='x')\n"
    "outer = keras.Model(inp, layers.Dense(2, name='head')(encoder(inp)), name='outer')\n"
    "keras.widgets.GraphView(outer)",
    # Lesson 5's Inception module: a 1,179 px wide diagram, cut off before.
    "img = keras.Input(shape=(256, 256, 3), name='img')\n"
    "t1 = layers.Conv2D(64, (1, 1), padding='same', activation='relu')(img)\n"
    "t1 = layers.Conv2D(64, (3, 3), padding='same', activation='relu')(t1)\n"
    "t2 = layers.Conv2D(64, (1, 1), padding='same', activation='relu')(img)\n"
    "t2 = layers.Conv2D(64, (5, 5), padding='same', activation='relu')(t2)\n"
    "t3 = layers.MaxPooling2D((3, 3), strides=(1, 1), padding='same')(img)\n"
    "t3 = layers.Conv2D(64, (1, 1), padding='same', activation='relu')(t3)\n"
    "t4 = layers.Conv2D(64, (1, 1), padding='same', activation='relu')(img)\n"
    "inception = keras.Model(img, layers.concatenate([t1, t2, t3, t4], axis=3), name='inception')\n"
    "%graph inception",
    # Xception: 134 calls, its middle flow folded into one "x8" box; fitted to the width.
    "xception = keras.applications.Xception(weights=None)\n"
    "keras.widgets.GraphView(xception)",
    # No graph yet: the view says so and how to build it, then draws the model once it is built.
    "later = keras.Sequential([layers.Dense(3, name='d')], name='later')\n"
    "keras.widgets.GraphView(later)",
    "later.build((None, 5))  # the view above draws the model now",
    # Feature maps in the panel: the conv call's first 9 channels as crisp tiles, on one colour scale.
    "pixels = keras.Input((12, 12, 1), name='pixels')\n"
    "conv = layers.Conv2D(12, 3, activation='relu', name='conv')(pixels)\n"
    "cnn = keras.Model(pixels, layers.GlobalAveragePooling2D(name='pool')(conv), name='cnn')\n"
    "keras.widgets.GraphView(cnn, np.random.default_rng(1).random((1, 12, 12, 1), dtype='float32'))",
    # A sequence of 400 units: 400 px of 1-px columns, wider than the panel.
    "wide = keras.Sequential([keras.Input((4, 3)), layers.Dense(400, name='wide')], name='wide')\n"
    "keras.widgets.GraphView(wide, np.ones((1, 4, 3), 'float32'))",
]


def view(page, index):
    """The GraphView of the index-th widget output."""
    views = page.locator(".jp-OutputArea-output .kb-graph-view")
    views.nth(index).wait_for(timeout=120_000)
    return views.nth(index)


def box(widget, box_id):
    return widget.locator(f'svg g[id="{box_id}"]')


def transform(widget):
    return widget.locator(".kb-canvas").evaluate("e => e.style.transform")


def test_graph_view_click_hover_fit_zoom_fold_and_dark_theme(lab, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = lab.write_notebook("graph_view.ipynb", CELLS)
    open_notebook(lab, page, name)
    run_all_cells(page)
    try:
        siamese = view(page, 0)
        box(siamese, "shared[1]").wait_for(timeout=60_000)
        panel = siamese.locator(".kb-panel")
        # The default selection: the first call with weights, highlighted.
        assert "shared [node 0]" in panel.inner_text()
        assert box(siamese, "shared[0]").evaluate("g => g.classList.contains('kb-selected')")

        # Click the second call: the panel shows THAT call's shapes (the kernel fills it).
        box(siamese, "shared[1]").click()
        page.wait_for_function("el => el.innerText.includes('shared [node 1]')", arg=panel.element_handle(),
                               timeout=30_000)
        text = panel.inner_text()
        assert "(None, 7, 5)" in text and "(None, 7, 2)" in text and "(None, 3, 5)" not in text
        assert re.search(r"node index\s+1", text) and "shared/kernel (5, 2)" in text
        assert box(siamese, "shared[1]").evaluate("g => g.classList.contains('kb-selected')")
        assert siamese.locator(".kb-histogram rect").count() >= 24
        # Its (7, 2) output: a heat map drawn from levels, 24 px cells, under a colour bar.
        heat_map = panel.locator("canvas.kb-raster")
        heat_map.wait_for(timeout=30_000)
        assert heat_map.evaluate("c => [c.style.width, c.style.height]") == ["48px", "168px"]
        assert panel.locator("canvas.kb-colourbar").count() == 1 and panel.locator("img.kb-activation").count() == 0
        assert "time step" in panel.inner_text() and "unit" in panel.inner_text()
        assert "GlorotUniform(seed=None" in text  # the config as a table, not JSON

        # Hover: a tooltip with the call's name, class and shapes, never graphviz's ids.
        box(siamese, "shared[0]").hover()
        tooltip = siamese.locator(".kb-tooltip")
        tooltip.wait_for(state="visible", timeout=10_000)
        tip = tooltip.inner_text()
        assert "shared [node 0] (Dense)" in tip and "in: (None, 3, 5)" in tip and "params: 12" in tip
        assert siamese.locator("svg title").count() == 0
        legend = siamese.locator(".kb-legend").inner_text()
        assert "each call of a shared layer" in legend and "nested model" in legend
        siamese.scroll_into_view_if_needed()
        screenshot(siamese, "graph-view-shared-layer")
        # Shapes on arrows: the kernel lays the graph out again with each tensor's shape on its arrow.
        page.mouse.move(0, 0)
        siamese.locator(".kb-edge-shapes input").check()
        siamese.locator("svg g.edge text", has_text="(None, 7, 2)").wait_for(timeout=30_000)
        screenshot(siamese, "graph-view-edge-shapes")
        siamese.locator(".kb-edge-shapes input").uncheck()
        siamese.locator("svg g.edge text").first.wait_for(state="detached", timeout=30_000)

        # Fit to the width: the wide Inception module is drawn whole inside the output area.
        wide = view(page, 2)
        box(wide, "img[0]").wait_for(timeout=60_000)
        sizes = wide.evaluate("w => ({svg: w.querySelector('svg').getBoundingClientRect().width,"
                              " viewport: w.querySelector('.kb-viewport').getBoundingClientRect().width,"
                              " area: w.closest('.jp-OutputArea-output').getBoundingClientRect().width,"
                              " scroll: w.querySelector('.kb-viewport').scrollWidth})")
        assert sizes["svg"] <= sizes["viewport"] + 1 and sizes["viewport"] <= sizes["area"]
        wide.scroll_into_view_if_needed()
        screenshot(wide, "graph-view-fit-to-width")
        # Zoom: the + button changes the transform; fit brings the whole width back.
        fitted = transform(wide)
        wide.locator(".kb-zoom-in").click()
        zoomed = transform(wide)
        assert zoomed != fitted and float(re.search(r"scale\(([\d.]+)\)", zoomed).group(1)) > \
            float(re.search(r"scale\(([\d.]+)\)", fitted).group(1))
        screenshot(wide, "graph-view-zoomed")
        wide.locator(".kb-fit").click()
        assert transform(wide) == fitted

        # Fold the nested model: select its cluster (its label), then the panel's button.
        nested = view(page, 1)
        cluster = nested.locator('svg g.cluster[id="encoder[0]"]')
        cluster.wait_for(timeout=60_000)
        cluster.locator("text").first.click()
        nested.locator(".kb-fold").wait_for(timeout=30_000)
        assert "encoder [node 0]" in nested.locator(".kb-panel").inner_text()
        nested.locator(".kb-fold").click()
        nested.locator('svg g.node[id="encoder[0]"]').wait_for(timeout=30_000)  # one box now
        assert nested.locator('svg g[id="encoder[0]/code[0]"]').count() == 0
        nested.scroll_into_view_if_needed()
        screenshot(nested, "graph-view-nested-folded")
        nested.locator(".kb-fold").click()  # and open again
        nested.locator('svg g.cluster[id="encoder[0]"]').wait_for(timeout=30_000)

        # Xception shows whole (zoom in to read), the middle flow one box; a double-click unfolds it.
        tall = view(page, 3)
        folded = tall.locator('svg g[id="x8(block5_sepconv1_act[0])"]')
        folded.wait_for(timeout=120_000)
        sizes = tall.evaluate("w => { const svg = w.querySelector('svg').getBoundingClientRect();"
                              " const viewport = w.querySelector('.kb-viewport').getBoundingClientRect();"
                              " return {width: svg.width, height: svg.height, room: viewport.width,"
                              " tall: viewport.height}; }")
        assert sizes["width"] <= sizes["room"] + 1 and sizes["height"] <= sizes["tall"] + 1  # whole
        tall.scroll_into_view_if_needed()
        screenshot(tall, "graph-view-xception")
        folded.dblclick()
        tall.locator('svg g[id="block12_sepconv2[0]"]').wait_for(state="attached", timeout=60_000)

        # A model with no graph yet: the note, no empty frame; the cell that builds it draws it.
        unbuilt = view(page, 4)
        box(unbuilt, "d[0]").wait_for(timeout=60_000)  # built by the last cell: the view followed
        assert unbuilt.locator(".kb-note").is_hidden()

        # A convolution's feature maps: 9 tiles of 10 x 10 pixels, each shown 70 px wide (7 px a pixel).
        cnn = view(page, 5)
        tiles = cnn.locator(".kb-panel .kb-tile")
        tiles.nth(8).wait_for(timeout=60_000)
        assert tiles.count() == 9 and tiles.first.locator("figcaption").inner_text() == "ch 0"
        ratio = page.evaluate("window.devicePixelRatio")
        assert tiles.first.locator("canvas").evaluate("c => [c.style.width, c.width]") == ["70px", round(70 * ratio)]
        assert "one colour scale for all 12 channels" in cnn.locator(".kb-panel").inner_text()
        cnn.scroll_into_view_if_needed()
        screenshot(cnn, "graph-view-feature-maps")

        # A raster wider than the panel scrolls inside it; the panel keeps its 300 px.
        wide = view(page, 6)
        wide.locator(".kb-panel canvas.kb-raster").wait_for(timeout=60_000)
        wide.scroll_into_view_if_needed()
        spill = wide.evaluate(
            "w => { const s = w.querySelector('.kb-panel .kb-stack'), out = w.closest('.jp-OutputArea-output');"
            " return {scroll: s.scrollWidth, shown: s.clientWidth, output: [out.scrollWidth, out.clientWidth],"
            " canvas: s.querySelector('canvas.kb-raster').offsetWidth}; }")
        # the heat map scrolls in its place, the cell's output does not scroll sideways
        assert spill["canvas"] == 400 and spill["shown"] <= 300 < spill["scroll"], spill
        assert spill["output"][0] <= spill["output"][1], spill

        # The dark theme: boxes and lines take the theme's colours.
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
        page.wait_for_timeout(500)
        colours = siamese.evaluate(
            "w => { const fill = (sel) => getComputedStyle(w.querySelector(sel)).fill;"
            " return {layer: fill('g[id=\"score[0]\"] polygon[fill=\"#e3f2fd\"]'),"
            " text: fill('g[id=\"score[0]\"] text:not([fill])'), background: getComputedStyle(w).color}; }")
        assert _luminance(colours["layer"]) < 0.35 and _luminance(colours["text"]) > 0.6
        # The heat map's numbers are the theme's text, not dark print on a white picture.
        tick = siamese.locator(".kb-panel .kb-ticks span").first.evaluate("s => getComputedStyle(s).color")
        assert _luminance(tick) > 0.5
        siamese.scroll_into_view_if_needed()
        screenshot(siamese, "graph-view-dark")
        cnn.scroll_into_view_if_needed()
        screenshot(cnn, "graph-view-feature-maps-dark")
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert errors == []
    finally:
        screenshot(page, "graph-view-page")
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")


def _luminance(css_colour):
    numbers = [float(n) for n in re.findall(r"[\d.]+", css_colour)[:3]]
    return sum(numbers) / (3 * 255)


def test_an_untrusted_notebook_shows_the_graph_and_the_selected_call_without_a_kernel(lab, page):
    """A saved GraphView output opened untrusted (a fresh clone, Binder): JupyterLab's sanitizer keeps
    the fallback's `<img>` of the graph (an inline <svg> would be dropped) and the panel's table."""
    import json

    import numpy as np

    import kerasbook as keras
    from kerasbook import layers
    from kerasbook.widgets import GraphView

    short, long = keras.Input((3, 5), name="short"), keras.Input((7, 5), name="long")
    shared = layers.Dense(2, name="shared")
    model = keras.Model([short, long], layers.Concatenate(axis=1)([shared(short), shared(long)]), name="saved")
    widget = GraphView(model, [np.ones((1, 3, 5), "float32"), np.ones((1, 7, 5), "float32")]).select("shared", 1)
    bundle, _ = widget._repr_mimebundle_()
    output = {"output_type": "display_data", "metadata": {},
              "data": {"text/plain": bundle["text/plain"], "text/html": bundle["text/html"]}}
    notebook = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "saved", "metadata": {},
                           "outputs": [output], "source": "GraphView(model, x).select('shared', 1)"}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (lab.root / "saved_graph.ipynb").write_text(json.dumps(notebook))
    widget.close()
    page.goto(lab.url("lab/tree/saved_graph.ipynb"))
    picture = page.wait_for_selector(".jp-OutputArea-output img[src^='data:image/svg+xml']", timeout=60_000)
    assert picture.evaluate("img => img.complete && img.naturalWidth") > 100  # decoded: a real picture
    panel = page.inner_text(".jp-OutputArea-output .kerasbook-graph-panel")
    assert "shared [node 1]" in panel and "(None, 7, 5)" in panel and "(None, 3, 5)" not in panel
    assert page.locator(".jp-OutputArea-output img[src^='data:image/png']").count() == 1  # the activation
    screenshot(page.locator(".jp-OutputArea-output").first, "graph-view-untrusted-fallback")
