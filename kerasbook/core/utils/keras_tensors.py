"""Questions about symbolic tensors: is this one (`is_keras_tensor`), and which `Input`s does it
come from (`get_source_inputs`, found by walking the layer calls back, as `keras.Model` does)."""


def is_keras_tensor(x):
    """True for a symbolic tensor (made by `keras.Input` or a layer called on one), False for data."""
    from kerasbook.core.engine.tensor import KerasTensor  # imported here: `keras.utils` alone needs no JAX
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The list of input tensors `tensor` is computed from, each once, in the order first met.

    Anything without a layer history (an array) comes back unchanged, as in Keras."""
    if not hasattr(tensor, "_keras_history"):
        return tensor
    history = tensor._keras_history
    if history is None or not history.operation._inbound_nodes:
        return [tensor]
    node = history.operation._inbound_nodes[history.node_index]
    if node.is_input:
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
