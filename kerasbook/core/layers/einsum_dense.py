"""`EinsumDense`: a Dense layer written as an einsum equation, so the kernel can have any number of
axes. `EinsumDense("ab,bc->ac", output_shape=64)` is `Dense(64)`; `"abc,cde->abde"` projects each time
step's features onto (heads, head_dim) at once, as attention layers do.

The equation's three parts are the input's axes, the kernel's axes and the output's axes, one letter
each. The kernel's shape is read off the equation: a kernel letter found in the output takes the
output's size there (`output_shape` gives the output without its batch axis), otherwise the input's.
A `...` at the start of the input and output stands for axes passed through unchanged (`"...b,bc->...c"`
works on inputs of any rank); a `...` at their end, for trailing axes passed through."""

import re

import jax.numpy as jnp

from kerasbook.core import activations, initializers
from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments, weight_options

# The three forms of equation Keras accepts, with "..." written as "0".
_PLAIN = re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")
_LEFT_ELIDED = re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$")
_RIGHT_ELIDED = re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$")


def analyze_equation(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape, kernel input axes, kernel output axes)
    for `equation` applied to inputs of `input_shape` (batch first), as Keras 3 computes them."""
    written = equation.replace("...", "0")
    for pattern, left in ((_PLAIN, False), (_LEFT_ELIDED, True), (_RIGHT_ELIDED, False)):
        match = pattern.match(written)
        if match:
            return _analyze(*match.groups(), bias_axes, list(input_shape), output_shape, left)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _full_output_shape(input_shape, output_shape, elided, left):
    """`output_shape` with the batch axis and the axes `...` stands for put back."""
    full = [input_shape[0]] + list(output_shape)
    if elided > 0 and left:
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full += input_shape[len(input_shape) - elided:]
    return full


def _analyze(input_spec, kernel_spec, output_spec, bias_axes, input_shape, output_shape, left):
    elided = len(input_shape) - len(input_spec)
    full = _full_output_shape(input_shape, output_shape, elided, left)
    shift = elided if left else 0
    input_at = {dim: i + shift - (len(input_shape) if left else 0) for i, dim in enumerate(input_spec)}
    output_at = {dim: i + shift for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        if dim in output_at and full[output_at[dim]] is not None \
                and full[output_at[dim]] != input_shape[input_at[dim]]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{dim}'. "
                             f"Input shape is {input_shape[input_at[dim]]}, and output shape is "
                             f"{full[output_at[dim]]}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in kernel_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec "
                             f"'{kernel_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(kernel_spec):
        if dim in output_at:
            kernel_shape.append(full[output_at[dim]])
            output_axes.append(i)
        elif dim in input_at:
            kernel_shape.append(input_shape[input_at[dim]])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                             "weight must be fully specified.")
    bias_shape = None if bias_axes is None else _bias_shape(bias_axes, output_spec, full, shift,
                                                            0 if left else elided)
    return kernel_shape, bias_shape, full, input_axes, output_axes


def _bias_shape(bias_axes, output_spec, full, shift, trailing):
    """The bias covers the output from its first bias axis on, size 1 where it is constant."""
    for char in bias_axes:
        if char not in output_spec:
            raise ValueError(f"Bias dimension '{char}' was requested, but is not part of the output spec "
                             f"'{output_spec}'")
    first = min(output_spec.find(char) for char in bias_axes)
    sizes = {char: full[i + shift] for i, char in enumerate(output_spec)}
    return [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]] + [1] * trailing


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    Inputs: any shape the equation's input part describes (batch first). Outputs: `(batch,) +
    output_shape` with the axes `...` stands for put back. `bias_axes` names the output letters the
    bias varies along (None: no bias)."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        arguments.only_default(self, lora_rank=(lora_rank, None), lora_alpha=(lora_alpha, None),
                               gptq_unpacked_column_size=(gptq_unpacked_column_size, None),
                               quantization_config=(quantization_config, None))
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        weight_options.keep(self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)

    def _kernel_initializer(self, input_axes, output_axes):
        """A variance-scaling initializer counts the kernel's fans over the axes the equation says are
        inputs and outputs (a `(features, heads, head_dim)` kernel has fan_out heads * head_dim)."""
        init = self.kernel_initializer
        if not isinstance(init, initializers.VarianceScaling) or (
                init.input_axes is not None and init.output_axes is not None):
            return init
        config = {**init.get_config(), "seed": init.seed, "input_axes": input_axes, "output_axes": output_axes}
        return type(init).from_config(config)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(shape=tuple(kernel_shape), name="kernel",
                                      initializer=self._kernel_initializer(input_axes, output_axes),
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            shape=tuple(bias_shape), initializer=self.bias_initializer, regularizer=self.bias_regularizer,
            constraint=self.bias_constraint, name="bias")

    def call(self, inputs):
        x = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(analyze_equation(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape, "equation": self.equation,
                "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
                **weight_options.config(self, activity=True), "quantization_config": None}
