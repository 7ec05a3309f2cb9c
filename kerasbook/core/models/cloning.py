"""`clone_model`: the same architecture with new layers, so new, freshly initialized weights.

A functional model is cloned by walking its graph of calls (the nodes `models/graph.py` orders):
each layer is cloned once (a shared layer stays shared in the clone) with `clone_function`, and called
on the clone's tensors with `call_function`, which may add layers around a call (a Dropout after each
Dense, say). Keras's arguments: `clone_model(model, input_tensors, clone_function, call_function,
recursive)`.
"""

from kerasbook.core import tree
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers.input_layer import Input, InputLayer


def _fresh_copy(layer):
    return type(layer).from_config(layer.get_config())


def _plain_call(layer, *args, **kwargs):
    return layer(*args, **kwargs)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False):
    """A new model of the same architecture. `clone_function(layer)` makes each new layer (by default
    from its config: fresh weights); `call_function(layer, *args, **kwargs)` makes each call in a
    functional model (by default `layer(*args, **kwargs)`); with `recursive=True`, functional and
    Sequential models inside are cloned the same way rather than given to `clone_function`."""
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    clone_layer = _layer_cloner(clone_function or _fresh_copy, call_function, recursive)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("`call_function` is not supported with Sequential models: their layers are not "
                             "called when the model is made, only listed. Use it with a functional model. "
                             f'Received model "{model.name}" of type Sequential.')
        return _clone_sequential(model, clone_layer, input_tensors)
    if isinstance(model, Functional):
        return _clone_functional(model, clone_layer, call_function or _plain_call, input_tensors)
    raise ValueError(f'clone_model needs a functional or Sequential model; "{model.name}" is a '
                     f"subclassed model ({type(model).__name__}). Create a new instance instead: "
                     "model.__class__.from_config(model.get_config()).")


def _layer_cloner(clone_function, call_function, recursive):
    """`clone(layer)`, once per layer (shared layers stay shared); inner models cloned again when
    `recursive` (Sequential ones without the call_function, which they cannot take)."""
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    clones = {}

    def clone(layer):
        if id(layer) not in clones:
            if recursive and isinstance(layer, Sequential):
                clones[id(layer)] = clone_model(layer, clone_function=clone_function, recursive=True)
            elif recursive and isinstance(layer, Functional):
                clones[id(layer)] = clone_model(layer, clone_function=clone_function,
                                                call_function=call_function, recursive=True)
            else:
                clones[id(layer)] = clone_function(layer)
        return clones[id(layer)]
    return clone


def _clone_sequential(model, clone_layer, input_tensors):
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    layers = [clone_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        outputs = tree.flatten(input_tensors)[0]
        for layer in layers:
            outputs = layer(outputs)
        return Functional(input_tensors, outputs, name=model.name)
    if model._input_layer is not None:
        layers = [InputLayer(batch_shape=model._input_layer.batch_shape, dtype=model._input_layer.dtype)] + layers
    return Sequential(layers, name=model.name)


def _clone_functional(model, clone_layer, call_function, input_tensors):
    """Walk the model's calls in order on new inputs: each node's layer cloned, then called."""
    from kerasbook.core.models.functional import Functional
    new_inputs = _new_inputs(model, input_tensors)
    computed = {id(old): new for old, new in zip(model.inputs, tree.flatten(new_inputs))}
    for node in model._nodes:
        if node.is_input or all(id(x) in computed for x in node.output_tensors):
            continue

        def new_tensor(x):
            return computed.get(id(x), x) if hasattr(x, "_keras_history") else x

        args = tree.map_structure(new_tensor, node.call_args)
        kwargs = tree.map_structure(new_tensor, node.call_kwargs)
        if isinstance(node.operation, Layer):
            result = call_function(clone_layer(node.operation), *args, **kwargs)
        else:  # an op of keras.ops (ops.relu, x[:, :4]): no weights, called again as it is
            result = node.operation(*args, **kwargs)
        for old, new in zip(node.output_tensors, tree.flatten(result)):
            computed[id(old)] = new
    outputs = tree.map_structure(lambda x: computed[id(x)], _structure(model, "_outputs_struct", model.outputs))
    inputs = new_inputs if input_tensors is not None else tree.map_structure(
        lambda x: computed[id(x)], _structure(model, "_inputs_struct", model.inputs))
    return Functional(inputs, outputs, name=model.name)


def _structure(model, attribute, flat):
    """The model's inputs or outputs as it was given them (a tensor, a list, a dict), else the list."""
    structure = getattr(model, attribute, None)
    return flat if structure is None else structure


def _new_inputs(model, input_tensors):
    """New `Input`s like the model's (same shape, dtype and name), or the tensors given."""
    if input_tensors is not None:
        given = tree.flatten(input_tensors)
        if len(given) != len(model.inputs):
            raise ValueError(f'clone_model: model "{model.name}" has {len(model.inputs)} input(s), but '
                             f"input_tensors holds {len(given)}.")
        return [x.output if isinstance(x, InputLayer) else x for x in given] \
            if isinstance(input_tensors, (list, tuple)) else input_tensors
    return [Input(batch_shape=x.shape, dtype=x.dtype, name=_input_name(x)) for x in model.inputs]


def _input_name(tensor):
    layer = tensor._keras_history[0]
    return layer.name
