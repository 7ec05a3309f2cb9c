"""Recurrent layers: `SimpleRNN`, `LSTM`, `GRU`, each a *cell* (one time step) run by `jax.lax.scan`.

A cell maps `(input at step t, states) -> (output, new states)`. The layer scans the cell over the
time axis of `(batch, timesteps, features)` inputs. Where a mask says a step is padding, the previous
output and states are carried through unchanged, so a padded sequence gives the same result as the
unpadded one. Weights have Keras's shapes and gate order, so `set_weights(keras_layer.get_weights())`
works: LSTM gates are (input, forget, cell, output), GRU gates (update, reset, candidate).
"""

import jax
import jax.numpy as jnp

from kerasbook.core import activations, initializers, regularizers
from kerasbook.core.input_spec import InputSpec
from kerasbook.core.layer import Layer


class _Cell(Layer):
    """Weights and one step of a recurrent layer."""

    gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        if dropout or recurrent_dropout:
            from kerasbook.core.random import SeedGenerator
            self.seed_generator = SeedGenerator(seed)

    def dropout_masks(self, batch, features, dtype):
        """Keras's variational dropout: one mask per sequence, the same at every time step."""
        from kerasbook.core import random
        ones = jnp.ones((batch, features), dtype)
        inputs = random.dropout(ones, self.dropout, seed=self.seed_generator) if self.dropout else None
        recurrent = (random.dropout(jnp.ones((batch, self.units), dtype), self.recurrent_dropout,
                                    seed=self.seed_generator) if self.recurrent_dropout else None)
        return inputs, recurrent

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        features = input_shape[-1]
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(features, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                name="recurrent_kernel")
        self.bias = (self.add_weight(shape=self._bias_shape(), initializer=self._bias_initializer(),
                                     regularizer=self.bias_regularizer, name="bias")
                     if self.use_bias else None)

    @property
    def state_size(self):
        return [self.units]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class SimpleRNNCell(_Cell):
    """`h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`."""

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)

    def step(self, x_projected, states):
        (h,) = states
        h = self.activation(x_projected + h @ self.recurrent_kernel.value)
        return h, [h]


class LSTMCell(_Cell):
    """Long short-term memory: input, forget and output gates around a carried cell state."""

    gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None):  # the forget gate starts open (Keras's unit_forget_bias)
            import numpy as np
            values = np.asarray(base(shape, dtype))
            values[units:2 * units] = 1.0
            return values
        return forget_ones

    @property
    def state_size(self):
        return [self.units, self.units]

    def step(self, x_projected, states):
        h, c = states
        z = x_projected + h @ self.recurrent_kernel.value
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
        h = self.recurrent_activation(o) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """Gated recurrent unit; `reset_after=True` (Keras's default) applies the reset gate after the
    recurrent matmul, with a separate recurrent bias (bias shape `(2, 3 * units)`)."""

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def step(self, x_projected, states):
        (h,) = states
        u = self.units
        if self.reset_after:
            recurrent = h @ self.recurrent_kernel.value
            if self.bias is not None:
                recurrent = recurrent + self.bias.value[1]
            z = self.recurrent_activation(x_projected[..., :u] + recurrent[..., :u])
            r = self.recurrent_activation(x_projected[..., u:2 * u] + recurrent[..., u:2 * u])
            candidate = self.activation(x_projected[..., 2 * u:] + r * recurrent[..., 2 * u:])
        else:
            kernel = self.recurrent_kernel.value
            z = self.recurrent_activation(x_projected[..., :u] + h @ kernel[:, :u])
            r = self.recurrent_activation(x_projected[..., u:2 * u] + h @ kernel[:, u:2 * u])
            candidate = self.activation(x_projected[..., 2 * u:] + (r * h) @ kernel[:, 2 * u:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class RNN(Layer):
    """Runs a cell over the time axis with `jax.lax.scan`."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if stateful:
            raise ValueError("kerasbook's recurrent layers are not stateful (stateful=False only).")
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.zero_output_for_mask = go_backwards, zero_output_for_mask
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        self.cell.build(input_shape)

    def _projected_inputs(self, inputs):
        cell = self.cell
        x = inputs @ cell.kernel.value
        if cell.bias is not None:
            bias = cell.bias.value
            x = x + (bias[0] if bias.ndim == 2 else bias)
        return x

    def call(self, inputs, mask=None, training=None, initial_state=None):
        cell = self.cell
        batch = inputs.shape[0]
        input_mask, recurrent_mask = (cell.dropout_masks(batch, inputs.shape[-1], inputs.dtype)
                                      if training and (cell.dropout or cell.recurrent_dropout) else (None, None))
        if input_mask is not None:
            inputs = inputs * input_mask[:, None, :]
        if initial_state is None:
            states = [jnp.zeros((batch, size), inputs.dtype) for size in cell.state_size]
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        projected = jnp.swapaxes(self._projected_inputs(inputs), 0, 1)  # time first, for scan
        step_mask = (jnp.ones(projected.shape[:2], bool) if mask is None
                     else jnp.swapaxes(jnp.asarray(mask, bool), 0, 1))
        previous_output = jnp.zeros((batch, cell.units), inputs.dtype)

        def step(carry, scanned):
            states, last_output = carry
            x_t, keep = scanned
            dropped = states if recurrent_mask is None else [states[0] * recurrent_mask] + states[1:]
            output, new_states = cell.step(x_t, dropped)
            keep = keep[:, None]
            new_states = [jnp.where(keep, n, s) for n, s in zip(new_states, states)]
            output = jnp.where(keep, output, jnp.zeros_like(output) if self.zero_output_for_mask
                               else last_output)
            return (new_states, output), output

        (states, last), outputs = jax.lax.scan(step, (states, previous_output), (projected, step_mask),
                                               reverse=self.go_backwards)
        if self.go_backwards:
            outputs = outputs[::-1]  # Keras returns the backward pass's outputs in processing order
        result = jnp.swapaxes(outputs, 0, 1) if self.return_sequences else last
        return [result] + list(states) if self.return_state else result

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        output = (batch, steps, self.cell.units) if self.return_sequences else (batch, self.cell.units)
        if self.return_state:
            return [output] + [(batch, size) for size in self.cell.state_size]
        return output

    def compute_mask(self, inputs, previous_mask=None):
        if self.return_state:
            return None
        return previous_mask if self.return_sequences else None

    @property
    def units(self):
        return self.cell.units

    def get_config(self):
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": False, "unroll": False, "zero_output_for_mask": self.zero_output_for_mask}
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config}


def _recurrent_layer(name, cell_class, doc):
    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, name=None, trainable=True,
                 dtype=None, **cell_kwargs):
        cell_kwargs.pop("time_major", None)
        layer_kwargs = {k: cell_kwargs.pop(k) for k in ("input_shape", "input_dim", "batch_input_shape",
                                                        "batch_size", "activity_regularizer")
                        if k in cell_kwargs}
        RNN.__init__(self, cell_class(units, dtype=dtype, **cell_kwargs),
                     return_sequences=return_sequences, return_state=return_state,
                     go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                     zero_output_for_mask=zero_output_for_mask, name=name,
                     trainable=trainable, dtype=dtype, **layer_kwargs)
    return type(name, (RNN,), {"__init__": __init__, "__doc__": doc})


SimpleRNN = _recurrent_layer("SimpleRNN", SimpleRNNCell, "A fully connected RNN: output fed back as input.")
LSTM = _recurrent_layer("LSTM", LSTMCell, "Long short-term memory over a sequence.")
GRU = _recurrent_layer("GRU", GRUCell, "Gated recurrent unit over a sequence.")


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards, and merges their outputs."""

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.forward_layer = layer
        if backward_layer is None:
            config = layer.get_config()
            config.update(go_backwards=not layer.go_backwards, name=f"backward_{layer.name}")
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.supports_masking = True

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.backward_layer.build(input_shape)

    def call(self, inputs, mask=None, training=None):
        forward = self.forward_layer.call(inputs, mask=mask)
        backward = self.backward_layer.call(inputs, mask=mask)
        if self.forward_layer.return_state:
            states = forward[1:] + backward[1:]
            forward, backward = forward[0], backward[0]
        if self.forward_layer.return_sequences:
            backward = backward[:, ::-1]
        merged = {"concat": lambda: jnp.concatenate([forward, backward], -1),
                  "sum": lambda: forward + backward, "mul": lambda: forward * backward,
                  "ave": lambda: (forward + backward) / 2, None: lambda: [forward, backward]}[self.merge_mode]()
        return ([merged] if not isinstance(merged, list) else merged) + states \
            if self.forward_layer.return_state else merged

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.forward_layer.return_state:
            shape, states = shape[0], shape[1:] * 2
        if self.merge_mode == "concat":
            shape = shape[:-1] + (shape[-1] * 2,)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        return outputs + states if states else (outputs if self.merge_mode is None else shape)

    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        return {**super().get_config(), "layer": serialize_keras_object(self.forward_layer),
                "merge_mode": self.merge_mode}

    @classmethod
    def from_config(cls, config):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"])
        config.pop("backward_layer", None)
        return super().from_config(config)
