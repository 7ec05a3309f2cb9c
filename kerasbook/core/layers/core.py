"""The core layers: `Dense`, `Activation`, `Embedding`, `Masking`, `Lambda`, `Identity`."""

import jax.numpy as jnp

from kerasbook.core import activations, constraints, initializers, regularizers
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments, weight_options


class Dense(Layer):
    """`activation(inputs @ kernel + bias)`: the last axis of size `d` becomes `units`.

    kernel: `(d, units)`; bias: `(units,)`. Inputs of higher rank are transformed on their last axis.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        arguments.only_default(self, lora_rank=(lora_rank, None), lora_alpha=(lora_alpha, None),
                               quantization_config=(quantization_config, None))
        self.units = arguments.positive_int(self, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_options.keep(self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError("the last axis of the input must have a known size.")
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                     name="bias") if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        x = jnp.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_options.config(self), "quantization_config": None}


class Activation(Layer):
    """Applies an activation function, given by name (`"relu"`) or as a function."""

    keeps_input_dtype = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    keeps_input_dtype = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Embedding(Layer):
    """Looks up a vector of size `output_dim` for each integer in `[0, input_dim)`.

    `(batch, length)` integers become `(batch, length, output_dim)` floats. With `mask_zero=True`, 0 is
    padding: the output carries a mask that is False there, for the layers that follow.
    `input_length` (Keras 2) fixes the sequence length of the model's input.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, weights=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        input_length = kwargs.pop("input_length", None)  # Keras 2's; Keras 3 accepts it the same way
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        arguments.only_default(self, lora_rank=(lora_rank, None), lora_alpha=(lora_alpha, None),
                               quantization_config=(quantization_config, None))
        self.input_dim = arguments.positive_int(self, "input_dim", input_dim)
        self.output_dim = arguments.positive_int(self, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.input_length = input_length
        self.supports_masking = mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        return jnp.take(self.embeddings.value, jnp.asarray(inputs).astype("int32"), axis=0)

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "quantization_config": None}


class Masking(Layer):
    """Marks time steps whose features all equal `mask_value` as padding, and zeroes them."""

    keeps_input_dtype = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * keep.astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


class Lambda(Layer):
    """Wraps a function as a layer: `Lambda(lambda x: x ** 2)`.

    Its function is Python code, so a saved model with a Lambda is only loaded back with
    `safe_mode=False`: loading must never run code from a file unasked.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = arguments or {}
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self):
        from kerasbook.core.saving import lambdas
        return {**super().get_config(), **lambdas.serialize_lambda(self)}

    @classmethod
    def from_config(cls, config, safe_mode=None):
        from kerasbook.core.saving import lambdas
        return lambdas.deserialize_lambda(cls, config, safe_mode)
