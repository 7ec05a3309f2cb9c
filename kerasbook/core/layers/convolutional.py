"""Convolutions: `Conv1D`, `Conv2D`, `Conv3D`, on `jax.lax.conv_general_dilated`.

One class serves every rank: a kernel of shape `(*kernel_size, in_channels / groups, filters)` slides
over the spatial axes of `(batch, *spatial, channels)` inputs (or `(batch, channels, *spatial)` with
`data_format="channels_first"`), giving `filters` output channels.
"""

from kerasbook.core import activations, initializers, regularizers
from kerasbook.core.input_spec import InputSpec
from kerasbook.core.layer import Layer
from kerasbook.core.ops import nn


def _tuple(value, rank, name):
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank:
        raise ValueError(f"`{name}` must have {rank} values, received {value!r}.")
    return values


def output_length(length, kernel, stride, padding, dilation):
    """The output size of one spatial axis (None stays None)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "same":
        return -(-length // stride)
    return max(0, (length - span) // stride + 1)


class BaseConv(Layer):
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f'Layer "{self.name}": padding must be "valid" or "same", not {padding!r}.')
        self.data_format = data_format or "channels_last"
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError("the channel axis of the input must have a known size.")
        if channels % self.groups or self.filters % self.groups:
            raise ValueError(f"input channels ({channels}) and filters ({self.filters}) must both be "
                             f"divisible by groups ({self.groups}).")
        self.kernel = self.add_weight(shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = (self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                     name="bias") if self.use_bias else None)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})

    def call(self, inputs):
        x = nn.conv(inputs, self.kernel.value, self.strides, self.padding, self.data_format,
                    self.dilation_rate)
        if self.bias is not None:
            shape = (1, self.filters) + (1,) * self.rank if self.data_format == "channels_first" \
                else (self.filters,)
            x = x + self.bias.value.reshape(shape)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_first":
            spatial = input_shape[2:]
        else:
            spatial = input_shape[1:-1]
        out = tuple(output_length(length, k, s, self.padding, d) for length, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o == 0 for o in out):
            raise ValueError(f"an input of spatial size {tuple(spatial)} is too small for kernel_size="
                             f"{self.kernel_size} with padding='{self.padding}' (the output would be empty).")
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


class Conv1D(BaseConv):
    """Convolution over a sequence: `(batch, steps, channels)` -> `(batch, new_steps, filters)`."""
    rank = 1


class Conv2D(BaseConv):
    """Convolution over an image: `(batch, height, width, channels)` -> `(batch, h, w, filters)`."""
    rank = 2


class Conv3D(BaseConv):
    """Convolution over a volume: `(batch, depth, height, width, channels)`."""
    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
