"""`Operation`: anything that can be a node of a functional graph; the base of `Layer`.

An operation has a name and a list of its calls on symbolic tensors (its inbound nodes). Calling it
does one of two things:

- on concrete arrays it computes (`call`);
- on symbolic `KerasTensor`s it only works out the output's shape and dtype (`compute_output_spec`)
  and records a `Node`, so that `keras.Model(inputs, outputs)` can find the call again.

A `Layer` is an operation with weights, a `build` step, masks and a training flag. The ops of
`keras.ops` (`ops.relu(x)`, `ops.concatenate([a, b])`) and Python's operators on a symbolic tensor
(`x * 2`, `x[:, :4]`) are plain operations: `OpCall` below. As in Keras 3, every such call on
symbolic tensors makes a new operation named after the op (`relu`, `relu_1`, `multiply`, `get_item`),
whose class is the op's name in CamelCase (`Relu`, `GetItem`), so that `summary()` reads as Keras's.
"""

import inspect

from kerasbook.core import tree

from kerasbook.core.engine import naming, symbolic
from kerasbook.core.engine.layer_nodes import NodeAccessors
from kerasbook.core.engine.node import Node
from kerasbook.core.engine.tensor import KerasTensor


def has_symbolic(args, kwargs):
    """Whether a `KerasTensor` is anywhere in the arguments (also inside lists and dicts)."""
    return any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs)))


class Operation(NodeAccessors):
    """A computation that can be recorded in a graph: a name, its nodes and a call."""

    # An operation has no weights; a Layer replaces all of these.
    built = True
    trainable = False
    weights = trainable_weights = non_trainable_weights = variables = ()

    def __init__(self, name=None):
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._inbound_nodes = []
        self._outbound_nodes = []

    def call(self, *args, **kwargs):
        raise NotImplementedError(f'Operation "{self.name}" ({type(self).__name__}) does not define call().')

    def compute_output_spec(self, *args, **kwargs):
        """The output `KerasTensor`s for symbolic arguments, found by tracing `call` with shapes only."""
        return symbolic.eval_shape(self, self.call, args, kwargs)

    def __call__(self, *args, **kwargs):
        if has_symbolic(args, kwargs):
            outputs = self.compute_output_spec(*args, **kwargs)
            Node(self, args, kwargs, outputs)
            return outputs
        return self.call(*args, **kwargs)

    def count_params(self):
        return 0

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class OpCall(Operation):
    """One call of a `keras.ops` function on symbolic tensors, as a node of the graph.

    As in Keras 3, the arguments are split in two: the tensors and numbers the op computes with
    (`x` and the `2` of `x * 2`) are the node's arguments; the options that shape the computation
    (`axis=-1` of `ops.mean`, `dtype` of `ops.cast`) belong to the operation and to its config.
    """

    function = None  # set on each op's class, see `op_class`
    op_name = None
    group = "numpy"  # the op's `keras.ops` submodule (numpy, nn, math, core, linalg, image, einops): its config

    def __init__(self, name=None, **options):
        super().__init__(name=name or naming.auto_name(self.op_name))
        self.options = options

    def call(self, *args, **kwargs):
        leading, options = _options_before_star_args(type(self).function, self.options)
        return type(self).function(*leading, *args, **options, **kwargs)

    def get_config(self):
        return {"name": self.name, **self.options}


def _options_before_star_args(function, options):
    """`(leading, rest)`: the options that must come first by position because `*args` follow them
    (`subscripts` of `einsum(subscripts, *operands)`, an option in Keras's config), and the others."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return [], options
    kinds = [p.kind for p in parameters]
    if inspect.Parameter.VAR_POSITIONAL not in kinds:
        return [], options
    before = [p.name for p in parameters[:kinds.index(inspect.Parameter.VAR_POSITIONAL)]]
    if not all(name in options for name in before):
        return [], options
    return [options[name] for name in before], {k: v for k, v in options.items() if k not in before}


_OP_CLASSES = {}

# Keras's class names that are not the op's name in CamelCase (acronyms stay in capitals): op name -> class.
_KERAS_CLASS_NAMES = {naming.to_snake_case(name): name for name in """CTCLoss CTCDecode PSNR FFT FFT2 IFFT2
    RFFT IRFFT STFT ISTFT SVD JVP SSIM RGBToGrayscale RGBToHSV HSVToRGB""".split()}

# Parameter names of the arrays an op computes with; every other parameter is an option.
_ARRAY_PARAMETERS = frozenset({
    "a", "b", "x", "x1", "x2", "y", "xs", "arrays", "condition", "indices", "inputs", "key", "operands",
    "tensors", "values", "updates", "target", "output", "elements", "v", "ary", "arr"})


def op_class(op_name, function, group="numpy"):
    """The `Operation` class of a `keras.ops` function: `op_class("get_item", f).__name__ == "GetItem"`."""
    cls = _OP_CLASSES.get(op_name)
    if cls is None:
        class_name = _KERAS_CLASS_NAMES.get(op_name) or "".join(p[:1].upper() + p[1:] for p in op_name.split("_"))
        cls = type(class_name, (OpCall,), {
            "function": staticmethod(function), "op_name": op_name, "group": group, "__module__": __name__,
            "__doc__": f"`keras.ops.{op_name}` recorded in a functional graph."})
        _OP_CLASSES[op_name] = cls
    return cls


def split_arguments(function, args, kwargs):
    """`(arguments, options)` of a call: arrays (and anything symbolic) are arguments, the rest options.

    When the split would change the call's meaning (an array after a positional option, or a signature
    that cannot be read), everything stays an argument: the node still computes the same thing."""
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return tuple(args), dict(kwargs)
    arguments, options = [], {}
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            arguments.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            options.update(value)
        elif name in _ARRAY_PARAMETERS or has_symbolic(value, {}):
            if options and kind is not inspect.Parameter.KEYWORD_ONLY:
                return tuple(args), dict(kwargs)
            arguments.append(value)
        else:
            options[name] = value
    return tuple(arguments), options


def symbolic_call(op_name, function, args, kwargs, group="numpy"):
    """Record `function(*args, **kwargs)` on symbolic tensors as a new operation named `op_name`."""
    if getattr(function, "keeps_its_arguments_in_the_node", False):  # as Keras records ops.rearrange
        return op_class(op_name, function, group)()(*args, **kwargs)
    arguments, options = split_arguments(function, args, kwargs)
    return op_class(op_name, function, group)(**options)(*arguments)
