"""A layer's call history: `input`, `output`, their shapes, and `get_*_at(node_index)`.

Each call of a layer on symbolic tensors is a node (see `node.py`). With one node, `layer.output` is
clear. With several (a shared layer), Keras 3 quietly answers with the first call; kerasbook refuses, as
Keras 2 did, and says which method gives each call, because the quiet answer misleads learners.
"""


class NodeAccessors:
    """Mixed into `Layer`; reads `self._inbound_nodes`."""

    @property
    def inbound_nodes(self):
        """The nodes where this layer was called, in call order."""
        return list(self._inbound_nodes)

    @property
    def outbound_nodes(self):
        """The nodes where this layer's outputs were consumed."""
        return list(self._outbound_nodes)

    def _node_at(self, node_index, attr):
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" has never been called and thus has no defined '
                                 f"{attr}. Call it on an input first, e.g. `y = layer(x)`.")
        try:
            return self._inbound_nodes[node_index]
        except IndexError:
            raise ValueError(f'Asked for node {node_index} of layer "{self.name}", but the layer has only '
                             f"{len(self._inbound_nodes)} inbound node(s).") from None

    def _only(self, attr, method, values=None):
        """The value of `attr` when it is the same at every node, else Keras 2's AttributeError."""
        self._node_at(0, attr)
        if len(self._inbound_nodes) > 1:
            if values is not None and all(v == values[0] for v in values):
                return values[0]
            raise AttributeError(
                f'Layer {self.name} has multiple inbound nodes, hence the notion of "layer {attr}" is '
                f"ill-defined. Use `{method}(node_index)` instead.")
        return None

    def get_input_at(self, node_index):
        node = self._node_at(node_index, "input")
        return _unwrap(node.call_args[0] if node.call_args else node.input_tensors)

    def get_output_at(self, node_index):
        return _unwrap(self._node_at(node_index, "output").outputs)

    def get_input_shape_at(self, node_index):
        return self._node_at(node_index, "input shape").input_shapes

    def get_output_shape_at(self, node_index):
        return self._node_at(node_index, "output shape").output_shapes

    def get_input_mask_at(self, node_index):
        node = self._node_at(node_index, "input mask")
        return _unwrap([t._keras_mask for t in node.input_tensors])

    def get_output_mask_at(self, node_index):
        node = self._node_at(node_index, "output mask")
        return _unwrap([t._keras_mask for t in node.output_tensors])

    @property
    def input(self):
        self._only("input", "get_input_at")
        return self.get_input_at(0)

    @property
    def output(self):
        self._only("output", "get_output_at")
        return self.get_output_at(0)

    @property
    def input_shape(self):
        shapes = [n.input_shapes for n in self._inbound_nodes]
        same = self._only("input shape", "get_input_shape_at", shapes)
        return same if same is not None else shapes[0]

    @property
    def output_shape(self):
        shapes = [n.output_shapes for n in self._inbound_nodes]
        same = self._only("output shape", "get_output_shape_at", shapes)
        return same if same is not None else shapes[0]

    @property
    def input_mask(self):
        self._only("input mask", "get_input_mask_at")
        return self.get_input_mask_at(0)

    @property
    def output_mask(self):
        self._only("output mask", "get_output_mask_at")
        return self.get_output_mask_at(0)


def _unwrap(x):
    return x[0] if isinstance(x, list) and len(x) == 1 else x
