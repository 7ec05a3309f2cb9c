"""Optimizers with Keras's names, arguments and state layout, doing their math with optax.

The update rule of each optimizer is an optax transformation. Its state (momentums, velocities, ...)
is kept in `Variable`s named and ordered as Keras 3 names and orders them (`adam/iteration`,
`adam/learning_rate`, `adam/dense_kernel_momentum`, ...), so that:
- `apply` run inside a `StatelessScope` is a pure function, and the trainer compiles it with the step;
- a `.keras` file stores the optimizer state exactly where Keras expects it.
Each step rebuilds the optax state from the variables, calls `update`, and writes the state back.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kerasbook.core import naming
from kerasbook.core.variables import Variable


class Optimizer:
    # optax state field -> Keras slot name; and whether Keras interleaves slots per variable.
    _slot_names = {}
    _interleaved = True

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized arguments {sorted(kwargs)}.")
        if use_ema or gradient_accumulation_steps or loss_scale_factor:
            raise ValueError("kerasbook's optimizers do not support use_ema, loss_scale_factor or "
                             "gradient_accumulation_steps.")
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._schedule = learning_rate if callable(learning_rate) else None
        self._initial_learning_rate = learning_rate
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.built = False
        self._variables = []
        self.iterations = Variable(np.zeros((), "int32"), trainable=False, name="iteration",
                                   path=f"{self.name}/iteration")
        initial = 0.0 if self._schedule is not None else float(learning_rate)
        self._learning_rate = Variable(np.asarray(initial, "float32"), trainable=False,
                                       name="learning_rate", path=f"{self.name}/learning_rate")

    # -- the rule: each optimizer gives its optax transformation ---------------------------------
    def _transform(self, learning_rate):
        raise NotImplementedError

    # -- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        if self._schedule is not None:
            return self._schedule(self.iterations.value)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value) and not isinstance(value, Variable):
            self._schedule = value
        else:
            self._schedule = None
            self._learning_rate.assign(np.asarray(value, "float32"))

    def _current_learning_rate(self):
        if self._schedule is not None:
            return jnp.asarray(self._schedule(self.iterations.value), "float32")
        return self._learning_rate.value

    # -- state ---------------------------------------------------------------------------------
    def build(self, variables):
        """Create the slots for `variables` (once per variable; later calls add new ones)."""
        variables = list(variables)
        if not hasattr(self, "_slots"):
            self._slots, self._built_for = {}, []
        new = [v for v in variables if not any(v is b for b in self._built_for)]
        if not new:
            self.built = True
            return
        template = jax.jit(lambda params: self._transform(1.0).init(params))(
            [np.zeros(v.shape, v.dtype) for v in new])
        leaves = [(field, index, leaf) for field, index, leaf in _state_leaves(template) if index is not None]
        order = sorted(leaves, key=(lambda item: (item[1], self._field_rank(item[0]))) if self._interleaved
                       else (lambda item: (self._field_rank(item[0]), item[1])))
        for field, index, leaf in order:
            var = new[index]
            slot = Variable(leaf, trainable=False,
                            name=f"{_slot_prefix(var)}_{self._slot_names.get(field, field)}",
                            path=f"{self.name}/{_slot_prefix(var)}_{self._slot_names.get(field, field)}")
            self._slots[(field, id(var))] = slot
            self._variables.append(slot)
        self._built_for.extend(new)
        self.built = True

    def _field_rank(self, field):
        names = list(self._slot_names)
        return names.index(field) if field in names else len(names)

    @property
    def variables(self):
        return [self.iterations, self._learning_rate] + list(self._variables)

    # -- applying gradients ----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))

    def apply(self, grads, trainable_variables=None):
        """One step: new values for the variables, from their gradients (works under a StatelessScope)."""
        variables = list(trainable_variables if trainable_variables is not None else self._built_for)
        self.build(variables)
        grads = self._clip([jnp.asarray(g) for g in grads])
        values = [v.value for v in variables]
        learning_rate = self._current_learning_rate()
        if self.weight_decay:
            values = [x - learning_rate * self.weight_decay * x for x in values]
        transform = self._transform(learning_rate)
        state = _fill_state(transform.init(values), self._slots, variables, self.iterations.value)
        updates, state = transform.update(grads, state, values)
        for variable, value in zip(variables, optax.apply_updates(values, updates)):
            variable.assign(value)
        for field, index, leaf in _state_leaves(state):
            if index is not None:
                self._slots[(field, id(variables[index]))].assign(leaf)
        self.iterations.assign(self.iterations.value + 1)

    def _clip(self, grads):
        if self.clipnorm:
            grads = [g * jnp.minimum(1.0, self.clipnorm / jnp.maximum(jnp.linalg.norm(g), 1e-12))
                     for g in grads]
        if self.global_clipnorm:
            norm = optax.global_norm(grads)
            grads = [g * jnp.minimum(1.0, self.global_clipnorm / jnp.maximum(norm, 1e-12)) for g in grads]
        if self.clipvalue:
            grads = [jnp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        learning_rate = (serialize_keras_object(self._schedule) if self._schedule is not None
                         else float(self._learning_rate.numpy()))
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from kerasbook.core.saving.serialization import deserialize_keras_object
            config["learning_rate"] = deserialize_keras_object(config["learning_rate"], custom_objects)
        return cls(**config)


def _slot_prefix(variable):
    return variable.path.replace("/", "_")


def _state_leaves(state):
    """(optax field name, index of the parameter or None, array) for every leaf of an optax state."""
    result = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0]:
        field, index = None, None
        for key in path:
            if isinstance(key, jax.tree_util.GetAttrKey):
                field, index = key.name, None
            elif isinstance(key, jax.tree_util.SequenceKey) and field is not None:
                index = key.idx
        result.append((field, index, leaf))
    return result


def _fill_state(template, slots, variables, iterations):
    leaves, treedef = jax.tree_util.tree_flatten(template)
    filled = []
    for (field, index, leaf) in _state_leaves(template):
        if index is None:  # a step count
            filled.append(jnp.asarray(iterations, leaf.dtype))
        else:
            filled.append(slots[(field, id(variables[index]))].value)
    return jax.tree_util.tree_unflatten(treedef, filled)


class SGD(Optimizer):
    """Plain or momentum gradient descent: `m = momentum * m - lr * g`, `w += m`."""

    _slot_names = {"trace": "momentum"}

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov

    def _transform(self, learning_rate):
        scale = optax.scale_by_learning_rate(learning_rate)
        if not self.momentum:
            return scale
        return optax.chain(scale, optax.trace(decay=self.momentum, nesterov=self.nesterov))

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adaptive moments: momentum and velocity (running averages of g and g^2) per weight."""

    _slot_names = {"mu": "momentum", "nu": "velocity", "nu_max": "velocity_hat"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _transform(self, learning_rate):
        # Keras adds epsilon to sqrt(v) before the bias correction, optax after it: scaling epsilon
        # by 1 / sqrt(1 - beta_2^t) makes optax compute exactly Keras's update.
        step = jnp.asarray(self.iterations.value, "float32") + 1.0
        epsilon = self.epsilon / jnp.sqrt(1.0 - jnp.power(self.beta_2, step))
        scale = (optax.scale_by_amsgrad if self.amsgrad else optax.scale_by_adam)(
            b1=self.beta_1, b2=self.beta_2, eps=epsilon)
        return optax.chain(scale, optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (`w -= lr * weight_decay * w` each step)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """Divides each gradient by a running root mean square of recent gradients."""

    _slot_names = {"nu": "velocity", "trace": "momentum", "mu": "average_gradient"}
    _interleaved = False

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _transform(self, learning_rate):
        rms = (optax.scale_by_stddev if self.centered else optax.scale_by_rms)(
            decay=self.rho, eps=self.epsilon)
        parts = [rms, optax.scale_by_learning_rate(learning_rate)]
        if self.momentum:
            parts.append(optax.trace(decay=self.momentum))
        return optax.chain(*parts)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Scales each weight's step by the root of the sum of its past squared gradients."""

    _slot_names = {"sum_of_squares": "accumulator"}

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _transform(self, learning_rate):
        return optax.chain(optax.scale_by_rss(initial_accumulator_value=self.initial_accumulator_value,
                                              eps=self.epsilon),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    """An optimizer from a name ("adam"), a Keras config dict, or an optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Known: {sorted(_BY_NAME)}.")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier["class_name"].lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer class {identifier['class_name']!r}.")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret optimizer {identifier!r}.")


def serialize(optimizer):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    return get(config)


from kerasbook.core.training import schedules  # noqa: E402,F401  (keras.optimizers.schedules)
