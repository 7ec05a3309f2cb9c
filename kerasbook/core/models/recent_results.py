"""What the last few inference calls of functional models computed, so that it is not computed twice.

Why. A lesson often runs a feature-extraction model itself, then opens an ActivationExplorer on the
same model and input:

    features = keras.Model(vgg19.input, [layer.output for layer in vgg19.layers])(img)
    keras.widgets.ActivationExplorer(vgg19, img)

The explorer needs exactly the arrays the first line computed (every call's output). Running VGG19
again costs about a second of CPU; finding the arrays costs nothing. So every compiled inference call
of a functional model (`model(x)`, see `Model._run_compiled`) is remembered here, and `recall` hands
back its outputs when they are asked for again with the same input and the same weights.

What is kept, and what is not. A record holds nothing alive that its caller dropped: the output
arrays, the symbolic tensors and the weights' values are held by weak references (if the student
deletes `features`, the arrays go, and the explorer computes them again). Only the input batch is
held, to compare with the next one, and only when it is small (`MAX_INPUT_BYTES`); the last
`MAX_RECORDS` calls are remembered.

When it is the same result. A symbolic tensor (KerasTensor) stands for one call of one layer on the
outputs of earlier calls: given the same values for the graph's input tensors and the same values
for the weights, an inference call gives the same array. So `recall` checks that the input tensors
are the same objects with equal arrays, that every weight still has the very value (the same JAX
array object) it had, and that every tensor asked for was computed and is still alive.
"""

import collections
import weakref

import numpy as np

MAX_RECORDS = 4  # the last few calls: a lesson asks again soon after, or never
MAX_INPUT_BYTES = 16 * 1024**2  # an input kept for comparison is at most this big (a batch of images)

_records = collections.deque(maxlen=MAX_RECORDS)


class _Record:
    """One inference call: its input tensors and arrays, weights' values, and outputs (weakly)."""

    def __init__(self, input_tensors, input_arrays, variables, output_tensors, output_arrays):
        self.inputs = [(weakref.ref(t), a) for t, a in zip(input_tensors, input_arrays)]
        self.weights = {id(v): (weakref.ref(v), weakref.ref(v._value)) for v in variables}
        self.outputs = {id(t): (weakref.ref(t), weakref.ref(a)) for t, a in zip(output_tensors, output_arrays)}

    def has_inputs(self, input_tensors, input_arrays):
        if len(input_tensors) != len(self.inputs):
            return False
        for tensor, array, (tensor_ref, kept) in zip(input_tensors, input_arrays, self.inputs):
            if tensor_ref() is not tensor or np.shape(array) != kept.shape:
                return False
            if np.asarray(array).dtype != kept.dtype or not np.array_equal(np.asarray(array), kept):
                return False
        return True

    def has_weights(self, variables):
        """Every variable was in the call and still holds the value it had then."""
        for variable in variables:
            variable_ref, value_ref = self.weights.get(id(variable), (None, None))
            if variable_ref is None or variable_ref() is not variable:
                return False
            if variable._value is None or value_ref() is not variable._value:
                return False
        return True

    def output(self, tensor):
        """The array computed for `tensor`, or None when it was not computed or is gone."""
        tensor_ref, array_ref = self.outputs.get(id(tensor), (None, None))
        if tensor_ref is None or tensor_ref() is not tensor:
            return None
        return array_ref()


def remember(model, inputs, variables, outputs):
    """Note an inference call of the functional `model` on `inputs` (arrays, in `model.inputs`'
    order) with the weights `variables`, which returned `outputs` (in `model.outputs`' order)."""
    if sum(getattr(a, "nbytes", 0) for a in inputs) > MAX_INPUT_BYTES:
        return
    if len(inputs) != len(model.inputs) or len(outputs) != len(model.outputs):
        return
    _records.append(_Record(model.inputs, inputs, variables, model.outputs, outputs))


def recall(tensors, input_tensors, inputs, variables):
    """The arrays an earlier call computed for `tensors` (KerasTensors), when the graph's inputs
    `input_tensors` had the arrays `inputs` and `variables` have kept their values since; else None."""
    for record in reversed(_records):
        if not record.has_inputs(input_tensors, inputs) or not record.has_weights(variables):
            continue
        found = [record.output(t) for t in tensors]
        if all(a is not None for a in found):
            return found
    return None


def forget():
    """Drop every record (tests start afresh)."""
    _records.clear()
