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


_BY_NAME = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                          CosineDecay)}


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
