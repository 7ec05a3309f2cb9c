"""Learning-rate schedules (`keras.optimizers.schedules`): functions of the training step."""

import jax.numpy as jnp


class LearningRateSchedule:
    """A learning rate that depends on the step: the optimizer calls `schedule(iterations)`."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored steps if `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase
        self.name = name or type(self).__name__

    def __call__(self, step):
        progress = jnp.asarray(step, "float32") / self.decay_steps
        if self.staircase:
            progress = jnp.floor(progress)
        return self.initial_learning_rate * jnp.power(self.decay_rate, progress)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(ExponentialDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`."""

    def __call__(self, step):
        progress = jnp.asarray(step, "float32") / self.decay_steps
        if self.staircase:
            progress = jnp.floor(progress)
        return self.initial_learning_rate / (1 + self.decay_rate * progress)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` while `step` is within `boundaries[i-1] < step <= boundaries[i]`."""

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay needs one more value than boundaries.")
        self.boundaries, self.values = list(boundaries), list(values)
        self.name = name or "PiecewiseConstant"

    def __call__(self, step):
        index = jnp.sum(jnp.asarray(step) > jnp.asarray(self.boundaries))
        return jnp.asarray(self.values, "float32")[index]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from `initial_learning_rate` down to `alpha` of it over `decay_steps`."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.name = name or "CosineDecay"
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        step = jnp.asarray(step, "float32")
        target = self.initial_learning_rate if self.warmup_target is None else self.warmup_target
        progress = jnp.clip((step - self.warmup_steps) / self.decay_steps, 0.0, 1.0)
        decayed = target * ((1 - self.alpha) * 0.5 * (1 + jnp.cos(jnp.pi * progress)) + self.alpha)
        if self.warmup_steps:
            warm = self.initial_learning_rate + (target - self.initial_learning_rate) * step / self.warmup_steps
            return jnp.where(step < self.warmup_steps, warm, decayed)
        return decayed

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps`, along
    `(1 - step / decay_steps) ** power` (a straight line for power 1), then constant. With `cycle`,
    the decay starts again from the top, each time over a multiple of `decay_steps` long enough to
    contain the step."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        step = jnp.asarray(step, "float32")
        decay_steps = jnp.asarray(self.decay_steps, "float32")
        if self.cycle:  # the first multiple of decay_steps at or after the step (1 at step 0)
            decay_steps = decay_steps * jnp.where(step == 0, 1.0, jnp.ceil(step / self.decay_steps))
        else:
            step = jnp.minimum(step, decay_steps)
        fraction_left = 1 - step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * jnp.power(fraction_left, self.power) + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016): half a cosine from
    `initial_learning_rate` down to `alpha` of it over `first_decay_steps`, then a restart at the top;
    each period is `t_mul` times longer than the one before, and its peak `m_mul` times lower."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        if first_decay_steps <= 0:
            raise ValueError("Argument `first_decay_steps` must be > 0. Received: "
                             f"first_decay_steps={first_decay_steps}")
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def _restart_and_fraction(self, progress):
        """Which period `progress` (steps / first_decay_steps) falls in, and how far into it (0 to 1)."""
        if self._t_mul == 1.0:  # periods of equal length
            restart = jnp.floor(progress)
            return restart, progress - restart
        t_mul = jnp.float32(self._t_mul)
        # Periods 1, t, t^2, ...: the first i of them end at (1 - t^i) / (1 - t).
        restart = jnp.floor(jnp.log(1.0 - progress * (1.0 - t_mul)) / jnp.log(t_mul))
        start = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
        return restart, (progress - start) / jnp.power(t_mul, restart)

    def __call__(self, step):
        progress = jnp.asarray(step, "float32") / jnp.float32(self.first_decay_steps)
        restart, fraction = self._restart_and_fraction(progress)
        cosine = 0.5 * jnp.power(jnp.float32(self._m_mul), restart) * (1.0 + jnp.cos(jnp.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BY_NAME = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                          CosineDecay, PolynomialDecay, CosineDecayRestarts)}


def serialize(schedule):
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(schedule)


def deserialize(config, custom_objects=None):
    """A schedule from its Keras config: `{"class_name": "ExponentialDecay", "config": {...}}`."""
    cls = _BY_NAME.get(config.get("class_name"))
    if cls is None:
        from kerasbook.core.saving.serialization import deserialize_keras_object
        return deserialize_keras_object(config, custom_objects)
    return cls.from_config(config.get("config", {}))
