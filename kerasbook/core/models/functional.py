"""Functional models: `keras.Model(inputs, outputs)`, a graph of layer calls.

The constructor walks back from `outputs` to `inputs` (see `graph.py`) and keeps the nodes to run.
Calling the model runs those nodes on new data; calling it on symbolic tensors makes it one more node
in a bigger graph, like any layer. Inputs and outputs may be a tensor, a list or a dict.
"""

import jax

from kerasbook.core import tree

from kerasbook.core.engine import tracking
from kerasbook.core.engine.layer import Layer
from kerasbook.core.models import input_check
from kerasbook.core.models.graph import map_graph, run_graph
from kerasbook.core.models.model import Model
from kerasbook.core.engine.tensor import KerasTensor


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._set_graph(inputs, outputs)

    def _set_graph(self, inputs, outputs):
        for x in tree.flatten(inputs) + tree.flatten(outputs):
            if not isinstance(x, KerasTensor):
                raise ValueError(f'Model "{self.name}": inputs and outputs must be symbolic tensors '
                                 f"(from keras.Input and layers called on it); received {x!r}.")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = tree.flatten(inputs)
        self.outputs = tree.flatten(outputs)
        self._nodes, self._graph_layers, self._node_depths = map_graph(self.inputs, self.outputs)
        names = [layer.name for layer in self._graph_layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f'Model "{self.name}" holds two different layers named {duplicates[0]!r}; '
                             "every layer in a model needs a unique name.")
        self.built = True
        self._clear_jit_cache()
        tracking.changed()

    @property
    def _layers(self):
        """The layers of the graph; `keras.ops` calls are operations of the graph but not layers."""
        return [op for op in self._graph_layers if isinstance(op, Layer)]

    @property
    def _operations(self):
        """Every operation of the graph, layers and ops, deepest first (what `summary()` lists)."""
        return list(self._graph_layers)

    def _jit_callable(self):
        return True

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return tree.map_structure(lambda x: x.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return tree.map_structure(lambda x: x.shape, self._outputs_struct)

    @property
    def input_names(self):
        return [x._keras_history.operation.name for x in self.inputs]

    @property
    def output_names(self):
        return [x._keras_history.operation.name for x in self.outputs]

    def _flatten_inputs(self, inputs):
        """Match the data passed to the model with its input tensors (by position or by name)."""
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            missing = [n for n in self.input_names if n not in inputs]
            unknown = [k for k in inputs if k not in self.input_names]
            if missing or unknown:
                raise ValueError(f'Model "{self.name}" has inputs {self.input_names}; the dict passed '
                                 f"has keys {sorted(inputs)} (missing {missing}, unknown {unknown}).")
            return [inputs[n] for n in self.input_names]
        flat = tree.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f'Model "{self.name}" expects {len(self.inputs)} input(s), but it was called '
                             f"on {len(flat)}.")
        return flat

    def _standardize_inputs(self, x):
        """Data for fit, evaluate or predict, checked against the Inputs before it is cut into batches."""
        x = super()._standardize_inputs(x)
        if self.inputs:  # a Sequential model not built yet learns its input shape from the data
            input_check.check_data(self, self._flatten_inputs(x), self.inputs)
        return x

    def call(self, inputs, training=None, mask=None):
        given = input_check.conform(self, self._flatten_inputs(inputs), self.inputs)
        values = run_graph(self._nodes, self.inputs, given, self.outputs)
        return tree.pack_sequence_as(self._outputs_struct, values)

    def compute_output_spec(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        for given, expected in zip(flat, self.inputs):
            if len(given.shape) != len(expected.shape) or any(
                    a is not None and b is not None and a != b
                    for a, b in zip(given.shape[1:], expected.shape[1:])):
                raise ValueError(f'Model "{self.name}" expects an input of shape {expected.shape}, but '
                                 f"received one of shape {given.shape}.")
        if all(a.shape == b.shape for a, b in zip(flat, self.inputs)):
            values = [KerasTensor(x.shape, x.dtype) for x in self.outputs]
        else:  # a different batch or sequence length: work the shapes out again, layer by layer
            values = _spec_through_graph(self, flat)
        return tree.pack_sequence_as(self._outputs_struct, values)

    def get_config(self):
        from kerasbook.core.saving import functional_config
        return functional_config.serialize_functional(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasbook.core.saving import functional_config
        return functional_config.deserialize_functional(config, custom_objects=custom_objects, cls=cls)

    def _call_is_the_graph(self):
        """Whether calling the model runs its graph of layers (a subclass may define its own call)."""
        return type(self).call is Functional.call

    def _symbolic_prediction_specs(self):
        """The predictions for a batch of 2, as shapes and dtypes, read from the symbolic outputs when
        they say it all (nothing but the batch axis unknown); else None. fit needs them to build the
        compiled loss and metrics, and tracing the whole model for them would be a second trace."""
        if not self._call_is_the_graph() or not getattr(self, "outputs", None):
            return None
        outputs = self._outputs_struct
        if any(t.shape[:1] != (None,) or None in t.shape[1:] for t in tree.flatten(outputs)):
            return None
        return tree.map_structure(lambda t: jax.ShapeDtypeStruct((2,) + tuple(t.shape[1:]), t.dtype), outputs)


def _spec_through_graph(model, flat_inputs):
    computed = {id(x): v for x, v in zip(model.inputs, flat_inputs)}
    for node in model._nodes:
        if node.is_input:
            continue
        args = tree.map_structure(lambda x: computed.get(id(x), x), node.call_args)
        kwargs = tree.map_structure(lambda x: computed.get(id(x), x), node.call_kwargs)
        result = node.operation.compute_output_spec(*args, **kwargs)
        for x, v in zip(node.output_tensors, tree.flatten(result)):
            computed[id(x)] = v
    return [computed[id(x)] for x in model.outputs]
