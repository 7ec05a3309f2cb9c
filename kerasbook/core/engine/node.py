"""`Node`: one call of a layer on symbolic tensors.

A layer can be called many times (a shared layer is), so a layer keeps a list of its calls, its
*inbound nodes*; `layer.get_output_at(1)` is the output of the second call. A node knows the
tensors it consumed and made. It does not store its parent nodes: they are read off the `_keras_history`
of its input tensors, so the graph has one source of truth.
"""

from kerasbook.core import tree
from kerasbook.core.engine.tensor import KerasHistory, KerasTensor


class Node:
    """Records `outputs = layer(*call_args, **call_kwargs)` and links it into the graph."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.input_tensors = [x for x in tree.flatten((self.call_args, self.call_kwargs))
                              if isinstance(x, KerasTensor)]
        self.output_tensors = [x for x in tree.flatten(outputs) if isinstance(x, KerasTensor)]

        operation._inbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for parent in self.parent_nodes:
            parent.operation._outbound_nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = KerasHistory(operation, node_index, i)

    @property
    def is_input(self):
        """An input node (of an `InputLayer`) consumes nothing."""
        return not self.input_tensors

    @property
    def parent_nodes(self):
        """The nodes that made this node's inputs, read off their histories."""
        parents = []
        for x in self.input_tensors:
            history = x._keras_history
            if history is not None:
                node = history.operation._inbound_nodes[history.node_index]
                if node not in parents:
                    parents.append(node)
        return parents

    @property
    def input_shapes(self):
        return _shapes(self.call_args[0] if self.call_args else self.input_tensors)

    @property
    def output_shapes(self):
        return _shapes(self.outputs)

    def __repr__(self):
        index = self.operation._inbound_nodes.index(self)
        return f"<Node {self.operation.name}[{index}]>"


def _shapes(structure):
    return tree.map_structure(lambda x: x.shape if hasattr(x, "shape") else None, structure)
