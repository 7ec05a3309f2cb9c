"""Every call's output for one input `x`, computed by ONE feature-extraction model.

`Model(model.inputs, [every call's outputs])` runs once (compiled, like any model call) and the
results are kept as NumPy arrays, keyed by node: picking another call to look at only reads them. The
feature model is rebuilt only when the graph changes (a layer added or popped); new weights reuse it,
since its compiled program takes the weights as arguments.

`x` is a batch, as for `model(x)`: its first axis counts samples. A single sample without that axis
(`x_test[0]`) is the commonest slip, so `check_batch` names the expected shape and the fix before the
model runs, instead of an error deep inside the first layer.

An attention call (MultiHeadAttention, Attention, AdditiveAttention) computes more than its output:
its attention scores, how much each query position looks at each key position. The feature model
calls those layers with `return_attention_scores=True` in the same run and keeps the scores too
(`Features.scores`), without adding a call to the layer's own graph.

Used by the ActivationExplorer and by GraphView's side panel, so both show the same numbers.
"""

import numpy as np

from kerasbook.core import tree
from kerasbook.core.layers.attention import AdditiveAttention, Attention
from kerasbook.core.layers.multi_head_attention import MultiHeadAttention
from kerasbook.core.models import input_check, recent_results
from kerasbook.core.models.functional import Functional

ATTENTION_LAYERS = (MultiHeadAttention, Attention, AdditiveAttention)


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _fits(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))


def check_batch(model, x, who="ActivationExplorer"):
    """Raise a ValueError naming the expected shape when `x` does not fit `model.inputs`.

    `x` is one array (one input) or a list/tuple/dict of arrays (one per input), each with the batch
    axis first: `(samples, *input shape)`.
    """
    inputs = list(model.inputs)
    if isinstance(x, dict):
        arrays = [x.get(t.name.split(":")[0], None) for t in inputs]
        if any(a is None for a in arrays):
            return  # named inputs the model resolves itself
    elif isinstance(x, (list, tuple)):
        arrays = list(x)
    else:
        arrays = [x]
    if len(arrays) != len(inputs):
        raise ValueError(f'{who}: model "{model.name}" has {len(inputs)} inputs, so x must be a list of '
                         f"{len(inputs)} arrays; received {len(arrays)}.")
    for i, (array, tensor) in enumerate(zip(arrays, inputs)):
        shape, expected = tuple(np.shape(array)), tuple(tensor.shape)
        if _fits(shape, expected):
            continue
        which = f"input {i} ({tensor.name})" if len(inputs) > 1 else "its input"
        message = (f'{who}: model "{model.name}" expects a batch for {which}, of shape '
                   f"{_shape_text(expected)} (the first axis counts samples); x has shape "
                   f"{_shape_text(shape)}.")
        if _fits((1,) + shape, expected):
            message += (" This looks like one sample without the batch axis: pass x[None] (a batch of "
                        "one), or x_test[:1] instead of x_test[0] (a slice keeps the axis).")
        raise ValueError(message)


def sample_count(x):
    """How many samples the batch `x` holds (its first axis; the first input's for several)."""
    if isinstance(x, dict):
        x = next(iter(x.values()))
    elif isinstance(x, (list, tuple)):
        x = x[0]
    return int(np.shape(x)[0])


def is_attention(node):
    return isinstance(node.operation, ATTENTION_LAYERS)


class FeatureModel(Functional):
    """`model`'s graph with every call's first output as an output; `model(x)` returns
    `(outputs, scores)`: the outputs in node order, and the attention scores of each attention call
    (`(batch, heads, Tq, Tv)`, or `(batch, Tq, Tv)` for Attention), in the order of `attention_nodes`.

    It runs the graph as `Functional.call` does (`graph.run_graph`), except that an attention call is
    asked for its scores too: they are computed anyway, so this costs nothing more."""

    def __init__(self, inputs, nodes, name):
        # Not given the model itself: a layer keeps its constructor's arguments (for get_config), and
        # the feature model must not keep the student's model alive (widgets hold it weakly).
        super().__init__(inputs, [n.output_tensors[0] for n in nodes], name=name)
        self.attention_nodes = [n for n in nodes if is_attention(n)]

    def call(self, inputs, training=None, mask=None):
        values = input_check.conform(self, self._flatten_inputs(inputs), self.inputs)
        computed = {id(x): v for x, v in zip(self.inputs, values)}
        scores = {}

        def value_of(x):
            return computed.get(id(x), x) if hasattr(x, "_keras_history") else x

        for node in self._nodes:
            if node.is_input:
                continue
            args = tree.map_structure(value_of, node.call_args)
            kwargs = tree.map_structure(value_of, node.call_kwargs)
            if is_attention(node):
                result = node.operation(*args, **{**kwargs, "return_attention_scores": True})
                scores[id(node)] = result[1]
                result = result if kwargs.get("return_attention_scores") else result[0]
            else:
                result = node.operation(*args, **kwargs)
            for x, v in zip(node.output_tensors, tree.flatten(result)):
                computed[id(x)] = v
        return [computed[id(x)] for x in self.outputs], [scores[id(n)] for n in self.attention_nodes]


class Features:
    def __init__(self):
        self.model = None  # the feature-extraction model of the graph last seen
        self._nodes = ()
        self.scores = {}  # node -> NumPy array of its attention scores (attention calls only)
        self.runs = 0  # how many times the activations were computed, or found (tests read it)
        self.reused = 0  # how many of those found them computed by a model call (recent_results)

    def compute(self, model, x, who="ActivationExplorer"):
        """`{node: NumPy array of its first output}` for every non-input call of `model` on `x`;
        the attention calls' scores go to `self.scores`."""
        check_batch(model, x, who)
        nodes = tuple(n for n in model._nodes if not n.is_input)
        if self.model is None or nodes != self._nodes:
            self.model = FeatureModel(model.inputs, nodes, name=f"{model.name}_features")
            self._nodes = nodes
        values = self._recent_values(model, nodes, x)
        if values is None:
            values, scores = self.model(x)
        else:  # a model call just computed them all (attention scores are never among them)
            scores = []
            self.reused += 1
        self.runs += 1
        self.scores = {node: np.asarray(s) for node, s in zip(self.model.attention_nodes, scores)}
        return {node: np.asarray(value) for node, value in zip(nodes, values)}

    def _recent_values(self, model, nodes, x):
        """Every call's output as a recent call of a functional model on `x` computed them (for
        instance a feature-extraction model the lesson ran itself), or None: then the feature model
        runs. Attention calls are always run: their scores are not among any model's outputs."""
        if self.model.attention_nodes or isinstance(x, dict):
            return None
        inputs = list(x) if isinstance(x, (list, tuple)) else [x]
        return recent_results.recall([n.output_tensors[0] for n in nodes], model.inputs, inputs,
                                     model.trainable_variables + model.non_trainable_variables)

    def forget(self):
        """Drop the feature model (it holds the model's layers)."""
        self.model, self._nodes, self.scores = None, (), {}
