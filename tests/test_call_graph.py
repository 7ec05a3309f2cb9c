"""The node graph's layout details: typography, order of a shared layer's calls, folding, ids."""

import re

import kerasbook as keras
from kerasbook import layers
from kerasbook.viz import diagrams
from kerasbook.viz.repeats import find_repeats


def siamese():
    """Two inputs whose second feeds the shared layer's FIRST call (graphviz drew it on the right)."""
    first, second = keras.Input((16,), name="left"), keras.Input((16,), name="right")
    shared = layers.Dense(8, name="shared")
    merged = layers.add([shared(second), shared(first)], name="merge")
    return keras.Model([first, second], layers.Dense(1, name="score")(merged), name="siamese")


def box_x(svg, box_id):
    """The left edge of a box in the SVG (its first polygon's smallest x)."""
    group = re.search(r'<g id="' + re.escape(box_id) + r'" class="node[^"]*">(.*?)</g>', svg, re.S).group(1)
    xs = [float(x) for x in re.findall(r"(-?[\d.]+),-?[\d.]+", re.search(r'points="([^"]+)"', group).group(1))]
    return min(xs)


def test_calls_of_a_shared_layer_are_drawn_left_to_right_by_node_index():
    svg = diagrams.node_graph(siamese()).svg()
    assert box_x(svg, "shared[0]") < box_x(svg, "shared[1]")
    assert box_x(svg, "left[0]") < box_x(svg, "right[0]")  # inputs in the model's order


def test_name_and_class_on_separate_rows_and_a_space_browsers_keep():
    source = diagrams.node_graph(siamese()).source
    # The class has a row of its own, so the bold name's underscore cannot strike through it.
    assert ('<b>shared</b>&#160;[node 1]</font></td></tr><tr><td bgcolor="#263238" sides="LBR"'
            in source)
    svg = diagrams.node_graph(siamese()).svg()
    assert "\u00a0[node 1]</text>" in svg  # a no-break space: not dropped at the start of an SVG text
    plot = keras.utils.model_to_dot(siamese()).source
    assert "<b>shared</b>&#160;(Dense)" in plot


def test_boxes_have_stable_svg_ids_kinds_and_titles():
    diagram = diagrams.node_graph(siamese())
    kinds = {box.id: (box.title, box.kind) for box in diagram.boxes.values()}
    assert kinds == {"left[0]": ("left [node 0]", "input"), "right[0]": ("right [node 0]", "input"),
                     "shared[0]": ("shared [node 0]", "shared"), "shared[1]": ("shared [node 1]", "shared"),
                     "merge[0]": ("merge [node 0]", "layer"), "score[0]": ("score [node 0]", "layer")}
    svg = diagram.svg()
    assert all(f'<g id="{box_id}" class="node kb&#45;' in svg for box_id in kinds)


def test_edge_shapes_label_each_arrow_with_its_tensor_shape():
    source = diagrams.node_graph(siamese(), edge_shapes=True).source
    assert '"shared[0]" -> "merge[0]" [label="(None, 8)"' in source
    assert "label=\"(None" not in diagrams.node_graph(siamese()).source


def repeated_blocks(count=4):
    x = inputs = keras.Input((6,), name="x")
    for i in range(count):
        h = layers.Dense(6, name=f"d{i}a")(x)
        h = layers.Activation("relu", name=f"r{i}")(h)
        x = layers.add([layers.Dense(6, name=f"d{i}b")(h), x], name=f"add{i}")
    return keras.Model(inputs, layers.Dense(2, name="head")(x), name="tower")


def test_repeated_identical_blocks_are_found_and_fold_into_one_box():
    model = repeated_blocks()
    assert find_repeats(model._nodes) == [(1, 4, 4)]
    assert find_repeats(repeated_blocks(2)._nodes) == []  # two are not enough to fold
    title = "d0a … add3 (x4)"
    diagram = diagrams.node_graph(model, fold_repeats=True, folded=[title])
    repeat = diagram.boxes["x4(d0a[0])"]
    assert (repeat.title, repeat.kind, repeat.count, len(repeat.members)) == (title, "repeat", 4, 16)
    assert list(diagram.boxes) == ["x[0]", "x4(d0a[0])", "head[0]"]
    assert '"x[0]" -> "x4(d0a[0])"' in diagram.source and '"x4(d0a[0])" -> "head[0]"' in diagram.source
    assert "x4" in diagram.svg()
    assert len(diagrams.node_graph(model, fold_repeats=True).boxes) == 18  # not folded unless named


def test_a_folded_nested_model_is_one_box_and_an_expanded_one_a_cluster():
    encoder = keras.Sequential([keras.Input((6,), name="pixels"), layers.Dense(4, name="code")], name="encoder")
    x = keras.Input((6,), name="x")
    model = keras.Model(x, layers.Dense(2, name="head")(encoder(x)), name="outer")
    open_ = diagrams.node_graph(model, expand_nested=True)
    assert open_.boxes["encoder[0]"].expanded and "encoder[0]/code[0]" in open_.boxes
    assert 'id="encoder[0]" class="cluster kb&#45;nested"' in open_.svg()
    closed = diagrams.node_graph(model, expand_nested=True, folded=["encoder [node 0]"])
    assert closed.boxes["encoder[0]"].kind == "nested" and not closed.boxes["encoder[0]"].expanded
    assert "encoder[0]/code[0]" not in closed.boxes and "cluster" not in closed.source
