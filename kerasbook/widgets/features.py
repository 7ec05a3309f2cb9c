"""Every call's output for one input `x`, computed by ONE feature-extraction model.

`Model(model.inputs, [every call's outputs])` runs once (compiled, like any model call) and the
results are kept as NumPy arrays, keyed by node: picking another call to look at only reads them. The
feature model is rebuilt only when the graph changes (a layer added or popped); new weights reuse it,
since its compiled program takes the weights as arguments.

`x` is a batch, as for `model(x)`: its first axis counts samples. A single sample without that axis
(`x_test[0]`) is the commonest slip, so `check_batch` names the expected shape and the fix before the
model runs, instead of an error deep inside the first layer.

Used by the ActivationExplorer and by GraphView's side panel, so both show the same numbers.
"""

import numpy as np


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


class Features:
    def __init__(self):
        self.model = None  # the feature-extraction model of the graph last seen
        self._nodes = ()
        self.runs = 0  # how many times the feature model ran (tests read it)

    def compute(self, model, x, who="ActivationExplorer"):
        """`{node: NumPy array of its first output}` for every non-input call of `model` on `x`."""
        from kerasbook.core.models.model import Model
        check_batch(model, x, who)
        nodes = tuple(n for n in model._nodes if not n.is_input)
        if self.model is None or nodes != self._nodes:
            self.model = Model(model.inputs, [n.output_tensors[0] for n in nodes],
                               name=f"{model.name}_features")
            self._nodes = nodes
        values = self.model(x)
        self.runs += 1
        return {node: np.asarray(value) for node, value in zip(nodes, values)}

    def forget(self):
        """Drop the feature model (it holds the model's layers)."""
        self.model, self._nodes = None, ()
