"""`clone_model`: the same architecture with new layers, so new, freshly initialized weights."""

from kerasbook.core.layers.input_layer import InputLayer


def _fresh_copy(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    from kerasbook.core.saving import functional_config  # saving imports the models: not at import time
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    clone_function = clone_function or _fresh_copy
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if model._input_layer is not None:
            layers = [InputLayer(batch_shape=model._input_layer.batch_shape,
                                 dtype=model._input_layer.dtype)] + layers
        clone = Sequential(layers, name=model.name)
    elif isinstance(model, Functional):
        by_name = {layer.name: layer for layer in model.layers}

        def make_layer(record):
            layer = by_name[record["name"]]
            if isinstance(layer, InputLayer):
                return InputLayer(batch_shape=layer.batch_shape, dtype=layer.dtype, name=layer.name)
            return clone_function(layer)

        clone = functional_config.deserialize_functional(model.get_config(), make_layer=make_layer)
    else:
        raise ValueError(f'clone_model needs a functional or Sequential model; "{model.name}" is a '
                         f"subclassed model ({type(model).__name__}). Create a new instance instead.")
    if input_tensors is not None:
        return Functional(input_tensors, clone(input_tensors), name=model.name)
    return clone
