"""Every call's output for one input `x`, computed by ONE feature-extraction model.

`Model(model.inputs, [every call's outputs])` runs once (compiled, like any model call) and the
results are kept as NumPy arrays, keyed by node: picking another call to look at only reads them. The
feature model is rebuilt only when the graph changes (a layer added or popped); new weights reuse it,
since its compiled program takes the weights as arguments.

Used by the ActivationExplorer and by GraphView's side panel, so both show the same numbers.
"""

import numpy as np


class Features:
    def __init__(self):
        self.model = None  # the feature-extraction model of the graph last seen
        self._nodes = ()
        self.runs = 0  # how many times the feature model ran (tests read it)

    def compute(self, model, x):
        """`{node: NumPy array of its first output}` for every non-input call of `model` on `x`."""
        from kerasbook.core.models.model import Model
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
