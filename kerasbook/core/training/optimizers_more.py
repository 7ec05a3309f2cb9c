"""Two more optimizers as Keras 3 has them: Lamb (Adam with a step scaled to each weight's norm, for
large batches) and Adafactor (Adam's second moment kept as a row and a column of each matrix, to save
memory). Optax has neither in Keras's exact form, so each rule is written here as an optax
transformation; kerasbook/core/training/optimizers.py keeps their state in Keras's variables.
"""

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
