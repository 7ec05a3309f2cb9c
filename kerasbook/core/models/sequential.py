"""`Sequential`: a plain stack of layers, each feeding the next.

Until it knows its input shape, a Sequential model is just a list of layers, with no weights. It
learns the shape from an `Input` given first, from `input_shape=` on its first layer (Keras 2),
from `build(batch_input_shape)`, or from its first call on data. It then builds a functional graph:
one call of each layer, so every layer has one `output`, and the model has `input`, `output`,
`inputs` and `outputs` (Keras 3 leaves a model built by a call without them; kerasbook does not).
`add` extends the graph by one call; `pop` removes the last layer and its call.
"""

from kerasbook.core import tree

from kerasbook.core.engine import paths, tracking
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers.input_layer import InputLayer
from kerasbook.core.models.functional import Functional
from kerasbook.core.models.model import Model
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.engine.variables import standardize_shape


class Sequential(Functional):
    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._sequence = []
        self._input_layer = None
        self._nodes, self._graph_layers, self._node_depths = [], [], {}
        self.inputs, self.outputs = [], []
        self.built = False
        for layer in layers or []:
            self.add(layer, _rebuild=False)
        self._build_graph()

    @property
    def _layers(self):
        return list(self._sequence)

    def add(self, layer, _rebuild=True):
        """Append a layer (or a `keras.Input`, which sets the input shape and is not listed)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history.operation, InputLayer):
            layer = layer._keras_history.operation
        if isinstance(layer, InputLayer):
            if self._sequence or self._input_layer is not None:
                raise ValueError(f'Sequential model "{self.name}": an Input can only come first.')
            self._input_layer = layer
            return
        if not isinstance(layer, Layer):
            raise ValueError(f'Only layers can be added to Sequential model "{self.name}". Received: '
                             f"{layer!r} (of type {type(layer).__name__}).")
        if any(existing.name == layer.name for existing in self._sequence):
            raise ValueError(f'All layers added to a Sequential model should have unique names. Name '
                             f'"{layer.name}" is already the name of a layer in model "{self.name}". '
                             "Pass a different `name` to the new layer.")
        input_layer = self._input_layer
        if not self._sequence and input_layer is None and layer._declared_input_shape is not None:
            self._input_layer = InputLayer(batch_shape=layer._declared_input_shape)
        self._sequence.append(layer)
        tracking.changed()
        if _rebuild:
            try:
                if self.built:
                    self._extend_graph(layer)
                else:
                    self._build_graph()
            except Exception:  # a layer that cannot take the previous output: the model stays as it was
                self._sequence.pop()
                self._input_layer = input_layer
                tracking.changed()
                raise
            self._notify("add")

    def pop(self):
        """Remove the last layer (and its call in the graph)."""
        if not self._sequence:
            raise IndexError(f'Sequential model "{self.name}" has no layers to pop.')
        layer = self._sequence.pop()
        tracking.changed()
        if self.built and self._nodes and self._nodes[-1].operation is layer:
            _forget(self._nodes.pop())
            if self._sequence:
                self._set_graph(self.inputs[0], self._nodes[-1].outputs)
            else:
                self._set_graph(self.inputs[0], self.inputs[0])
        self._notify("pop")
        return layer

    def build(self, input_shape=None):
        if input_shape is None and self._input_layer is None:
            raise ValueError(f'Sequential model "{self.name}" cannot be built without an input shape: '
                             "pass one to build(), start with keras.Input(shape=...), or call the "
                             "model on data.")
        if self._input_layer is not None and input_shape is not None and \
                standardize_shape(input_shape) != self._input_layer.batch_shape:
            raise ValueError(f'Sequential model "{self.name}" has already been configured to use input '
                             f"shape {self._input_layer.batch_shape}. You cannot build it with input_shape "
                             f"{tuple(input_shape)}.")
        if self.built:  # building again would call every layer a second time (two nodes each)
            return
        input_layer = self._input_layer
        if input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        try:
            self._build_graph()
        except Exception:
            self._input_layer = input_layer  # a later build may try another shape
            raise

    def _build_for(self, args):
        shapes = tree.map_structure(lambda x: tuple(x.shape), args[0])
        self.build(shapes)

    def _build_graph(self):
        """Call each layer once, in order, on the input: the graph of a built Sequential model."""
        if self._input_layer is None:
            return
        x = self._input_layer.output
        called = []
        try:
            with paths.layer_scope(self):  # its layers' weights are "sequential/dense/kernel", as in Keras
                for layer in self._sequence:
                    x = layer(x)
                    called.append(layer)
        except Exception:  # undo the calls made, so that each layer keeps one node once the model builds
            for layer in called:
                _forget(layer._inbound_nodes[-1])
            raise
        self._set_graph(self._input_layer.output, x)
        self._notify("build")

    def _extend_graph(self, layer):
        with paths.layer_scope(self):
            output = layer(self.outputs[0])
        self._set_graph(self.inputs[0], output)

    @property
    def weights(self):
        if not self.built and any(not layer.built for layer in self._sequence):
            raise ValueError(f'Sequential model "{self.name}" has not been built yet, so it has no '
                             "weights: it does not know its input shape. Call it on data, call "
                             "build(batch_input_shape), or start it with keras.Input(shape=...).")
        return super().weights

    @property
    def input(self):
        self._require_built("input")
        return self._inputs_struct

    @property
    def output(self):
        self._require_built("output")
        return self._outputs_struct

    def _require_built(self, what):
        if not self.built:
            raise AttributeError(f'Sequential model "{self.name}" has no {what} yet: it is not built. '
                                 "Call it on data or build(batch_input_shape) first.")

    def _call_is_the_graph(self):
        return type(self).call is Sequential.call

    def call(self, inputs, training=None, mask=None):
        if not self.built:
            self.build(tuple(inputs.shape))
        return super().call(inputs, training=training, mask=mask)

    def get_config(self):
        from kerasbook.core.saving import functional_config
        return functional_config.serialize_sequential(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasbook.core.saving import functional_config
        return functional_config.deserialize_sequential(config, custom_objects=custom_objects, cls=cls)


def _forget(node):
    """Remove a node from the graph: from its layer's calls and from its parents' consumers."""
    node.operation._inbound_nodes.remove(node)
    for parent in node.parent_nodes:
        parent.operation._outbound_nodes.remove(node)
