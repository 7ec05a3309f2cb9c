"""Convolutions on `jax.lax.conv_general_dilated`: `Conv1D/2D/3D`, `Conv1D/2D/3DTranspose`,
`SeparableConv1D/2D`, `DepthwiseConv1D/2D`.

Every class serves every rank: a kernel of shape `(*kernel_size, in_channels / groups, filters)` slides
over the spatial axes of `(batch, *spatial, channels)` inputs (or `(batch, channels, *spatial)` with
`data_format="channels_first"`), giving `filters` output channels.
"""

import jax
import jax.numpy as jnp

from kerasbook.core import activations, constraints, initializers, regularizers
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments, weight_options
from kerasbook.core.ops import nn


def output_length(length, kernel, stride, padding, dilation):
    """The output size of one spatial axis (None stays None)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding in ("same", "causal"):
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
        # None: a depthwise convolution, whose filters follow from the input's channels
        self.filters = arguments.positive_int(self, "filters", filters, allow=(None,))
        self.kernel_size = arguments.int_tuple(self, "kernel_size", kernel_size, self.rank)
        self.strides = arguments.int_tuple(self, "strides", strides, self.rank)
        allowed = ("valid", "same", "causal") if self.rank == 1 and type(self).call is BaseConv.call \
            else ("valid", "same")
        self.padding = arguments.one_of(self, "padding", padding, allowed)
        self.data_format = arguments.data_format(self, data_format)
        self.dilation_rate = arguments.int_tuple(self, "dilation_rate", dilation_rate, self.rank)
        self.groups = arguments.positive_int(self, "groups", groups)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_options.keep(self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)
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
        self._add_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":  # pad the past only, so no output sees a later step
            time_axis = 2 if self.data_format == "channels_first" else 1
            widths = [(0, 0)] * inputs.ndim
            widths[time_axis] = ((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)
            inputs, padding = jnp.pad(inputs, widths), "valid"
        x = nn.conv(inputs, self.kernel.value, self.strides, padding, self.data_format, self.dilation_rate)
        return self._finish(x)

    def _add_bias(self):
        self.bias = (self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                     name="bias") if self.use_bias else None)

    def _finish(self, x):
        """Add the bias (on the channel axis) and apply the activation."""
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
                **weight_options.config(self, activity=True)}


class Conv1D(BaseConv):
    """Convolution over a sequence: `(batch, steps, channels)` -> `(batch, new_steps, filters)`."""
    rank = 1


@arguments.keras_signature(strides=(1, 1), dilation_rate=(1, 1))
class Conv2D(BaseConv):
    """Convolution over an image: `(batch, height, width, channels)` -> `(batch, h, w, filters)`."""
    rank = 2


@arguments.keras_signature(strides=(1, 1, 1), dilation_rate=(1, 1, 1))
class Conv3D(BaseConv):
    """Convolution over a volume: `(batch, depth, height, width, channels)`."""
    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: each input channel gets its own `depth_multiplier` filters."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=None, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = arguments.positive_int(self, "depth_multiplier", depth_multiplier)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        self.filters = channels * self.depth_multiplier
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self._add_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})

    def call(self, inputs):
        kernel = self.kernel.value
        grouped = kernel.reshape(self.kernel_size + (1, kernel.shape[-2] * kernel.shape[-1]))
        x = nn.conv(inputs, grouped, self.strides, self.padding, self.data_format, self.dilation_rate)
        return self._finish(x)

    def compute_output_shape(self, input_shape):
        self.filters = input_shape[self._channel_axis()] * self.depth_multiplier
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        return {**config, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.kernel_initializer),
                "depthwise_regularizer": regularizers.serialize(self.kernel_regularizer),
                "depthwise_constraint": constraints.serialize(self.kernel_constraint)}


class DepthwiseConv1D(BaseDepthwiseConv):
    rank = 1


@arguments.keras_signature(strides=(1, 1), dilation_rate=(1, 1))
class DepthwiseConv2D(BaseDepthwiseConv):
    rank = 2


class BaseSeparableConv(BaseConv):
    """A depthwise convolution (each channel alone) followed by a 1x1 pointwise convolution that mixes
    channels: far fewer weights than a full convolution (Xception is built from these)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = arguments.positive_int(self, "depth_multiplier", depth_multiplier)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._add_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})

    def call(self, inputs):
        depthwise = self.depthwise_kernel.value
        grouped = depthwise.reshape(self.kernel_size + (1, depthwise.shape[-2] * depthwise.shape[-1]))
        x = nn.conv(inputs, grouped, self.strides, self.padding, self.data_format, self.dilation_rate)
        x = nn.conv(x, self.pointwise_kernel.value, 1, "valid", self.data_format)
        return self._finish(x)

    def get_config(self):
        config = super().get_config()
        for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        return {**config, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.kernel_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.kernel_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.kernel_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


class SeparableConv1D(BaseSeparableConv):
    rank = 1


@arguments.keras_signature(strides=(1, 1), dilation_rate=(1, 1))
class SeparableConv2D(BaseSeparableConv):
    rank = 2


def transpose_padding(length, kernel, stride, dilation, padding, output_padding):
    """For one axis of a transposed convolution: the (before, after) padding of the stride-dilated
    input and the output length (None stays None), matching Keras's output sizes.

    "valid" is the full correlation (span - 1 zeros on each side; `output_padding`, by default what
    makes the output `length * stride` long at least, goes on the right). "same" pads a total of
    `stride + span - 2` (or `span + span % 2 - 2 + output_padding`), the larger half first."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        before, after = span - 1, span - 1 + extra
    else:
        total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        before = min(total // 2 + total % 2, span - 1)
        after = total - before
    out = None if length is None else (length - 1) * stride + 1 + before + after - span + 1
    return (before, after), out


class BaseConvTranspose(BaseConv):
    """The gradient of a convolution run forwards: up-samples, `(h, w)` -> `(h * stride, w * stride)`
    with "same" padding. Kernel shape `(*kernel_size, filters, in_channels)`, as in Keras. Computed as
    a convolution of the input spread out by the strides (`lhs_dilation`) with the flipped kernel."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.output_padding = None if output_padding is None else arguments.int_tuple(
            self, "output_padding", output_padding, self.rank, minimum=0)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self._add_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})

    def _per_axis(self, spatial):
        output_padding = self.output_padding or (None,) * self.rank
        return [transpose_padding(n, k, s, d, self.padding, p) for n, k, s, d, p in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate, output_padding)]

    def _spatial(self, shape):
        return shape[2:] if self.data_format == "channels_first" else shape[1:-1]

    def call(self, inputs):
        dims = nn._dimension_numbers(inputs.ndim, self.data_format)
        kernel = jnp.swapaxes(jnp.flip(self.kernel.value, axis=tuple(range(self.rank))), -1, -2)
        pads = [pad for pad, _ in self._per_axis(self._spatial(inputs.shape))]
        x = jax.lax.conv_general_dilated(inputs, kernel, (1,) * self.rank, pads, lhs_dilation=self.strides,
                                         rhs_dilation=self.dilation_rate, dimension_numbers=dims)
        return self._finish(x)

    def compute_output_shape(self, input_shape):
        out = tuple(length for _, length in self._per_axis(self._spatial(input_shape)))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.pop("groups", None)
        return {**config, "output_padding": self.output_padding}


class Conv1DTranspose(BaseConvTranspose):
    rank = 1


@arguments.keras_signature(strides=(1, 1), dilation_rate=(1, 1))
class Conv2DTranspose(BaseConvTranspose):
    rank = 2


@arguments.keras_signature(strides=(1, 1, 1), dilation_rate=(1, 1, 1),  # Keras's order for 3D
                           order=["filters", "kernel_size", "strides", "padding", "data_format", "output_padding"])
class Conv3DTranspose(BaseConvTranspose):
    rank = 3


# Keras's longer names for the same classes
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
