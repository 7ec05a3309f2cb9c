"""More optimizers as Keras 3 has them: Lamb (Adam with a step scaled to each weight's norm, for
large batches) and Adafactor (Adam's second moment kept as a row and a column of each matrix, to save
memory). Optax has neither in Keras's exact form, so each rule is written here as an optax
transformation; kerasbook/core/training/optimizers.py keeps their state in Keras's variables.
And LossScaleOptimizer, which wraps any of them to train float16 models without underflow.
"""

import numbers
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
import optax

from kerasbook.core.engine.variables import Variable
from kerasbook.core.training.optimizers import Optimizer


class _MomentsState(NamedTuple):
    mu: Any
    nu: Any


def _keras_lamb(learning_rate, beta_1, beta_2, epsilon, step):
    """Adam's direction `m_hat / (sqrt(v_hat) + epsilon)`, then each weight's step scaled by
    `|w| / |direction|` (its trust ratio; 1 when either norm is 0)."""
    def init(params):
        return _MomentsState(optax.tree.zeros_like(params), optax.tree.zeros_like(params))

    def update(grads, state, params):
        updates, moments, velocities = [], [], []
        for g, w, m, v in zip(grads, params, state.mu, state.nu):
            m = m + (g - m) * (1 - beta_1)
            v = v + (jnp.square(g) - v) * (1 - beta_2)
            direction = (m / (1 - beta_1 ** step)) / (jnp.sqrt(v / (1 - beta_2 ** step)) + epsilon)
            w_norm, d_norm = jnp.linalg.norm(w), jnp.linalg.norm(direction)
            ratio = jnp.where((w_norm > 0) & (d_norm > 0), w_norm / jnp.where(d_norm > 0, d_norm, 1), 1.0)
            updates.append(-ratio * learning_rate * direction)
            moments.append(m)
            velocities.append(v)
        return updates, _MomentsState(moments, velocities)

    return optax.GradientTransformation(init, update)


class Lamb(Optimizer):
    """Layer-wise adaptive moments (You et al., 2019): Adam whose step for each weight is rescaled
    to that weight's norm, so that large batches can use large learning rates."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_layout(self):
        return [[("mu", "momentum"), ("nu", "velocity")]]

    def _transform(self, learning_rate):
        return _keras_lamb(learning_rate, self.beta_1, self.beta_2, self.epsilon, self._step_number())

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class _FactoredState(NamedTuple):
    r: Any  # per matrix: the running mean of g^2 over its last axis (one value per row)
    c: Any  # and over its second-to-last axis (one per column); unused (0) for vectors
    v: Any  # the second moment: rebuilt from r and c for a matrix, kept whole for a vector


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def _keras_adafactor(learning_rate, beta_2_decay, epsilon_1, epsilon_2, clip_threshold, step):
    """Adafactor's step as Keras computes it: `v` from the row and column means of `g^2 + epsilon_1`
    (averaged with `beta_2 = 1 - step^beta_2_decay`), the update `g / sqrt(v)` clipped to an RMS of
    `clip_threshold`, and scaled by `max(epsilon_2, rms(w)) * min(lr, 1/sqrt(step))`."""
    def init(params):
        return _FactoredState([jnp.zeros(p.shape[:-1] if p.ndim >= 2 else ()) for p in params],
                              [jnp.zeros(p.shape[:-2] + p.shape[-1:] if p.ndim >= 2 else ()) for p in params],
                              optax.tree.zeros_like(params))

    def update(grads, state, params):
        rho = jnp.minimum(learning_rate, 1 / jnp.sqrt(step))
        beta_2 = 1 - jnp.power(step, beta_2_decay)
        updates, rows, columns, velocities = [], [], [], []
        for g, w, r, c, v in zip(grads, params, state.r, state.c, state.v):
            squared = jnp.square(g) + epsilon_1
            if w.ndim >= 2:
                r = beta_2 * r + (1 - beta_2) * jnp.mean(squared, axis=-1)
                c = beta_2 * c + (1 - beta_2) * jnp.mean(squared, axis=-2)
                v = (r / jnp.mean(r, axis=-1, keepdims=True))[..., None] * c[..., None, :]
            else:
                v = beta_2 * v + (1 - beta_2) * squared
            u = g / jnp.sqrt(v)
            u = u / jnp.maximum(1.0, _rms(u) / clip_threshold)
            updates.append(-jnp.maximum(epsilon_2, _rms(w)) * rho * u)
            rows.append(r)
            columns.append(c)
            velocities.append(v)
        return updates, _FactoredState(rows, columns, velocities)

    return optax.GradientTransformation(init, update)


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern, 2018): Adam's second moment stored as a row and a column per
    matrix instead of a full matrix, and a step relative to each weight's scale."""

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def build(self, variables):
        """Keras's state, variable by variable: a matrix gets its row and column means (both named
        after the variable) and its velocity; a vector its velocity and, as in Keras, an unused row
        and column that stay the integer 0."""
        new = [v for v in variables if not any(v is known for known in self._built_for)]
        for variable in new:
            shape = variable.shape
            factored = len(shape) >= 2
            for field, slot_shape in (("r", shape[:-1]), ("c", shape[:-2] + shape[-1:])):
                if factored:
                    slot = Variable(np.zeros(slot_shape, variable.dtype), trainable=False, name=variable.name,
                                    path=f"{self.name}/{variable.name}")
                else:  # Keras makes these outside the optimizer's scope, as the integer 0
                    slot = Variable(np.zeros((), "int32"), trainable=False, name=variable.name,
                                    path=variable.name)
                self._slots[(field, id(variable))] = slot
                self._slot_variables.append(slot)
            name = f"{variable.path.replace('/', '_')}_velocity"
            velocity = Variable(np.zeros(shape, variable.dtype), trainable=False, name=name,
                                path=f"{self.name}/{name}", layout=variable._layout)
            self._slots[("v", id(variable))] = velocity
            self._slot_variables.append(velocity)
        self._built_for.extend(new)
        self._trainable_variables = list(variables)
        self.built = True

    def _transform(self, learning_rate):
        return _keras_adafactor(learning_rate, self.beta_2_decay, self.epsilon_1, self.epsilon_2,
                                self.clip_threshold, self._step_number())

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}


# Arguments of the base Optimizer that old Keras configs of a LossScaleOptimizer carry, with the only
# value they may have there: the wrapped optimizer is the one that clips, decays, ...
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around another optimizer, for float16 training.

    Small float16 gradients round to zero. `scale_loss` multiplies the loss by a large power of two
    (the trainer calls it before differentiating), so every gradient is that much larger; `apply`
    divides the gradients by the same scale (exactly: powers of two) and lets `inner_optimizer`
    step. If any gradient is inf or NaN, the scale was too large: the step is skipped (weights and
    the inner optimizer's state stay as they were) and the scale halves. After
    `dynamic_growth_steps` good steps in a row it doubles, to find the largest scale that works.
    State, as Keras names it: `step_counter` (good steps since the scale last changed, an int32
    scalar) and `dynamic_scale` (a float32 scalar), after this optimizer's own unused `iteration`
    and `learning_rate`; then the inner optimizer's variables.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None,
                 **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be an optimizer instance such as "
                            f"keras.optimizers.Adam(). Received: inner_optimizer={inner_optimizer!r} "
                            f"(of type {type(inner_optimizer).__name__}).")
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for argument, default in _BASE_DEFAULTS.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{argument}`. Instead, set "
                                 f"`{argument}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        try:
            scale_ok = float(initial_scale) > 0 and np.isfinite(float(initial_scale))
        except (TypeError, ValueError):
            scale_ok = False
        if not scale_ok:  # 0 would unscale gradients to 0/0; a negative scale climbs the loss
            raise ValueError("LossScaleOptimizer: `initial_scale` must be a finite number > 0, such as "
                             f"2.0**15. Received: initial_scale={initial_scale!r}.")
        if (not isinstance(dynamic_growth_steps, numbers.Integral) or isinstance(dynamic_growth_steps, bool)
                or dynamic_growth_steps < 1):
            raise ValueError("LossScaleOptimizer: `dynamic_growth_steps` must be an integer >= 1 (the "
                             "good steps after which the scale doubles). Received: "
                             f"dynamic_growth_steps={dynamic_growth_steps!r}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale, self.dynamic_growth_steps = initial_scale, int(dynamic_growth_steps)

    # The base class makes an `iteration` variable; Keras keeps it (unused) among this optimizer's
    # variables, while `iterations` reports the steps the inner optimizer took.
    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, variable):
        self._own_iterations = variable

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def build(self, variables):
        if not self.built:
            self.step_counter = Variable(np.zeros((), "int32"), trainable=False, name="step_counter",
                                         path=f"{self.name}/step_counter")
            self.dynamic_scale = Variable(np.asarray(self.initial_scale, "float32"), trainable=False,
                                          name="dynamic_scale", path=f"{self.name}/dynamic_scale")
        self.inner_optimizer.build(variables)
        self._trainable_variables = list(variables)
        self.built = True

    @property
    def variables(self):
        own = [self._own_iterations, self._learning_rate]
        if self.built:
            own += [self.step_counter, self.dynamic_scale]
        return own + self.inner_optimizer.variables

    def scale_loss(self, loss):
        """`loss` times the current scale (a float32 scalar): what the trainer differentiates."""
        return loss * (self.dynamic_scale.value if self.built else self.initial_scale)

    def apply(self, grads, trainable_variables=None):
        """One step with scaled `grads`: unscale them, then step or skip (see the class docstring).

        The inner step is computed either way and kept only if every gradient is finite, so the
        step stays one pure function for `jit` (no Python branch on a traced value)."""
        grads = list(grads)
        if trainable_variables is None and not self.built:
            raise ValueError(f"{self.name}: apply(grads) without variables needs a built optimizer; "
                             "call optimizer.build(model.trainable_variables) first.")
        variables = self._trainable_variables if trainable_variables is None else list(trainable_variables)
        self.build(variables)
        present = [g for g in grads if g is not None]
        finite = jnp.all(jnp.asarray([jnp.all(jnp.isfinite(g)) for g in present] or [True]))
        scale = self.dynamic_scale.value
        watched = variables + self.inner_optimizer.variables
        before = [v.value for v in watched]
        self.inner_optimizer.apply([None if g is None else g / scale for g in grads], variables)
        for variable, old in zip(watched, before):
            if variable.value is not old:  # untouched weights stay the same array (no copy in XLA)
                variable.assign(jnp.where(finite, variable.value, old))
        good_steps = self.step_counter.value + 1
        grow = finite & (good_steps >= self.dynamic_growth_steps)
        self.step_counter.assign(jnp.where(finite & ~grow, good_steps, 0))
        self.dynamic_scale.assign(scale * jnp.where(grow, 2.0, jnp.where(finite, 1.0, 0.5)))

    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        inner = deserialize_keras_object(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
