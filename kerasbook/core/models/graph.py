"""From a model's output tensors back to its inputs: the nodes to run, in order.

Walking the `_keras_history` of each output finds every node the outputs depend on. Each node gets a
*depth*: 0 for the nodes that make the outputs, and more than any node it feeds. Running the nodes
from the deepest to depth 0 runs every node after its inputs exist. Layers are listed in the same
order, as Keras lists them (ties broken by the order the walk first met them), so `model.layers`
and `summary()` read as in Keras.
"""

import collections

from kerasbook.core import tree


def map_graph(inputs, outputs):
    """Returns `(nodes, layers, depths)`: the nodes to run and the layers, both deepest first, and
    each node's depth (by `id`)."""
    input_ids = {id(x) for x in inputs}
    finished, in_progress, walk_order, first_seen = set(), set(), [], {}

    def visit(tensor):
        history = tensor._keras_history
        if history is None:
            raise ValueError(f"{tensor} was not made by a layer: a model's inputs must come from "
                             "keras.Input(...) and its outputs from layers called on them.")
        node = history.operation._inbound_nodes[history.node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f'The graph has a cycle at layer "{node.operation.name}".')
        first_seen.setdefault(id(node.operation), (len(first_seen), node.operation))
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for parent_tensor in node.input_tensors:
                visit(parent_tensor)
        in_progress.discard(id(node))
        finished.add(id(node))
        walk_order.append(node)

    for output in outputs:
        visit(output)

    node_depth, layer_depth = {}, {}
    for node in reversed(walk_order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.operation), 0))
        node_depth[id(node)] = depth
        layer_depth[id(node.operation)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in inputs:  # an input that no output depends on is still part of the model
        layer = x._keras_history.operation
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = (-1, layer)
            node_depth[id(layer._inbound_nodes[0])] = 0
            walk_order.append(layer._inbound_nodes[0])

    nodes = sorted(walk_order, key=lambda n: -node_depth[id(n)])
    layers_by_depth = collections.defaultdict(list)
    for layer_id, depth in layer_depth.items():
        layers_by_depth[depth].append(first_seen[layer_id])
    layers = [layer for depth in sorted(layers_by_depth, reverse=True)
              for _, layer in sorted(layers_by_depth[depth], key=lambda pair: pair[0])]
    _check_connected(nodes, inputs, input_ids)
    return nodes, layers, node_depth


def _check_connected(nodes, inputs, input_ids):
    """Every tensor a node needs must be an input or made by an earlier node."""
    available = set(input_ids)
    seen_layers = []
    for node in nodes:
        for x in node.input_tensors:
            if id(x) not in available:
                raise ValueError(
                    f'Graph disconnected: cannot obtain value for tensor {x} at layer "{node.operation.name}". '
                    f"The model's inputs are {[t.name for t in inputs]}; the layers reached without issue "
                    f"were {seen_layers}. Pass every keras.Input that the outputs depend on as an input.")
        if node.is_input and not any(id(x) in input_ids for x in node.output_tensors):
            raise ValueError(
                f'Graph disconnected: the outputs depend on input "{node.operation.name}", which is not '
                f"among the model's inputs {[t.name for t in inputs]}.")
        seen_layers.append(node.operation.name)
        available.update(id(x) for x in node.output_tensors)


def run_graph(nodes, inputs, values, outputs):
    """Run `nodes` on concrete `values` for the `inputs` tensors; return the values of `outputs`."""
    computed = {id(x): v for x, v in zip(inputs, values)}
    for node in nodes:
        if node.is_input or all(id(x) in computed for x in node.output_tensors):
            continue

        def value_of(x):
            return computed[id(x)] if hasattr(x, "_keras_history") and id(x) in computed else x

        args = tree.map_structure(value_of, node.call_args)
        kwargs = tree.map_structure(value_of, node.call_kwargs)
        result = node.operation(*args, **kwargs)
        for x, v in zip(node.output_tensors, tree.flatten(result)):
            computed[id(x)] = v
    return [computed[id(x)] for x in outputs]
