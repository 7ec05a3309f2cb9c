"""Recurrent layers: `SimpleRNN`, `LSTM`, `GRU`, `ConvLSTM1D/2D/3D`, each a *cell* (one time step) that
`RNN` runs over the time axis with `jax.lax.scan`.

A cell maps `(input at step t, states) -> (output, new states)`. The layer scans the cell over the
time axis of `(batch, timesteps, *features)` inputs. Where a mask says a step is padding, the previous
output and states are carried through unchanged, so a padded sequence gives the same result as the
unpadded one. Weights have Keras's shapes and gate order, so `set_weights(keras_layer.get_weights())`
works: LSTM gates are (input, forget, cell, output), GRU gates (update, reset, candidate).

The built-in cells split their step in two, for speed: `project` multiplies *every* step's input by the
kernel in one big matmul (or convolution) before the scan, and `step` does only the recurrent part
inside it. Any other cell with Keras's interface (`call(inputs, states)` and `state_size`) works too.
"""

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from kerasbook.core import activations, constraints, initializers, regularizers, tree

from kerasbook.core.engine import state
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.layers.convolutional import output_length
from kerasbook.core.layers.stacked_cells import StackedRNNCells
from kerasbook.core.ops import nn


def _shape(size):
    """A state size (an int, or a tuple for convolutional cells) as a shape without the batch axis."""
    return (size,) if isinstance(size, int) else tuple(size)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _arguments_of(function, names_and_values):
    """The entries of `names_and_values` (a constructor's `locals()`) that `function` takes by name:
    the layers below list Keras's arguments in Keras's order, then hand them on by name."""
    taken = inspect.signature(function).parameters
    return {k: v for k, v in names_and_values.items()
            if k in taken and k not in ("self", "kwargs") and taken[k].kind != taken[k].VAR_KEYWORD}


class _Cell(Layer):
    """Weights and one step of a built-in recurrent layer (input projection outside the scan)."""

    gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = arguments.positive_int(self, "units", units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = arguments.fraction(self, "dropout", dropout, upper_open=True)
        self.recurrent_dropout = arguments.fraction(self, "recurrent_dropout", recurrent_dropout,
                                                    upper_open=True)
        self.seed = seed
        if dropout or recurrent_dropout:
            from kerasbook.core.random import SeedGenerator
            self.seed_generator = SeedGenerator(seed)

    # -- weights -------------------------------------------------------------------------------
    def _kernel_shapes(self, input_shape):
        """(kernel shape, recurrent kernel shape) for a step input of `input_shape`."""
        width = self.gates * self.units
        return (input_shape[-1], width), (self.units, width)

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        kernel_shape, recurrent_shape = self._kernel_shapes(input_shape)
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight(shape=recurrent_shape, initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint, name="recurrent_kernel")
        self.bias = (self.add_weight(shape=self._bias_shape(), initializer=self._bias_initializer(),
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                     name="bias")
                     if self.use_bias else None)

    # -- computation ---------------------------------------------------------------------------
    def project(self, inputs):
        """The input's contribution to every gate, `(..., features) -> (..., gates * units)`."""
        x = inputs @ self.kernel.value
        if self.bias is not None:
            bias = self.bias.value
            x = x + (bias[0] if bias.ndim == 2 else bias)
        return x

    def step(self, projected, states):
        raise NotImplementedError

    def call(self, inputs, states):
        """One step, as a Keras cell: `(batch, features), [states] -> (output, [new states])`."""
        return self.step(self.project(inputs), _as_list(states))

    def dropout_masks(self, input_shape, dtype):
        """Keras's variational dropout: one mask per sequence, the same at every time step.
        Returns (mask for the step input, mask for the first state), either None if unused."""
        from kerasbook.core import random
        inputs = (random.dropout(jnp.ones(input_shape, dtype), self.dropout, seed=self.seed_generator)
                  if self.dropout else None)
        state_shape = (input_shape[0],) + _shape(self.state_size[0])
        recurrent = (random.dropout(jnp.ones(state_shape, dtype), self.recurrent_dropout,
                                    seed=self.seed_generator) if self.recurrent_dropout else None)
        return inputs, recurrent

    @property
    def state_size(self):
        return [self.units]

    @property
    def output_size(self):
        return self.state_size[0]

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
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class SimpleRNNCell(_Cell):
    """`h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**_arguments_of(_Cell, locals()), **kwargs)

    def step(self, projected, states):
        (h,) = states
        h = self.activation(projected + h @ self.recurrent_kernel.value)
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


def _forget_bias_ones(base, units):
    """Keras's `unit_forget_bias`: the bias initializer, with the forget gate's slice set to 1 (the
    gate starts open, so early training does not forget everything)."""
    def initializer(shape, dtype=None):
        values = np.array(base(shape, dtype))
        values[units:2 * units] = 1.0
        return values
    return initializer


class LSTMCell(_Cell):
    """Long short-term memory: input, forget and output gates around a carried cell state."""

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**_arguments_of(_Cell, locals()), **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_initializer(self):
        return _forget_bias_ones(self.bias_initializer, self.units) if self.unit_forget_bias \
            else self.bias_initializer

    @property
    def state_size(self):
        return [self.units, self.units]

    def _recurrent(self, h):
        return h @ self.recurrent_kernel.value

    def step(self, projected, states):
        h, c = states
        z = projected + self._recurrent(h)
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

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        super().__init__(**_arguments_of(_Cell, locals()), **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def step(self, projected, states):
        (h,) = states
        u = self.units
        kernel = self.recurrent_kernel.value
        if self.reset_after:
            recurrent = h @ kernel
            if self.bias is not None:
                recurrent = recurrent + self.bias.value[1]
            z = self.recurrent_activation(projected[..., :u] + recurrent[..., :u])
            r = self.recurrent_activation(projected[..., u:2 * u] + recurrent[..., u:2 * u])
            candidate = self.activation(projected[..., 2 * u:] + r * recurrent[..., 2 * u:])
        else:
            z = self.recurrent_activation(projected[..., :u] + h @ kernel[:, :u])
            r = self.recurrent_activation(projected[..., u:2 * u] + h @ kernel[:, u:2 * u])
            candidate = self.activation(projected[..., 2 * u:] + (r * h) @ kernel[:, 2 * u:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class ConvLSTMCell(LSTMCell):
    """An LSTM whose matmuls are convolutions: states are feature maps `(*spatial, filters)`.
    The input convolution uses the layer's strides and padding; the recurrent one keeps the state's
    size (stride 1, "same"). Kernel `(*kernel_size, in_channels, 4 * filters)`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, **{k: v for k, v in kwargs.items() if k != "units"})
        self.rank, self.filters = rank, filters
        self.kernel_size = arguments.int_tuple(self, "kernel_size", kernel_size, rank)
        self.strides = arguments.int_tuple(self, "strides", strides, rank)
        self.dilation_rate = arguments.int_tuple(self, "dilation_rate", dilation_rate, rank)
        self.padding = arguments.one_of(self, "padding", padding, ("valid", "same"))
        self.data_format = arguments.data_format(self, data_format)
        self._state_shape = None

    def _channel_axis(self):
        return 0 if self.data_format == "channels_first" else -1  # of one sample, batch axis excluded

    def output_spatial(self, spatial):
        return tuple(output_length(n, k, s, self.padding, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def build(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = tuple(input_shape[2:] if first else input_shape[1:-1])
        if None in spatial:
            raise ValueError(f"ConvLSTM needs a known spatial size; received input shape {input_shape}.")
        out = self.output_spatial(spatial)
        self._state_shape = (self.filters,) + out if first else out + (self.filters,)
        super().build(input_shape)

    def _kernel_shapes(self, input_shape):
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        return (self.kernel_size + (channels, 4 * self.filters),
                self.kernel_size + (self.filters, 4 * self.filters))

    @property
    def state_size(self):
        return [self._state_shape, self._state_shape]

    def _bias(self, x):
        if self.bias is None:
            return x
        shape = (4 * self.filters,) + (1,) * self.rank if self.data_format == "channels_first" \
            else (4 * self.filters,)
        return x + self.bias.value.reshape(shape)

    def project(self, inputs):
        """`(..., *step_shape)`: the leading axes (batch, or batch and time) are folded for the conv."""
        lead = inputs.shape[:inputs.ndim - self.rank - 1]
        folded = inputs.reshape((-1,) + inputs.shape[len(lead):])
        x = nn.conv(folded, self.kernel.value, self.strides, self.padding, self.data_format,
                    self.dilation_rate)
        return self._bias(x).reshape(lead + x.shape[1:])

    def _recurrent(self, h):
        return nn.conv(h, self.recurrent_kernel.value, 1, "same", self.data_format)

    def step(self, projected, states):
        h, c = states
        z = projected + self._recurrent(h)
        i, f, g, o = jnp.split(z, 4, axis=1 if self.data_format == "channels_first" else -1)
        c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
        h = self.recurrent_activation(o) * self.activation(c)
        return h, [h, c]


class RNN(Layer):
    """Runs a cell over the time axis with `jax.lax.scan`: `(batch, timesteps, *features)` ->
    `(batch, units)` (the last output), or `(batch, timesteps, units)` with `return_sequences`;
    `return_state` appends the final states. `initial_state=` in the call replaces the zero states."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if stateful:
            raise ValueError(f'Layer "{self.name}": kerasbook\'s recurrent layers are not stateful '
                             "(stateful=False only).")
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)  # as Keras: the cells run one above the other at each step
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f'Layer "{self.name}": the cell must have `call(inputs, states)` and '
                             f"`state_size`; received {cell!r}.")
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.zero_output_for_mask = go_backwards, zero_output_for_mask
        self.unroll = unroll  # accepted for compatibility: the loop is always a scan
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape):
        step_shape = (input_shape[0],) + tuple(input_shape[2:])
        if not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True

    # -- the time loop -------------------------------------------------------------------------
    def _state_sizes(self):
        return [_shape(s) for s in _as_list(self.cell.state_size)]

    def _output_size(self):
        first_state = _as_list(self.cell.state_size)[0]
        return _shape(getattr(self.cell, "output_size", None) or first_state)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        cell = self.cell
        batch = inputs.shape[0]
        recurrent_mask = None
        if isinstance(cell, _Cell) and training and (cell.dropout or cell.recurrent_dropout):
            input_mask, recurrent_mask = cell.dropout_masks((batch,) + inputs.shape[2:], inputs.dtype)
            if input_mask is not None:
                inputs = inputs * input_mask[:, None]
        if initial_state is None:
            states = [jnp.zeros((batch,) + size, inputs.dtype) for size in self._state_sizes()]
        else:
            states = [jnp.asarray(s) for s in tree.flatten(initial_state)]
        weights = cell.weights
        outputs, states = self._compiled_loop(weights, training)(
            [w.value for w in weights], inputs, states, mask, recurrent_mask)
        if isinstance(cell, StackedRNNCells):
            states = cell.states_per_cell(states)
        return [outputs] + list(states) if self.return_state else outputs

    def _compiled_loop(self, weights, training):
        """The whole time loop as one compiled XLA program, cached per layer: the weights are
        arguments (not constants baked in), so an eager call does not recompile every time."""
        cache = self.__dict__.get("_loops")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_loops", cache)
        key = (tuple(map(id, weights)), bool(training))
        if key not in cache:
            def run(values, inputs, states, mask, recurrent_mask):
                with state.StatelessScope(dict(zip(weights, values))):
                    return self._loop(inputs, states, mask, recurrent_mask, training)
            cache.clear()
            cache[key] = jax.jit(run)
        return cache[key]

    def _loop(self, inputs, states, mask, recurrent_mask, training):
        """`jax.lax.scan` of the cell over time; returns (outputs or last output, final states)."""
        cell = self.cell
        if isinstance(cell, _Cell):
            sequence, step_fn = cell.project(inputs), cell.step
        else:
            sequence, step_fn = inputs, self._generic_step(training)
        sequence = jnp.swapaxes(sequence, 0, 1)  # time first, for scan
        step_mask = (jnp.ones(sequence.shape[:2], bool) if mask is None
                     else jnp.swapaxes(jnp.asarray(mask, bool), 0, 1))
        first_output = jnp.zeros((inputs.shape[0],) + self._output_size(), inputs.dtype)

        def step(carry, scanned):
            states, last_output = carry
            x_t, keep = scanned
            dropped = states if recurrent_mask is None else [states[0] * recurrent_mask] + states[1:]
            output, new_states = step_fn(x_t, dropped)
            new_states = [jnp.where(keep.reshape((-1,) + (1,) * (n.ndim - 1)), n, s)
                          for n, s in zip(_as_list(new_states), states)]
            keep = keep.reshape((-1,) + (1,) * (output.ndim - 1))
            output = jnp.where(keep, output, jnp.zeros_like(output) if self.zero_output_for_mask
                               else last_output)
            return (new_states, output), output

        (states, last), outputs = jax.lax.scan(step, (states, first_output), (sequence, step_mask),
                                               reverse=self.go_backwards)
        if not self.return_sequences:
            return last, states
        if self.go_backwards:
            outputs = outputs[::-1]  # Keras returns the backward pass's outputs in processing order
        return jnp.swapaxes(outputs, 0, 1), states

    def _generic_step(self, training):
        """A user cell with Keras's `call(inputs, states[, training])`."""
        takes_training = "training" in inspect.signature(self.cell.call).parameters
        if takes_training:
            return lambda x, states: self.cell.call(x, states, training=training)
        return lambda x, states: self.cell.call(x, states)

    # -- shapes, masks, config -----------------------------------------------------------------
    def _step_output_shape(self, input_shape):
        return self._output_size()

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = self._step_output_shape(input_shape)
        output = (batch, steps) + out if self.return_sequences else (batch,) + out
        if self.return_state:
            states = [(batch,) + s for s in self._state_sizes()]
            if isinstance(self.cell, StackedRNNCells):
                states = self.cell.states_per_cell(states)
            return [output] + states
        return output

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            states = [None] * len(self._state_sizes())
            if isinstance(self.cell, StackedRNNCells):
                states = self.cell.states_per_cell(states)
            return [output_mask] + states
        return output_mask

    @property
    def units(self):
        return self.cell.units

    def get_config(self):
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": False, "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}
        if type(self) is RNN:
            from kerasbook.core.saving.serialization import serialize_keras_object
            return {**config, "cell": serialize_keras_object(self.cell)}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        if isinstance(self.cell, SimpleRNNCell):
            cell_config.pop("seed")  # as Keras's SimpleRNN config
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config):
        if cls is RNN:
            from kerasbook.core.saving.serialization import deserialize_keras_object
            config = {**config, "cell": deserialize_keras_object(config["cell"])}
        return super().from_config(config)


def _init_recurrent_layer(layer, cell_class, names_and_values, kwargs):
    """`layer` = `RNN(cell_class(...))`, from the flat arguments of SimpleRNN, LSTM or GRU (their
    constructor's `locals()`): the cell's go to the cell, the rest to RNN."""
    if names_and_values.get("use_cudnn", "auto") is True:  # "auto" and False: the scan below, as on CPU
        raise NotImplementedError(f"{type(layer).__name__}: kerasbook has no cuDNN kernel; use_cudnn=True "
                                  "cannot be honoured. Use the default, 'auto'.")
    for ignored in ("time_major", "implementation"):  # Keras 2's, without effect in Keras 3
        kwargs.pop(ignored, None)
    dtype = kwargs.get("dtype")
    with arguments.reported_as(layer):
        cell = cell_class(**_arguments_of(cell_class, names_and_values), dtype=dtype)
    RNN.__init__(layer, cell, **_arguments_of(RNN, names_and_values),
                 activity_regularizer=names_and_values["activity_regularizer"], **kwargs)
    layer.input_spec = InputSpec(ndim=3)


class SimpleRNN(RNN):
    """A fully connected RNN: output fed back as input."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        _init_recurrent_layer(self, SimpleRNNCell, locals(), kwargs)


class LSTM(RNN):
    """Long short-term memory over a sequence."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, use_cudnn="auto",
                 **kwargs):
        _init_recurrent_layer(self, LSTMCell, locals(), kwargs)


class GRU(RNN):
    """Gated recurrent unit over a sequence."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        _init_recurrent_layer(self, GRUCell, locals(), kwargs)


class _ConvLSTM(RNN):
    """An LSTM over sequences of images (or sequences, volumes): `(batch, time, *spatial, channels)` ->
    `(batch, *new_spatial, filters)`, or `(batch, time, *new_spatial, filters)` with return_sequences."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        names_and_values = locals()
        with arguments.reported_as(self):
            arguments.positive_int(self, "filters", filters)
            cell = ConvLSTMCell(self.rank, **_arguments_of(ConvLSTMCell, names_and_values),
                                **_arguments_of(LSTMCell, names_and_values), dtype=kwargs.get("dtype"))
        super().__init__(cell, **_arguments_of(RNN, names_and_values), activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def _state_sizes(self):
        return [self.cell._state_shape] * 2

    def _output_size(self):
        return self.cell._state_shape

    def compute_output_shape(self, input_shape):
        cell = self.cell
        first = cell.data_format == "channels_first"
        spatial = cell.output_spatial(input_shape[3:] if first else input_shape[2:-1])
        step = (cell.filters,) + spatial if first else spatial + (cell.filters,)
        batch = input_shape[0]
        output = (batch, input_shape[1]) + step if self.return_sequences else (batch,) + step
        return [output, (batch,) + step, (batch,) + step] if self.return_state else output

    def get_config(self):
        config = super().get_config()
        config.pop("units")
        cell = self.cell
        return {**config, "filters": cell.filters, "kernel_size": cell.kernel_size, "strides": cell.strides,
                "padding": cell.padding, "data_format": cell.data_format, "dilation_rate": cell.dilation_rate}


class ConvLSTM1D(_ConvLSTM):
    rank = 1


class ConvLSTM2D(_ConvLSTM):
    rank = 2


class ConvLSTM3D(_ConvLSTM):
    rank = 3


_MERGES = {"concat": lambda f, b: jnp.concatenate([f, b], -1), "sum": lambda f, b: f + b,
           "mul": lambda f, b: f * b, "ave": lambda f, b: (f + b) / 2, None: lambda f, b: [f, b]}


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy (or `backward_layer`) backwards over the same
    sequence, and merges their outputs (`merge_mode`: concat, sum, mul, ave, or None for both).
    With `return_state`, the forward states come first, then the backward ones; `initial_state`
    is split the same way."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, RNN):
            raise ValueError(f"Bidirectional wraps a recurrent layer; received {layer!r}.")
        if merge_mode not in _MERGES:
            raise ValueError(f'Bidirectional "{self.name}": merge_mode must be one of concat, sum, mul, ave '
                             f"or None; received {merge_mode!r}.")
        forward_config = layer.get_config()
        forward_config["name"] = "forward_" + layer.name.removeprefix("forward_")
        self.forward_layer = type(layer).from_config(forward_config)
        if backward_layer is None:
            config = layer.get_config()
            config.update(go_backwards=not layer.go_backwards,
                          name="backward_" + layer.name.removeprefix("backward_"))
            backward_layer = type(layer).from_config(config)
        if backward_layer.go_backwards == self.forward_layer.go_backwards:
            raise ValueError(f'Bidirectional "{self.name}": the backward layer must have the opposite '
                             "go_backwards of the forward layer.")
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):  # as Keras: padded steps give zeros
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.supports_masking = True
        if weights is not None:
            raise ValueError("Bidirectional(weights=...) is not supported; use set_weights after building.")

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
                sub.built = True

    def call(self, inputs, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        forward = self.forward_layer.call(inputs, initial_state=forward_state, mask=mask, training=training)
        backward = self.backward_layer.call(inputs, initial_state=backward_state, mask=mask, training=training)
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            backward = jnp.flip(backward, axis=1)
        merged = _MERGES[self.merge_mode](forward, backward)
        if not self.return_state:
            return merged
        return (merged if self.merge_mode is None else [merged]) + states

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], shape[1:] * 2
        if self.merge_mode == "concat":
            shape = shape[:-1] + (shape[-1] * 2,)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if states:
            return outputs + states
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        outputs = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return outputs + [None] * (2 * len(self.forward_layer._state_sizes()))
        return outputs if self.merge_mode is None else output_mask

    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        config = {**super().get_config(), "layer": serialize_keras_object(self.forward_layer),
                  "merge_mode": self.merge_mode}
        config["backward_layer"] = serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_keras_object(config["backward_layer"])
        return super().from_config(config)
