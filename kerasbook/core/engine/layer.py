"""`Layer`: state (weights) plus a computation (`call`), built lazily from the first input's shape.

The life of a layer:

1. `__init__` stores the configuration (`Dense(64)` knows `units=64` but not its input size).
2. The first `__call__` runs `build(input_shape)`, which creates the weights with `add_weight`.
3. Every `__call__` then either computes (`call` on arrays) or, on symbolic `KerasTensor`s, only works
   out the output's shape and dtype and records a `Node`: how functional models are drawn.

Sub-layers and variables are found by looking at the layer's attributes (also inside lists and dicts),
so `self.dense = Dense(4)` is all it takes to nest layers. The node-graph accessors
(`get_output_at`, ...) live in `layer_nodes.py`; shape inference in `symbolic.py`.
"""

import functools
import inspect
import math

import jax.numpy as jnp
import numpy as np

from kerasbook.core import tree

from kerasbook.core.distribution import distributions
from kerasbook.core.distribution.layout import distribute_tensor
from kerasbook.core.engine import call_context, call_trace, masks, naming, paths, state, symbolic, tracking
from kerasbook.core.engine import dtype_policy as dtype_policies
from kerasbook.core.engine.input_spec import check_input
from kerasbook.core.engine.node import Node
from kerasbook.core.engine.operation import Operation
from kerasbook.core.engine.symbolic import compute_output_spec
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.engine.variables import Variable, standardize_dtype

# Attributes the engine itself sets on every layer; everything else a layer holds is searched for
# sub-layers and variables.
_ENGINE_ATTRS = frozenset({
    "name", "built", "_trainable", "dtype", "supports_masking", "input_spec", "_inbound_nodes",
    "_outbound_nodes", "_trainable_variables", "_non_trainable_variables", "_losses",
    "activity_regularizer", "_init_args", "_call_signature", "_declared_input_shape", "_build_input_shape", "_observers",
    "_traced_output_shape", "_jit_cache", "_inputs_struct", "_outputs_struct", "inputs", "outputs",
    "_nodes", "_graph_layers", "_node_depths", "_tracking_cache", "_sequence", "_input_layer", "optimizer", "compiled", "history",
    "_dtype_policy", "autocast",
    "_parent_path",
})


class Layer(Operation):
    """The base class of every layer and model: an `Operation` with weights."""

    def __init_subclass__(cls, **kwargs):
        """A layer whose `build` was called directly (`layer.build((None, 4))`) counts as built, as in
        Keras: calling it afterwards must not build it again over weights already set."""
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        # Engine state exists before the subclass's __init__ runs, so attributes can be set in any order.
        object.__setattr__(layer, "_trainable_variables", [])
        object.__setattr__(layer, "_non_trainable_variables", [])
        object.__setattr__(layer, "_inbound_nodes", [])
        object.__setattr__(layer, "_outbound_nodes", [])
        object.__setattr__(layer, "_losses", [])
        object.__setattr__(layer, "_observers", [])
        object.__setattr__(layer, "_init_args", _bound_init_args(cls, args, kwargs))
        return layer

    def __init__(self, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        # Keras 2's ways of declaring the input of a model's first layer.
        declared = {k: kwargs.pop(k) for k in _DECLARED_INPUT_ARGS if k in kwargs}
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments {sorted(kwargs)}.")
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype_policy = _dtype_policy(dtype, self)  # see core/dtype_policies.py
        self.autocast = bool(autocast)
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        from kerasbook.core import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._declared_input_shape = _declared_batch_shape(**declared)

    # -- dtypes (mixed precision) ----------------------------------------------------------------
    @property
    def dtype_policy(self):
        """The layer's DTypePolicy: the dtype of its variables and the dtype it computes in."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = _dtype_policy(value, self)

    @property
    def dtype(self):
        """The dtype of the layer's variables, as in Keras (`variable_dtype`)."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in: its floating inputs are cast to it (when `autocast`)."""
        return self._dtype_policy.compute_dtype

    @property
    def input_dtype(self):
        return self._dtype_policy.compute_dtype

    # -- tracking ------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(getattr(type(self), name, None), property):  # e.g. `trainable`: its setter decides
            object.__setattr__(self, name, value)
            return
        if name not in _ENGINE_ATTRS:
            value = tracking.wrap(value)
            if isinstance(value, Variable) and not any(
                    v is value for v in self._trainable_variables + self._non_trainable_variables):
                (self._trainable_variables if value.trainable else self._non_trainable_variables).append(value)
            tracking.changed()
        object.__setattr__(self, name, value)
        if name not in _ENGINE_ATTRS and not name.startswith("__") and self._observers:
            self._notify("attribute")

    def _tracked(self, kind):
        """Objects of `kind` held in this layer's attributes, lists and dicts, in attribute order."""
        return tracking.cached(self, kind, lambda: tracking.find(self, kind, _ENGINE_ATTRS))

    @property
    def _layers(self):
        """Direct sub-layers, in the order they were set."""
        return [layer for layer in self._tracked(Layer) if layer is not self]

    def _flatten_layers(self, include_self=True):
        """This layer and all layers below it, depth first, each once."""
        everything = tracking.cached(self, "flatten", self._collect_layers)
        return everything if include_self else everything[1:]

    def _collect_layers(self):
        result, seen = [], set()

        def visit(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            result.append(layer)
            for sub in layer._layers:
                visit(sub)

        visit(self)
        return result

    # -- weights -------------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, **kwargs):
        """Create a weight of this layer. The initializer runs when the value is first read."""
        from kerasbook.core import constraints, initializers, regularizers
        shape = () if shape is None else shape
        dtype = standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        with paths.layer_scope(self):  # the path: "block/dense_2/kernel", as Keras writes it
            variable = Variable(initializers.get(initializer), shape=shape, dtype=dtype, trainable=trainable,
                                name=name or "variable", regularizer=regularizers.get(regularizer),
                                constraint=constraints.get(constraint))
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        tracking.changed()
        return variable

    def _own_variables(self):
        own = self._trainable_variables + self._non_trainable_variables
        extra = [v for v in self._tracked(Variable) if not any(v is o for o in own)]
        return own + extra

    @property
    def weights(self):
        """Own weights (trainable first), then each sub-layer's, as Keras orders them."""
        return list(tracking.cached(self, "weights", self._collect_weights))

    def _collect_weights(self):
        result, seen = [], set()
        for v in self._own_variables() + [w for sub in self._layers for w in sub.weights]:
            if id(v) not in seen:
                seen.add(id(v))
                result.append(v)
        return result

    @property
    def trainable_weights(self):
        return [v for v in self.weights if v.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    @property
    def variables(self):
        """All state: the weights plus the random generators' seeds."""
        return self.weights + self._seed_states()

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights + self._seed_states()

    def _seed_states(self):
        from kerasbook.core.random import SeedGenerator
        return tracking.cached(self, "seeds", lambda: [
            g.state for layer in self._flatten_layers() for g in layer._tracked(SeedGenerator)])

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes everything inside it."""
        value = bool(value)
        for layer in self._flatten_layers():
            object.__setattr__(layer, "_trainable", value)
            for v in layer._trainable_variables:
                v.trainable = value
        self._notify("trainable")

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f'Layer "{self.name}" expects {len(own)} weights, but set_weights received '
                             f"{len(weights)}.")
        for variable, value in zip(own, weights):
            if tuple(np.shape(value)) != variable.shape:
                raise ValueError(f'Layer "{self.name}": weight "{variable.path}" has shape '
                                 f"{variable.shape}, but the value given has shape {np.shape(value)}.")
        for variable, value in zip(own, weights):
            variable.assign(value)
        self._notify("weights")

    def count_params(self):
        if not self.built:
            raise ValueError(f'Layer "{self.name}" is not built yet, so it has no weights to count. '
                             "Call it on data, or build it, first.")
        return sum(math.prod(v.shape) for v in self.weights)

    # -- losses --------------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar to the training loss (e.g. an activity regularizer, a KL term)."""
        scope = state.current_scope()
        if scope is not None:
            scope.losses.append(loss)
        else:
            self._losses.append(loss)

    @property
    def losses(self):
        """Losses added during the last top-level call, plus weight-regularization losses."""
        added = [loss for layer in self._flatten_layers() for loss in layer._losses]
        return added + self._regularization_losses()

    def _add_activity_losses(self, outputs):
        """The activity regularizer's penalty on each output, divided by the batch size as Keras does,
        so that it does not grow with the batch."""
        for x in tree.flatten(outputs):
            loss = self.activity_regularizer(x)
            if getattr(x, "ndim", 0) > 0:
                loss = loss / jnp.asarray(x.shape[0], loss.dtype) if x.shape[0] else jnp.zeros_like(loss)
            self.add_loss(loss)

    def _regularization_losses(self):
        return [v.regularizer(v.value) for v in self._regularization_losses_weights()]

    def _regularization_losses_weights(self):
        return [v for v in self.weights if v.regularizer is not None]

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses.clear()

    # -- building and calling ------------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the weights, knowing the input's shape. Layers without weights need not override it."""
        self.built = True

    def call(self, *args, **kwargs):
        raise NotImplementedError(f'Layer "{self.name}" ({type(self).__name__}) does not define call().')

    def compute_output_shape(self, *args, **kwargs):
        raise NotImplementedError

    def compute_output_spec(self, *args, **kwargs):
        """Output `KerasTensor`s for symbolic inputs, without running the math."""
        args, kwargs = self._autocast_inputs(args, kwargs)
        with dtype_policies.autocast_scope(self):
            return compute_output_spec(self, args, kwargs)

    def _autocast_inputs(self, args, kwargs):
        """Floating inputs (arrays or symbolic tensors) cast to the compute dtype, as Keras's autocast:
        a "mixed_bfloat16" layer computes on bfloat16 inputs. Integers are left as they are."""
        if not self.autocast or not _is_float_dtype(self.compute_dtype):
            return args, kwargs
        cast = functools.partial(_cast_floating, dtype=self.compute_dtype)
        return tree.map_structure(cast, args), tree.map_structure(cast, kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask if self.supports_masking else None

    def __call__(self, *args, **kwargs):
        """The steps of every layer call (docs/architecture.md):

        1. read the inputs: arrays become JAX arrays; a list of numbers is refused;
        2. resolve the training flag and the mask the inputs carry;
        3. check the inputs against `input_spec`, and build the layer once;
        4. on symbolic tensors, work out the output spec and record a `Node`;
        5. else compute `call`, then attach the output mask.
        """
        args = _read_inputs(self, args)                                           # 1
        user_kwargs = dict(kwargs)  # what a node records: not the masks and flags filled in below
        training = kwargs.get("training")  # given to this call: reaches nested layers either way
        kwargs, previous_mask = self._resolve_training_and_mask(args, kwargs)     # 2
        with paths.layer_scope(self):  # weights made from here on: ".../<this layer>/kernel"
            self._check_and_build(args)                                           # 3
            if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
                return self._record_symbolic_call(args, kwargs, user_kwargs, previous_mask)  # 4
            return self._compute(args, kwargs, training, previous_mask)           # 5

    def _resolve_training_and_mask(self, args, kwargs):
        """`(kwargs, previous_mask)`: `training` given only if `call` takes it (from an outer call when
        not passed), `mask` filled in from the inputs' masks if `call` takes it."""
        signature = self._signature()
        if "training" in signature and kwargs.get("training") is None:
            outer = call_context.current()
            if outer is not None and outer.training is not None:
                kwargs["training"] = outer.training
            else:
                kwargs.pop("training", None)
        elif "training" not in signature:
            kwargs.pop("training", None)
        input_masks = tree.map_structure(masks.get_mask, args[0]) if args else None
        if all(m is None for m in tree.flatten(input_masks)):
            input_masks = None
        if "mask" in signature and kwargs.get("mask") is None and input_masks is not None:
            kwargs["mask"] = input_masks
        previous_mask = kwargs.get("mask")
        return kwargs, input_masks if previous_mask is None else previous_mask

    def _check_and_build(self, args):
        flat_inputs = tree.flatten(args[0]) if args else []
        check_input(self, self.input_spec, flat_inputs)
        if not self.built:
            self._build_for(args)
            check_input(self, self.input_spec, flat_inputs)

    def _record_symbolic_call(self, args, kwargs, user_kwargs, previous_mask):
        outputs = self.compute_output_spec(*args, **kwargs)
        output_mask = self._symbolic_mask(args, previous_mask)
        for x in tree.flatten(outputs):
            if isinstance(x, KerasTensor):
                x._keras_mask = output_mask if not tree.is_nested(output_mask) else None
        Node(self, args, user_kwargs, outputs)
        return outputs

    def _compute(self, args, kwargs, training, previous_mask):
        if call_context.current() is None and state.current_scope() is None:  # the outermost call
            self._clear_losses()
        traced = call_trace.begin(self, args)  # None unless a call is being traced (GraphView)
        args, kwargs = self._autocast_inputs(args, kwargs)
        with call_context.enter(training), dtype_policies.autocast_scope(self):
            outputs = _laid_out(self.call(*args, **kwargs))
            if self.activity_regularizer is not None:
                self._add_activity_losses(outputs)
        call_trace.end(traced, outputs)
        symbolic.record(self, outputs)
        if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
            output_mask = self.compute_mask(args[0], previous_mask)
            if not tree.is_nested(outputs):
                masks.set_mask(outputs, output_mask)
        return outputs

    def _signature(self):
        cls = type(self)
        cached = cls.__dict__.get("_call_parameters")
        if cached is None:
            cached = frozenset(inspect.signature(cls.call).parameters)
            type.__setattr__(cls, "_call_parameters", cached)
        return cached

    def _build_for(self, args):
        """Run `build` with the shape(s) of the first argument, naming the layer if it fails."""
        shapes = tree.map_structure(lambda x: tuple(x.shape) if hasattr(x, "shape") else None,
                                    args[0]) if args else None
        self._build_input_shape = shapes
        try:
            if type(self).build is not Layer.build:
                self.build(shapes)
        except (ValueError, TypeError) as error:
            raise type(error)(f'Could not build layer "{self.name}" ({type(self).__name__}) for input '
                              f"shape {shapes}: {error}") from error
        self.built = True
        self._notify("build")

    def _symbolic_mask(self, args, previous_mask):
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return None
        from kerasbook.core.engine.symbolic import compute_mask_spec
        return compute_mask_spec(self, args[0], previous_mask)

    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False,
                       **kwargs):
        """Call the layer as a pure function of its variables' values, as Keras 3's `stateless_call`.

        `trainable_variables` and `non_trainable_variables` are lists of arrays, one for each of
        `self.trainable_variables` and `self.non_trainable_variables`, in that order. Returns
        `(outputs, non_trainable_variables)`: the new values of the non-trainable variables (a
        BatchNormalization's moving statistics in training; the value passed in where the call did not
        assign one). With `return_losses=True`, also the losses the call added (`add_loss`, activity
        and weight regularizers): `(outputs, non_trainable_variables, losses)`. Nothing is written to
        the real variables, so `jax.jit` and `jax.grad` can take this function.
        """
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        _check_values_for(self, "trainable_variables", trainable_variables, trainable)
        _check_values_for(self, "non_trainable_variables", non_trainable_variables, non_trainable)
        mapping = dict(zip(trainable, trainable_variables))
        mapping.update(zip(non_trainable, non_trainable_variables))
        with state.StatelessScope(mapping) as scope:
            outputs = self._call_in_scope(*args, **kwargs)
            losses = scope.losses + self._regularization_losses()
        new_values = [scope.get(v) for v in non_trainable]
        if return_losses:
            return outputs, new_values, losses
        return outputs, new_values

    def _call_in_scope(self, *args, **kwargs):
        """The call inside `stateless_call`'s scope: `__call__`, which a Model overrides so that its
        compiled call does not enter itself again."""
        return self(*args, **kwargs)

    # -- observers (live widgets) --------------------------------------------------------------
    def _notify(self, what):
        for callback in list(self._observers):
            callback(self, what)

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        """The arguments that recreate this layer (without its weights). A layer that does not write
        get_config gets the arguments its constructor received, as in Keras."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self.activity_regularizer is not None:  # as Keras: only when there is one
            from kerasbook.core import regularizers
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config:
            # A custom layer that does not write get_config: its constructor's simple arguments,
            # with the defaults of those not passed, as Keras's automatic config.
            extra = {**_plain_defaults(type(self)), **self._init_args}
            extra = {k: v for k, v in extra.items() if k not in config}
            if not all(_is_plain(v) for v in extra.values()):
                raise NotImplementedError(
                    f'Layer "{self.name}" ({type(self).__name__}) takes arguments that cannot be '
                    "serialized automatically; define get_config() to return them.")
            config.update(extra)
        return config

    def get_build_config(self):
        """The input shape the layer was built for, so a loaded layer can build itself again."""
        shape = getattr(self, "_build_input_shape", None)
        return {"input_shape": _jsonable(shape)} if shape is not None else None

    def build_from_config(self, config):
        shape = config.get("input_shape")
        if shape is not None and not self.built:
            shape = _shape_tuple(shape)
            self._build_input_shape = shape
            if type(self).build is not Layer.build:
                self.build(shape)
            self.built = True

    @classmethod
    def from_config(cls, config):
        config = _without_keras_only_options(cls, config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(f"{cls.__name__}.from_config could not recreate the layer from {config}: "
                            f"{error}. If __init__ takes other arguments, override from_config().") from error

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _check_values_for(layer, argument, values, variables):
    """Keras's check: one value for each variable, in the same order."""
    if len(values) != len(variables):
        raise ValueError(
            f"Argument `{argument}` must be a list of tensors corresponding 1:1 to "
            f"{type(layer).__name__}().{argument} (layer \"{layer.name}\"). Received list with length "
            f"{len(values)}, but expected {len(variables)} variables.")


def _laid_out(outputs):
    """A layer's outputs in the layout the current distribution gives "<layer path>/output" (a
    `LayoutMap` key), else as they are."""
    current = distributions.distribution()
    layout = current.get_tensor_layout(paths.current_path() + "/output") if current is not None else None
    if layout is None:
        return outputs
    return tree.map_structure(lambda x: distribute_tensor(x, layout), outputs)


def _marks_built(build):
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        with paths.layer_scope(self):
            result = build(self, *args, **kwargs)
        if args and getattr(self, "_build_input_shape", None) is None:
            object.__setattr__(self, "_build_input_shape", args[0])
        self.built = True
        return result
    return wrapper


# Options Keras 3 writes into configs for features kerasbook leaves out; harmless at their defaults.
_KERAS_ONLY_OPTIONS = {"quantization_config": None, "lora_rank": None, "lora_alpha": None}

_DECLARED_INPUT_ARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")


def _without_keras_only_options(cls, config):
    config = dict(config)
    for key, default in _KERAS_ONLY_OPTIONS.items():
        if key in config:
            value = config.pop(key)
            if value != default:
                raise ValueError(f"{cls.__name__}: kerasbook does not support `{key}` ({value!r}).")
    return config


def _read_inputs(layer, args):
    """The call's arguments with the first one, if an array or a number, as a JAX array. A Python
    list of numbers is refused: a list passed to a layer holds several inputs."""
    if args and not tree.is_nested(args[0]) and not isinstance(args[0], (KerasTensor, Variable)):
        args = (_as_tensor(args[0]),) + args[1:]
    if args and isinstance(args[0], (list, tuple)):
        flat_inputs = tree.flatten(args[0])
        if flat_inputs and all(isinstance(v, (int, float)) for v in flat_inputs):
            raise ValueError(_numbers_are_not_a_batch(layer, args[0]))
    return args


def _as_tensor(x):
    if isinstance(x, (np.ndarray, list, float, int, np.generic)):
        return jnp.asarray(x)
    return x


def _bound_init_args(cls, args, kwargs):
    """The constructor's arguments by name, for the default `get_config` (as Keras: those passed)."""
    if not args:
        return dict(kwargs)
    names = cls.__dict__.get("_init_positional_names")
    if names is None:
        names = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        type.__setattr__(cls, "_init_positional_names", names)
    return {**dict(zip(names, args)), **kwargs}


def _plain_defaults(cls):
    """The constructor's arguments that have a plain default (a number, string, None, ...), by name."""
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not p.empty and _is_plain(p.default)}


def _jsonable(shape):
    return [_jsonable(s) for s in shape] if isinstance(shape, (list, tuple)) and shape and \
        isinstance(shape[0], (list, tuple)) else list(shape)


def _shape_tuple(shape):
    if shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _is_plain(value):
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _numbers_are_not_a_batch(layer, numbers):
    """The message for `Dense(3)([1, 2, 3])`: a list is read as several inputs, not as data."""
    nested = tree.is_nested(numbers[0])
    as_batch = (f"np.array({list(numbers)!r}) is a batch of {len(numbers)} sample(s)" if nested
                else f"np.array([{list(numbers)!r}]) is one sample")
    return (f'Layer "{layer.name}" ({type(layer).__name__}) was called on a Python list of numbers, '
            f"{numbers!r}. A list given to a layer holds several input tensors (as for Add or Concatenate), "
            f"so each number would be an input of its own. Pass the data as an array whose first axis is the "
            f"batch: {as_batch}.")


def _dtype_policy(dtype, layer):
    """The layer's DTypePolicy from its `dtype` argument: None (the global policy), a policy name such
    as "mixed_bfloat16", a dtype, a DTypePolicy, or Keras's serialized dict; a wrong name names the layer."""
    if isinstance(dtype, dict):  # Keras 3's serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name")
    if dtype is None or isinstance(dtype, dtype_policies.DTypePolicy) or str(dtype).startswith("mixed_"):
        try:
            return dtype_policies.get(dtype)
        except ValueError as error:
            raise ValueError(f'{type(layer).__name__} layer "{layer.name}": {error}') from None
    try:
        return dtype_policies.DTypePolicy(standardize_dtype(dtype))
    except ValueError as error:
        raise ValueError(f'{type(layer).__name__} layer "{layer.name}": {error}') from None


def _is_float_dtype(dtype):
    return str(dtype) in ("float16", "bfloat16", "float32", "float64")


def _cast_floating(x, dtype):
    """`x` in `dtype` if it is a floating array or symbolic tensor of another dtype, else `x`."""
    if not _is_float_dtype(getattr(x, "dtype", None)) or str(x.dtype) == dtype:
        return x
    if isinstance(x, KerasTensor):
        return KerasTensor(x.shape, dtype)
    if isinstance(x, Variable):
        return x
    return jnp.asarray(x).astype(dtype)


def _declared_batch_shape(input_shape=None, input_dim=None, batch_input_shape=None, batch_size=None):
    if batch_input_shape is not None:
        return tuple(batch_input_shape)
    if input_shape is not None:
        shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
        return (batch_size,) + shape
    if input_dim is not None:
        return (batch_size, input_dim)
    return None
