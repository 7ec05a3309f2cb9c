"""Shape inference: what a layer would output, without computing it.

Two ways, fastest first:
- the layer says so itself, through `compute_output_shape` (Dense, Reshape, ... do): a few lines of
  arithmetic on tuples;
- otherwise JAX traces `call` abstractly with `jax.eval_shape`: no math runs, no memory is used, and the
  weights enter as shapes only. An unknown size (None) is tried at two different values; an output size
  that changes with it is unknown too.
"""

import threading

import jax

from kerasbook.core import tree

from kerasbook.core.engine import state
from kerasbook.core.engine.tensor import KerasTensor

_PROBE_SIZES = (83, 89)  # stand-ins for an unknown size: unlikely to collide with a real one
_local = threading.local()


def record(layer, outputs):
    """While a layer is traced abstractly, note what each inner layer output (for `summary()`)."""
    seen = getattr(_local, "seen", None)
    if seen is not None:
        shapes = [tuple(x.shape) for x in tree.flatten(outputs) if hasattr(x, "shape")]
        seen.setdefault(id(layer), (layer, []))[1].append(shapes)


def compute_output_spec(layer, args, kwargs):
    from kerasbook.core.engine.layer import Layer
    if type(layer).compute_output_shape is not Layer.compute_output_shape and len(args) == 1:
        shapes = tree.map_structure(lambda x: x.shape if isinstance(x, KerasTensor) else x, args[0])
        try:
            output_shape = layer.compute_output_shape(shapes)
        except (ValueError, TypeError) as error:
            raise _named(layer, error, args) from error
        dtype = _output_dtype(layer, args[0])
        return _shapes_to_tensors(output_shape, dtype)
    return eval_shape(layer, lambda *a, **k: layer.call(*a, **k), args, kwargs)


def compute_mask_spec(layer, inputs, previous_mask):
    return eval_shape(layer, lambda x, m: layer.compute_mask(x, m), (inputs, previous_mask), {})


def eval_shape(layer, fn, args, kwargs):
    """Trace `fn(*args, **kwargs)` abstractly; symbolic tensors in args become shapes."""
    variables = layer.variables
    flat_in = tree.flatten((args, kwargs))
    has_unknown = any(isinstance(x, KerasTensor) and None in x.shape for x in flat_in)
    results = []
    outermost = getattr(_local, "seen", None) is None
    if outermost:
        _local.seen = {}
    try:
        for size in (_PROBE_SIZES if has_unknown else _PROBE_SIZES[:1]):
            results.append(_trace_once(layer, fn, args, kwargs, variables, flat_in, size))
        if outermost:
            _remember_inner_shapes(_local.seen)
    finally:
        if outermost:
            _local.seen = None
    return _merge(results)


def _remember_inner_shapes(seen):
    for layer, passes in seen.values():
        if len(passes) > 2:  # called several times in one trace: no single shape to show
            continue
        merged = [tuple(d if all(p[i][j] == d for p in passes) else None for j, d in enumerate(shape))
                  for i, shape in enumerate(passes[0])]
        layer._traced_output_shape = merged[0] if len(merged) == 1 else merged


def _trace_once(layer, fn, args, kwargs, variables, flat_in, size):
    def concrete(x, size=size):
        if isinstance(x, KerasTensor):
            return jax.ShapeDtypeStruct(tuple(size if d is None else d for d in x.shape), x.dtype)
        return x

    symbolic_positions = [i for i, x in enumerate(flat_in) if isinstance(x, KerasTensor)]
    abstract_inputs = [concrete(flat_in[i]) for i in symbolic_positions]

    def traced(values, inputs):
        flat = list(flat_in)
        for i, x in zip(symbolic_positions, inputs):
            flat[i] = x
        call_args, call_kwargs = tree.pack_sequence_as((args, kwargs), flat)
        with state.StatelessScope(dict(zip(variables, values)), abstract=True):
            from kerasbook.core.engine import call_context
            with call_context.enter(call_kwargs.get("training")):
                return fn(*call_args, **call_kwargs)

    abstract_values = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in variables]
    try:
        return jax.eval_shape(traced, abstract_values, abstract_inputs)
    except Exception as error:  # report it as the layer's, with the shapes it received
        raise _named(layer, error, args) from error


def _merge(results):
    def to_tensor(*specs):
        if specs[0] is None:
            return None
        shape = tuple(d if all(s.shape[i] == d for s in specs) else None
                      for i, d in enumerate(specs[0].shape))
        return KerasTensor(shape, specs[0].dtype)
    return jax.tree_util.tree_map(to_tensor, *results, is_leaf=lambda x: x is None)


def _shapes_to_tensors(shape, dtype):
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return KerasTensor(shape, dtype)
    if isinstance(shape, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shape.items()}
    return [_shapes_to_tensors(s, dtype) for s in shape]


def _output_dtype(layer, inputs):
    if getattr(layer, "keeps_input_dtype", False):
        first = tree.flatten(inputs)[0]
        return first.dtype
    return getattr(layer, "compute_dtype", None) or layer.dtype  # a mixed layer outputs its compute dtype


def _named(layer, error, args):
    if hasattr(layer, "op_name"):  # an op of keras.ops: name it and the shapes of all its tensors
        shapes = ", ".join(str(x.shape) for x in tree.flatten(args) if isinstance(x, KerasTensor))
        message = f'Operation "{layer.name}" (ops.{layer.op_name}) cannot take inputs of shapes {shapes}: {error}'
    else:
        shapes = tree.map_structure(lambda x: getattr(x, "shape", x), args[0]) if args else ()
        message = (f'Layer "{layer.name}" ({type(layer).__name__}) cannot take an input of shape '
                   f"{shapes}: {error}")
    kind = type(error) if type(error) in (ValueError, TypeError, RuntimeError) else ValueError
    return kind(message)
