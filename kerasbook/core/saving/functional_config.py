"""A functional or Sequential model's structure as a config, and back (Keras 3's format).

A functional config lists every layer with the calls it takes part in (`inbound_nodes`), each call's
arguments naming the tensors it consumes by `[layer name, node index, tensor index]`. Node indices
count only the calls inside this model, so a layer shared with another model still numbers its calls
here from 0. Rebuilding replays the calls, each once its input tensors exist.
"""

from kerasbook.core import tree
from kerasbook.core.saving import op_records
from kerasbook.core.saving.serialization import deserialize_keras_object, serialize_keras_object
from kerasbook.core.engine.tensor import KerasTensor


def serialize_functional(model):
    model_nodes = {id(n) for n in model._nodes}

    def local_index(layer, node_index):
        node = layer._inbound_nodes[node_index]
        return [n for n in layer._inbound_nodes if id(n) in model_nodes].index(node)

    def history(x):
        h = x._keras_history
        return [h.operation.name, local_index(h.operation, h.node_index), h.tensor_index]

    def model_end(x):  # an input or output: Keras counts a nested functional model's calls from 1
        name, index, tensor_index = history(x)
        return [name, index + _nested_functional_offset(x._keras_history.operation), tensor_index]

    def tensor_record(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}}
        return serialize_keras_object(x)

    layer_configs = []
    for layer in model._operations:  # layers and, as Keras 3 writes them, the ops between them
        record = op_records.serialize_op(layer) if op_records.is_op(layer) else serialize_keras_object(layer)
        record["name"] = layer.name
        record["inbound_nodes"] = [
            {"args": [tree.map_structure(tensor_record, a) for a in node.call_args],
             "kwargs": tree.map_structure(tensor_record, node.call_kwargs)}
            for node in layer._inbound_nodes if id(node) in model_nodes and not node.is_input]
        layer_configs.append(record)
    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": tree.map_structure(model_end, model._inputs_struct),
            "output_layers": tree.map_structure(model_end, model._outputs_struct)}


def _nested_functional_offset(operation):
    """1 for a functional model (not a Sequential one) used as a layer, else 0.

    Keras 3 writes the `input_layers` and `output_layers` entries of a nested functional model with its
    call index plus one (Keras 2's models had a call of their own first; Keras 3 keeps the count and
    subtracts 1 on loading), while the calls' arguments use the plain index. Reading Keras's
    `["inner", 2, 0]` as the third call failed (issue 15: `KeyError: ('inner', 1)` before)."""
    from kerasbook.core.models.functional import Functional
    from kerasbook.core.models.sequential import Sequential
    return int(isinstance(operation, Functional) and not isinstance(operation, Sequential))


def deserialize_functional(config, custom_objects=None, cls=None, make_layer=None):
    """Rebuild a functional model; `make_layer(layer_record)` may supply the layers (for cloning)."""
    from kerasbook.core.models.functional import Functional
    cls = cls if cls is not None and issubclass(cls, Functional) else Functional
    make_layer = make_layer or (lambda record: deserialize_keras_object(record, custom_objects))
    layers, pending = {}, []
    for layer_config in _layer_records(config, needs_names=True):
        is_op = op_records.is_op_record(layer_config)
        layer = op_records.deserialize_op(layer_config) if is_op else make_layer(layer_config)
        layers[layer_config["name"]] = layer
        # Calls are keyed by the config's name: a custom get_config without "name" gives the
        # rebuilt layer a fresh automatic name, yet the config's tensors still refer to the old one.
        pending.extend((layer_config["name"], layer, node)
                       for node in layer_config.get("inbound_nodes", []))

    from kerasbook.core.layers.input_layer import InputLayer
    outputs_of = {(name, 0): layer.output for name, layer in layers.items()  # (name, node) -> outputs
                  if isinstance(layer, InputLayer)}

    def lookup(history):
        name, node_index, tensor_index = history
        produced = tree.flatten(outputs_of.get((name, node_index), []))
        if not 0 <= tensor_index < len(produced):
            problem = (f'the model has no layer "{name}"' if name not in layers else
                       f'layer "{name}" has no call {node_index} in it' if (name, node_index) not in outputs_of
                       else f"that call has {len(produced)} output(s)")
            raise ValueError(f'model "{config.get("name")}" refers to the tensor {list(history)} (layer, call, '
                             f"output), but {problem}.")
        return produced[tensor_index]

    def tensor_from(record):
        if _is_tensor_record(record):
            return lookup(record["config"]["keras_history"])
        if isinstance(record, dict) and record.get("class_name") in _VALUE_RECORDS:
            return deserialize_keras_object(record)  # an op's argument: a slice, `...`, an array
        return record

    def ready(node_record):
        return all((name, node_index) in outputs_of for name, node_index, _ in _histories(node_record))

    for name, _, node_record in pending:  # every tensor a call takes comes from a layer of the model
        for history in _histories(node_record):
            if history[0] not in layers:
                raise ValueError(f'model "{config.get("name")}": layer "{name}" is called on an output of '
                                 f'layer "{history[0]}", which is not one of the model\'s "layers".')

    calls_made = {}
    while pending:
        progressed = False
        for item in list(pending):
            name, layer, node_record = item
            if ready(node_record):
                args = [_map_records(tensor_from, a) for a in node_record.get("args", [])]
                kwargs = _map_records(tensor_from, node_record.get("kwargs", {}))
                index = calls_made.get(name, 0)
                outputs_of[(name, index)] = layer(*args, **kwargs)
                calls_made[name] = index + 1
                pending.remove(item)
                progressed = True
        if not progressed:
            names = sorted({name for name, _, _ in pending})
            raise ValueError(f"Cannot rebuild model \"{config.get('name')}\": the inputs of layers {names} "
                             "are never produced. The config is incomplete or corrupt.")

    for key in ("input_layers", "output_layers"):
        if not _is_history_structure(config.get(key)):
            raise ValueError(f'model "{config.get("name")}": "{key}" should be [layer name, call index, '
                             f"tensor index] entries; received {_short(config.get(key))}.")
    def lookup_model_end(history):
        name, index, tensor_index = history
        return lookup([name, index - _nested_functional_offset(layers.get(name)), tensor_index])

    inputs = _map_histories(lookup_model_end, config["input_layers"])
    outputs = _map_histories(lookup_model_end, config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


# Records of values (not tensors) among a call's arguments.
_VALUE_RECORDS = {"__slice__", "__ellipsis__", "__numpy__"}


def _is_history(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int) \
        and isinstance(x[2], int)


def _is_history_structure(x):
    if _is_history(x):
        return True
    if isinstance(x, dict):
        return all(_is_history_structure(v) for v in x.values())
    return isinstance(x, list) and bool(x) and all(_is_history_structure(v) for v in x)


def _is_tensor_record(record):
    return isinstance(record, dict) and record.get("class_name") == "__keras_tensor__"


def _histories(node_record):
    """The [layer name, call index, tensor index] of every tensor a recorded call takes."""
    if not isinstance(node_record, dict) or not isinstance(node_record.get("args", []), (list, tuple)):
        raise ValueError(f"a layer's inbound node should be a dict with a list of args; received "
                         f"{_short(node_record)}.")
    found = []

    def collect(record):
        if _is_tensor_record(record):
            history = record.get("config", {}).get("keras_history")
            if not _is_history(history):
                raise ValueError(f"a tensor record should hold keras_history [layer name, call index, tensor "
                                 f"index]; received {_short(history)}.")
            found.append(history)
        return record
    _map_records(collect, [node_record.get("args", []), node_record.get("kwargs", {})])
    return found


def _layer_records(config, needs_names):
    """`config["layers"]`, each entry checked to be a layer record, or a ValueError saying where."""
    records, model = config.get("layers"), config.get("name")
    if not isinstance(records, list):
        raise ValueError(f'model "{model}": "layers" should be a list of layer configs; received '
                         f"{_short(records)}.")
    for index, record in enumerate(records):
        if not (isinstance(record, dict) and isinstance(record.get("class_name"), str)
                and isinstance(record.get("config", {}), dict)
                and (not needs_names or isinstance(record.get("name"), str))):
            fields = '"class_name", "name" and a "config" dict' if needs_names else '"class_name" and a "config" dict'
            raise ValueError(f'model "{model}": layers[{index}] should be a layer config with {fields}; '
                             f"received {_short(record)}.")
    return records


def _short(value, limit=120):
    text = repr(value)
    return f"{text[:limit] + '...' if len(text) > limit else text} (of type {type(value).__name__})"


def _map_histories(fn, structure):
    if _is_history(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_histories(fn, v) for k, v in structure.items()}
    if isinstance(structure, list) and len(structure) == 1 and _is_history(structure[0]):
        return fn(structure[0])  # Keras writes a single input as a one-element list
    return [_map_histories(fn, s) for s in structure]


def _map_records(fn, structure):
    if isinstance(structure, dict) and "class_name" not in structure:
        return {k: _map_records(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):  # a config made in memory by Keras holds tuples
        return [_map_records(fn, s) for s in structure]
    return fn(structure)


def serialize_sequential(model):
    layers = []
    if model._input_layer is not None:
        layers.append(serialize_keras_object(model._input_layer))
    layers += [serialize_keras_object(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable,
              "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": model.dtype},
                        "registered_name": None},
              "layers": layers}
    if model.built:
        config["build_input_shape"] = list(model.inputs[0].shape)
    return config


def deserialize_sequential(config, custom_objects=None, cls=None):
    from kerasbook.core.models.sequential import Sequential
    cls = cls if cls is not None and issubclass(cls, Sequential) else Sequential
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for layer_config in _layer_records(config, needs_names=False):
        model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects))
    if not model.built and config.get("build_input_shape"):
        model.build(tuple(config["build_input_shape"]))
    return model
