"""`TimeDistributed`: apply one layer (or a whole model) to every time step of a sequence.

`(batch, timesteps, *features)` is folded into `(batch * timesteps, *features)`, the inner layer runs
once on all of it, and the result is unfolded to `(batch, timesteps, *output_features)`. The same
weights serve every step. A mask of shape `(batch, timesteps, ...)` reaches the inner layer folded the
same way (if its `call` takes one) and is passed on unchanged.

Unlike Keras, which calls the inner layer once per time step, the inner layer sees all steps at
once: the same numbers for every layer that treats samples independently; a BatchNormalization in
training mode computes its statistics over all steps together.
"""

import jax.numpy as jnp

from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.tensor import KerasTensor


class TimeDistributed(Layer):
    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed wraps a layer or a model; received {layer!r}.")
        self.layer = layer
        self.supports_masking = True

    def _inner_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed needs inputs of shape (batch, timesteps, ...); received "
                             f"{tuple(input_shape)}.")
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        inner = self._inner_shape(input_shape)
        if not self.layer.built:
            self.layer(KerasTensor(inner)) if hasattr(self.layer, "inputs") else self.layer.build(inner)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_spec(KerasTensor(self._inner_shape(input_shape))).shape
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {} if training is None else {"training": training}
        if mask is not None and "mask" in self.layer._signature():
            kwargs["mask"] = jnp.reshape(mask, (batch * steps,) + mask.shape[2:])  # one mask per step
        folded = jnp.reshape(inputs, (batch * steps,) + inputs.shape[2:])
        outputs = self.layer(folded, **kwargs)
        return jnp.reshape(outputs, (batch, steps) + outputs.shape[1:])

    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects)
        return super().from_config(config)
