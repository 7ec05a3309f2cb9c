"""Optimizers with Keras's names, arguments and state layout, doing their math with optax.

Each optimizer's update rule is an optax transformation. Its state (momentums, velocities, ...) lives
in `Variable`s named and ordered as Keras 3 names and orders them (`adam/iteration`,
`adam/learning_rate`, `adam/dense_kernel_momentum`, ...), so that:
- `apply` run inside a `StatelessScope` is a pure function, and the trainer compiles it with the step;
- a `.keras` file stores the optimizer state exactly where Keras expects it.
Each step rebuilds the optax state from the variables, calls `update`, and writes the new state back.
Only the optimizers module imports optax, so `import kerasbook` does not pay for it.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kerasbook.core.engine import naming
from kerasbook.core.training import schedules
from kerasbook.core.engine.variables import Variable


def _check_learning_rate(optimizer, value):
    """A fixed learning rate is a number >= 0: a negative one climbs the loss instead of descending it."""
    try:
        ok = np.ndim(value) == 0 and float(value) >= 0  # False for NaN too
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f'{type(optimizer).__name__} optimizer "{optimizer.name}": `learning_rate` must be a '
                         "number >= 0 (a step size such as 0.001), a LearningRateSchedule or a callable. "
                         f"Received: learning_rate={value!r}")


class Optimizer:
    """Base class: learning rate, clipping, weight decay, state variables; subclasses give the rule.

    A subclass defines `_transform(learning_rate)` (an optax transformation for one step) and
    `_slot_layout()`: groups of (optax state field, Keras slot name). Slots of one group are created
    variable by variable (`kernel_momentum, kernel_velocity, bias_momentum, ...`), groups one after
    the other, which is the order Keras 3 creates them in. `_slot_initial` gives slots that do not
    start at zero (an accumulator), and `_scalar_layout()` state fields that are one number for all
    variables (Nadam's momentum-schedule product), kept after the slots as Keras keeps them.
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        kwargs.pop("decay", None)  # Keras 2 configs may carry it, always as 0 in practice
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized arguments {sorted(kwargs)}.")
        if use_ema or gradient_accumulation_steps or loss_scale_factor:
            raise ValueError(f"{type(self).__name__}: kerasbook does not support use_ema, "
                             "loss_scale_factor or gradient_accumulation_steps.")
        if sum(bool(c) for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{type(self).__name__}: set only one of clipnorm, clipvalue and "
                             f"global_clipnorm (received clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}).")
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.built = False
        self._built_for = []  # the model variables that have slots, in build order
        self._slots = {}  # (optax field, id(model variable)) -> slot Variable
        self._slot_variables = []  # in Keras's order
        self._scalars = {}  # optax state field -> Variable (one number for all variables)
        self.iterations = Variable(np.zeros((), "int32"), trainable=False, name="iteration",
                                   path=f"{self.name}/iteration")
        if isinstance(learning_rate, Variable):
            learning_rate = float(learning_rate.numpy())
        if callable(learning_rate):  # a schedule: Keras keeps no learning-rate variable then
            self._learning_rate = learning_rate
        else:
            _check_learning_rate(self, learning_rate)
            self._learning_rate = Variable(np.asarray(learning_rate, "float32"), trainable=False,
                                           name="learning_rate", path=f"{self.name}/learning_rate")

    # -- what each optimizer defines -----------------------------------------------------------
    def _transform(self, learning_rate):
        raise NotImplementedError

    def _slot_layout(self):
        return []

    def _slot_initial(self, field):
        return 0.0

    def _scalar_layout(self):
        return []  # (optax state field, name, initial value)

    # -- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning-rate Variable, or, with a schedule, the schedule's value at this step."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate(self.iterations.value)

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value) and not isinstance(value, Variable):
            self._learning_rate = value
        elif not isinstance(self._learning_rate, Variable):
            raise TypeError(f"{self.name} was created with a learning-rate schedule; it cannot be "
                            f"replaced by a fixed value ({value!r}). Create a new optimizer instead.")
        else:
            _check_learning_rate(self, value)
            self._learning_rate.assign(np.asarray(value, "float32"))

    def _current_learning_rate(self):
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate.value
        return jnp.asarray(self._learning_rate(self.iterations.value), "float32")

    def _step_number(self):
        """The step about to run, counted from 1, as the bias corrections of the Adam family use it."""
        return jnp.asarray(self.iterations.value, "float32") + 1.0

    # -- state ---------------------------------------------------------------------------------
    def build(self, variables):
        """Create the slots of `variables` (once per variable: a second call only adds new ones)."""
        new = [v for v in variables if not any(v is known for known in self._built_for)]
        for group in self._slot_layout():
            for variable in new:
                for field, slot_name in group:
                    name = f"{variable.path.replace('/', '_')}_{slot_name}"
                    slot = Variable(np.full(variable.shape, self._slot_initial(field), variable.dtype),
                                    trainable=False, name=name, path=f"{self.name}/{name}",
                                    layout=variable._layout)  # cut as its variable is (keras.distribution)
                    self._slots[(field, id(variable))] = slot
                    self._slot_variables.append(slot)
        if not self.built:
            self._scalars = {field: Variable(np.asarray(value, "float32"), trainable=False, name=name,
                                             path=f"{self.name}/{name}")
                             for field, name, value in self._scalar_layout()}
        self._built_for.extend(new)
        self._trainable_variables = list(variables)  # what stateless_apply's values stand for
        self.built = True

    @property
    def variables(self):
        """All state, as Keras lists it: iteration, learning rate (unless scheduled), then the slots."""
        counters = [self.iterations]
        if isinstance(self._learning_rate, Variable):
            counters.append(self._learning_rate)
        return counters + list(self._slot_variables) + list(self._scalars.values())

    # -- applying gradients ----------------------------------------------------------------------
    def scale_loss(self, loss):
        """The loss the trainer differentiates: unchanged here; LossScaleOptimizer multiplies it."""
        return loss

    def apply_gradients(self, grads_and_vars):
        """Keras's older spelling: a list of (gradient, variable) pairs."""
        grads_and_vars = list(grads_and_vars)
        self.apply([g for g, _ in grads_and_vars], [v for _, v in grads_and_vars])
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """One step: update `trainable_variables` from their `grads` (also inside a StatelessScope).

        The variables may be any subset of those built (say, after freezing a layer); each is matched
        to its own slots by identity. Without `trainable_variables`, all built variables are meant.
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}: apply(grads) without variables needs a built optimizer; "
                                 "call optimizer.build(model.trainable_variables) first.")
            variables = list(self._built_for)
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}: received {len(grads)} gradients for {len(variables)} "
                             "variables; they must match one to one.")
        self.build(variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if pairs:
            self._update([jnp.asarray(g) for g, _ in pairs], [v for _, v in pairs])
        self.iterations.assign(self.iterations.value + 1)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """`apply` as a pure function, as Keras 3's JAX training steps call it.

        `optimizer_variables` holds one value for each of `self.variables`, and `grads` and
        `trainable_variables` one for each variable the optimizer was built for
        (the list last given to `optimizer.build`, as `fit` gives `model.trainable_variables`), in
        that order. Returns
        `(trainable_variables, optimizer_variables)`: the new values; no Variable changes.
        """
        from kerasbook.core.engine.state import StatelessScope
        if not self.built:
            raise ValueError(f"To call `stateless_apply`, {type(self).__name__} must be built (i.e. its "
                             "variables must have been created). You can build it via "
                             "`optimizer.build(trainable_variables)`.")
        built_for, own = self._trainable_variables, self.variables
        _check_counts("optimizer_variables", optimizer_variables, f"{type(self).__name__}().variables", own)
        _check_counts("trainable_variables", trainable_variables,
                      "the trainable variables the optimizer was built with", built_for)
        _check_counts("grads", grads, "the trainable variables the optimizer was built with", built_for)
        mapping = dict(zip(built_for, trainable_variables))
        mapping.update(zip(own, optimizer_variables))
        with StatelessScope(mapping) as scope:
            self.apply(grads, built_for)
        return [scope.get(v) for v in built_for], [scope.get(v) for v in own]

    def _update(self, grads, variables):
        grads = self._clip(grads)
        learning_rate = self._current_learning_rate()
        values = [v.value for v in variables]
        if self.weight_decay:  # decoupled decay before the step, as Keras: w -= w * wd * lr
            values = [x - x * jnp.asarray(self.weight_decay * learning_rate, x.dtype) for x in values]
        transform = self._transform(learning_rate)
        optax_state = self._read_state(transform.init(values), variables)
        updates, optax_state = transform.update(grads, optax_state, values)
        for variable, value in zip(variables, optax.apply_updates(values, updates)):
            if variable.constraint is not None:
                value = variable.constraint(value)
            variable.assign(value)
        for field, index, leaf in _state_leaves(optax_state):
            if index is not None:
                self._slots[(field, id(variables[index]))].assign(leaf)
            elif field in self._scalars:
                self._scalars[field].assign(leaf)

    def _read_state(self, template, variables):
        """optax's state for `variables`, filled from the slot variables and the step counter."""
        leaves = []
        for field, index, leaf in _state_leaves(template):
            if index is None and field in self._scalars:
                leaves.append(self._scalars[field].value)
            elif index is None:  # a step count
                leaves.append(jnp.asarray(self.iterations.value, leaf.dtype))
            else:
                leaves.append(self._slots[(field, id(variables[index]))].value)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(template), leaves)

    def _clip(self, grads):
        if self.clipnorm:  # each gradient on its own: g * c / max(|g|, c)
            return [g * self.clipnorm / jnp.maximum(jnp.linalg.norm(g), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            return optax.clip_by_global_norm(self.global_clipnorm).update(grads, optax.EmptyState())[0]
        if self.clipvalue:
            return optax.clip(self.clipvalue).update(grads, optax.EmptyState())[0]
        return grads

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self):
        if isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.numpy())
        else:
            from kerasbook.core.saving.serialization import serialize_keras_object
            learning_rate = serialize_keras_object(self._learning_rate)
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _state_leaves(optax_state):
    """(optax field name, index of the parameter or None, array) for each leaf of an optax state.

    optax keeps one list per field (`mu=[kernel, bias]`), so a leaf's path ends in the field's name
    and then the parameter's position; a step count has no position."""
    result = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(optax_state)[0]:
        field, index = None, None
        for key in path:
            if isinstance(key, jax.tree_util.GetAttrKey):
                field, index = key.name, None
            elif isinstance(key, jax.tree_util.SequenceKey) and field is not None:
                index = key.idx
        result.append((field, index, leaf))
    return result


class SGD(Optimizer):
    """Gradient descent, with optional momentum: `m = momentum * m - lr * g`, then `w += m`
    (Nesterov: `w += momentum * m - lr * g`)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be between 0 and 1, received {momentum}.")
        self.momentum, self.nesterov = momentum, nesterov

    def _slot_layout(self):
        return [[("trace", "momentum")]] if self.momentum else []

    def _transform(self, learning_rate):
        # optax's trace of `-lr * g` is exactly Keras's momentum variable.
        scale = optax.scale_by_learning_rate(learning_rate)
        if not self.momentum:
            return scale
        return optax.chain(scale, optax.trace(decay=self.momentum, nesterov=self.nesterov))

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


def _scale_by_keras_adam(b1, b2, epsilon, step, amsgrad):
    """Adam's direction as Keras computes it: `m_hat / (sqrt(v) / sqrt(1 - b2^t) + eps')`.

    Keras adds epsilon to sqrt(v) *before* the bias correction, optax after it; dividing epsilon by
    sqrt(1 - b2^t) makes optax's formula give Keras's numbers. With amsgrad Keras keeps the running
    maximum of the raw `v` (optax: of the corrected one), so that variant is composed here from
    optax's moment helpers."""
    epsilon = epsilon / jnp.sqrt(1.0 - jnp.power(b2, step))
    if not amsgrad:
        return optax.scale_by_adam(b1=b1, b2=b2, eps=epsilon)

    def init(params):
        zeros = optax.tree.zeros_like(params)
        return optax.ScaleByAmsgradState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros,
                                         nu_max=zeros)

    def update(grads, state, params=None):
        mu = optax.tree.update_moment(grads, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(grads, state.nu, b2, 2)
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu)
        count = state.count + 1
        mu_hat = optax.tree.bias_correction(mu, b1, count)
        nu_hat = optax.tree.bias_correction(nu_max, b2, count)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v) + epsilon), mu_hat, nu_hat)
        return updates, optax.ScaleByAmsgradState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return optax.GradientTransformation(init, update)


class Adam(Optimizer):
    """Adaptive moments: running averages of `g` (momentum) and `g^2` (velocity) per weight."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _slot_layout(self):
        layout = [[("mu", "momentum"), ("nu", "velocity")]]
        return layout + [[("nu_max", "velocity_hat")]] if self.amsgrad else layout

    def _transform(self, learning_rate):
        step = self._step_number()
        return optax.chain(_scale_by_keras_adam(self.beta_1, self.beta_2, self.epsilon, step, self.amsgrad),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first shrinks `w` by `lr * weight_decay * w`."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        if not weight_decay:
            raise ValueError("AdamW: `weight_decay` must be a positive number; use Adam for none.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)


class RMSprop(Optimizer):
    """Divides each gradient by a running root mean square of recent gradients (epsilon inside the
    root, as Keras), optionally centered and with momentum."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _slot_layout(self):
        layout = [[("nu", "velocity")]]
        if self.momentum:
            layout.append([("trace", "momentum")])
        if self.centered:
            layout.append([("mu", "average_gradient")])
        return layout

    def _transform(self, learning_rate):
        rms = (optax.scale_by_stddev if self.centered else optax.scale_by_rms)(
            decay=self.rho, eps=self.epsilon, eps_in_sqrt=True)
        parts = [rms, optax.scale(learning_rate)]
        if self.momentum:  # Keras's momentum accumulates the positive step, then subtracts it
            parts.append(optax.trace(decay=self.momentum))
        return optax.chain(*parts, optax.scale(-1.0))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Scales each weight's step by the root of the sum of all its past squared gradients."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _slot_layout(self):
        return [[("sum_of_squares", "accumulator")]]

    def _slot_initial(self, field):  # the accumulator starts at initial_accumulator_value, not zero
        return self.initial_accumulator_value

    def _transform(self, learning_rate):
        return optax.chain(optax.scale_by_rss(initial_accumulator_value=self.initial_accumulator_value,
                                              eps=self.epsilon),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class _NadamState(NamedTuple):
    mu: Any
    nu: Any
    u_product: Any  # the product of the momentum schedule so far: one number


def _scale_by_keras_nadam(b1, b2, epsilon, step):
    """Nadam as Keras computes it (Dozat 2016): the momentum follows a schedule,
    `u_t = b1 * (1 - 0.5 * 0.96^t)`, and the step looks one momentum ahead. optax's nadam is Adam with
    a plain Nesterov step, which gives other numbers, so this is Keras's formula in optax's form."""
    def init(params):
        zeros = optax.tree.zeros_like(params)
        return _NadamState(mu=zeros, nu=zeros, u_product=jnp.ones([], jnp.float32))

    def update(grads, state, params=None):
        u_t = b1 * (1.0 - 0.5 * jnp.power(0.96, step))
        u_next = b1 * (1.0 - 0.5 * jnp.power(0.96, step + 1))
        u_product = state.u_product * u_t
        mu = optax.tree.update_moment(grads, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(grads, state.nu, b2, 2)

        def direction(g, m, v):
            m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
            return m_hat / (jnp.sqrt(v / (1 - jnp.power(b2, step))) + epsilon)

        return jax.tree.map(direction, grads, mu, nu), _NadamState(mu, nu, u_product)

    return optax.GradientTransformation(init, update)


class _MomentsWithKerasRule(Optimizer):
    """Nadam and Adamax: Adam's arguments (beta_1, beta_2, epsilon), a moment rule of Keras's own
    (`_rule`, an optax transformation), and the learning rate applied after it."""

    _rule = None  # a staticmethod: (beta_1, beta_2, epsilon, step) -> optax transformation

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _transform(self, learning_rate):
        return optax.chain(self._rule(self.beta_1, self.beta_2, self.epsilon, self._step_number()),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(_MomentsWithKerasRule):
    """Adam with Nesterov momentum (Dozat's schedule of the momentum, as Keras)."""

    _rule = staticmethod(_scale_by_keras_nadam)

    def _slot_layout(self):
        return [[("mu", "momentum"), ("nu", "velocity")]]

    def _scalar_layout(self):
        # Keras keeps this number last, in a variable it calls just "variable"; ours says what it is.
        return [("u_product", "u_product", 1.0)]


def _scale_by_keras_adamax(b1, b2, epsilon, step):
    """Adamax as Keras computes it: `m_hat / (u + eps)` with `u = max(b2 * u, |g|)`. optax stores
    `max(b2 * u, |g| + eps)` instead (another `norm` slot, other numbers), so this is Keras's rule
    with optax's moment helper."""
    def init(params):
        zeros = optax.tree.zeros_like(params)
        return optax.ScaleByAdamState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)

    def update(grads, state, params=None):
        mu = optax.tree.update_moment(grads, state.mu, b1, 1)
        nu = jax.tree.map(lambda g, u: jnp.maximum(b2 * u, jnp.abs(g)), grads, state.nu)
        updates = jax.tree.map(lambda m, u: m / ((1 - jnp.power(b1, step)) * (u + epsilon)), mu, nu)
        return updates, optax.ScaleByAdamState(count=state.count + 1, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


class Adamax(_MomentsWithKerasRule):
    """Adam with the infinity norm: the velocity is the running maximum of `|g|` (decayed by beta_2)."""

    _rule = staticmethod(_scale_by_keras_adamax)

    def _slot_layout(self):
        return [[("mu", "momentum"), ("nu", "norm")]]


class Adadelta(Optimizer):
    """Each step is `g` scaled by RMS(recent steps) / RMS(recent gradients): units that match the
    weights', so the learning rate matters less (Keras's default is still 0.001)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _slot_layout(self):
        return [[("e_g", "accumulated_grad"), ("e_x", "accumulated_delta_var")]]

    def _transform(self, learning_rate):
        # optax's running averages of g^2 and of the (unscaled) step^2 are Keras's two slots.
        return optax.chain(optax.scale_by_adadelta(rho=self.rho, eps=self.epsilon),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Lion(Optimizer):
    """Steps of equal size: `lr * sign(beta_1 * m + (1 - beta_1) * g)`; the momentum `m` then
    averages gradients with beta_2."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def _slot_layout(self):
        return [[("mu", "momentum")]]

    def _transform(self, learning_rate):
        return optax.chain(optax.scale_by_lion(b1=self.beta_1, b2=self.beta_2),
                           optax.scale_by_learning_rate(learning_rate))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class _FtrlState(NamedTuple):
    accumulator: Any
    linear: Any


def _keras_ftrl(learning_rate, power, l1, l2, l2_shrinkage, beta, initial_accumulator_value):
    """FTRL-proximal as Keras computes it (optax has no FTRL). The new weight has a closed form in
    the summed squared gradients (`accumulator`) and the `linear` term, with L1 setting small weights
    to exactly zero; the update returned is that weight minus the current one."""
    def init(params):
        return _FtrlState(accumulator=[jnp.full_like(p, initial_accumulator_value) for p in params],
                          linear=optax.tree.zeros_like(params))

    def update(grads, state, params):
        l2_total = l2 + beta / (2.0 * learning_rate)
        updates, accumulators, linears = [], [], []
        for g, w, accumulator, linear in zip(grads, params, state.accumulator, state.linear):
            new_accumulator = accumulator + jnp.square(g)
            linear = linear + (g + 2 * l2_shrinkage * w) - (
                jnp.power(new_accumulator, -power) - jnp.power(accumulator, -power)) / learning_rate * w
            quadratic = jnp.power(new_accumulator, -power) / learning_rate + 2 * l2_total
            updates.append((jnp.clip(linear, -l1, l1) - linear) / quadratic - w)
            accumulators.append(new_accumulator)
            linears.append(linear)
        return updates, _FtrlState(accumulators, linears)

    return optax.GradientTransformation(init, update)


class Ftrl(Optimizer):
    """Follow The Regularized Leader (FTRL-proximal): for wide, sparse models; its L1 strength makes
    weights exactly zero."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        for argument, value in [("initial_accumulator_value", initial_accumulator_value),
                                ("l1_regularization_strength", l1_regularization_strength),
                                ("l2_regularization_strength", l2_regularization_strength),
                                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)]:
            if value < 0.0:
                raise ValueError(f"`{argument}` needs to be positive or zero. Received: {argument}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power, self.initial_accumulator_value = learning_rate_power, initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_layout(self):
        return [[("accumulator", "accumulator"), ("linear", "linear")]]

    def _slot_initial(self, field):
        return self.initial_accumulator_value if field == "accumulator" else 0.0

    def _transform(self, learning_rate):
        return _keras_ftrl(learning_rate, self.learning_rate_power, self.l1_regularization_strength,
                           self.l2_regularization_strength, self.l2_shrinkage_regularization_strength,
                           self.beta, self.initial_accumulator_value)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


# Defined apart (optimizers_more.py), known by name with the others.
from kerasbook.core.training.optimizers_more import Adafactor, Lamb, LossScaleOptimizer  # noqa: E402

_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
            "nadam": Nadam, "adamax": Adamax, "adadelta": Adadelta, "lion": Lion, "ftrl": Ftrl,
            "lamb": Lamb, "adafactor": Adafactor, "lossscaleoptimizer": LossScaleOptimizer}


def get(identifier):
    """An optimizer from a name ("adam"), a class name ("RMSprop"), a Keras config dict
    (`{"class_name": "Adam", "config": {...}}`), or an optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _class_named(identifier)()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer {identifier!r}: expected a name such as 'adam', "
                     "a config dict with 'class_name', or an optimizer.")


def _class_named(name):
    cls = _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}. Known: {sorted(_BY_NAME)}.")
    return cls


def serialize(optimizer):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    return _class_named(config["class_name"]).from_config(config.get("config", {}), custom_objects)


def _check_counts(argument, values, expected_name, expected):
    """`stateless_apply`'s arguments must match their variables one to one: name both counts."""
    values = list(values)
    if len(values) != len(expected):
        raise ValueError(f"Argument `{argument}` must be a list of tensors corresponding 1:1 to "
                         f"{expected_name}: received a list of {len(values)}, but expected "
                         f"{len(expected)}.")
