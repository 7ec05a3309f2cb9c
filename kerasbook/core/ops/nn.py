"""Neural-network operations (`keras.ops.softmax`, `ops.binary_crossentropy`, `ops.conv`, ...).

Activations come from `jax.nn`; convolutions and pooling are `jax.lax` calls with Keras's argument
names (`strides`, `padding`, `data_format`, `dilation_rate`) and Keras's kernel layout
`(*kernel_size, in_channels, out_channels)`.
"""

import jax
import jax.numpy as jnp

from kerasbook.core.ops import _signatures

# Keras's signature of each activation that jax.nn computes (see _signatures.py).
_signatures.define(globals(), jax.nn, {1: """
    celu(x, alpha=1.0) elu(x, alpha=1.0) gelu(x, approximate=True) glu(x, axis=-1) hard_sigmoid(x)
    hard_silu(x) log_sigmoid(x) log_softmax(x, axis=-1) relu(x) relu6(x) selu(x) sigmoid(x) silu(x)
    softmax(x, axis=-1) softplus(x)"""})
swish, hard_swish = silu, hard_silu  # noqa: F821  (defined just above)
_EPSILON = 1e-7  # Keras's backend epsilon: keeps log() and divisions away from 0


# -- activations ----------------------------------------------------------------------------------

def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(x, negative_slope)


def softsign(x):
    return jax.nn.soft_sign(x)


def sparse_plus(x):
    """0 below -1, x above 1, and the parabola (x + 1)^2 / 4 joining them smoothly."""
    x = jnp.asarray(x)
    return jnp.where(x <= -1, 0.0, jnp.where(x >= 1, x, jnp.square(x + 1) / 4))


def sparse_sigmoid(x):
    x = jnp.asarray(x)
    return jnp.clip(0.5 * (x + 1), 0.0, 1.0)


def hard_tanh(x):
    return jnp.clip(x, -1.0, 1.0)


def soft_shrink(x, threshold=0.5):
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0))


def hard_shrink(x, threshold=0.5):
    x = jnp.asarray(x)
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


def tanh_shrink(x):
    return x - jnp.tanh(x)


def squareplus(x, b=4):
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


def threshold(x, threshold, default_value):
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x, default_value)


def sparsemax(x, axis=-1):
    """Like softmax, but large gaps give exact zeros: the closest point to `x` on the probability
    simplex. Values above a threshold `tau` are kept (shifted by `tau`), the others become 0."""
    x = jnp.moveaxis(jnp.asarray(x), axis, -1)
    descending = jnp.flip(jnp.sort(x, axis=-1), axis=-1)
    k = jnp.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    cumulative = jnp.cumsum(descending, axis=-1)
    count = jnp.sum(1 + k * descending > cumulative, axis=-1, keepdims=True)
    tau = (jnp.take_along_axis(cumulative, count - 1, axis=-1) - 1) / count
    return jnp.moveaxis(jnp.maximum(x - tau, 0.0), -1, axis)


# -- labels and losses ----------------------------------------------------------------------------

def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels `(...)` -> `(..., num_classes)` rows of 0s with a 1 at the label."""
    return jax.nn.one_hot(jnp.asarray(x), num_classes, axis=axis, dtype=dtype or "float32")


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Several labels per sample `(batch, n)` -> `(batch, num_classes)` with a 1 at each label."""
    inputs = jnp.asarray(inputs)
    reduce_axis = 1 if inputs.ndim > 1 else 0
    return jnp.max(one_hot(inputs.astype("int32"), num_classes, axis=axis, dtype=dtype), axis=reduce_axis)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise `-(t log p + (1 - t) log(1 - p))`; with logits, a form that never overflows."""
    target, output = jnp.asarray(target), jnp.asarray(output)
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(target * log(probabilities))` over `axis`; probabilities are rescaled to sum to 1."""
    target, output = jnp.asarray(target), jnp.asarray(output)
    if target.shape != output.shape:
        raise ValueError("categorical_crossentropy: `target` and `output` must have the same shape, "
                         f"received target.shape={target.shape}, output.shape={output.shape}.")
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    return -jnp.sum(target * jnp.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """As `categorical_crossentropy`, with integer class labels `(...)` (or `(..., 1)`) as targets."""
    target = jnp.asarray(target).astype("int32")
    output = jnp.asarray(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    return categorical_crossentropy(jax.nn.one_hot(target, output.shape[axis], axis=axis), output,
                                    from_logits=from_logits, axis=axis)


# -- normalization --------------------------------------------------------------------------------

def moments(x, axes, keepdims=False, synchronized=False):
    """`(mean, variance)` of `x` over `axes`."""
    x = jnp.asarray(x)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`; the statistics are vectors along
    `axis` (the channels)."""
    x = jnp.asarray(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    return out if offset is None else out + jnp.reshape(offset, shape)


def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis` (a norm below `epsilon` counts as `epsilon`)."""
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, _EPSILON if epsilon is None else epsilon)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x` divided by its root mean square along `axis`, times `scale`."""
    x = jnp.asarray(x)
    epsilon = _EPSILON if epsilon is None else epsilon
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axis, keepdims=True) + epsilon)
    return out if scale is None else out * scale


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Each sample standardized along `axis` (zero mean, unit variance), then `* gamma + beta`."""
    x = jnp.asarray(x)
    mean, variance = moments(x, axes=axis, keepdims=True)
    out = (x - mean) * jax.lax.rsqrt(variance + (_EPSILON if epsilon is None else epsilon))
    out = out if gamma is None else out * gamma
    return out if beta is None else out + beta


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, in decibels."""
    mse = jnp.mean(jnp.square(jnp.asarray(x1) - jnp.asarray(x2)))
    return 20.0 * jnp.log10(max_val) - 10.0 * jnp.log10(mse)


# Why `flash_attention=True` is refused (by this op, MultiHeadAttention and GroupQueryAttention), not
# ignored: Keras runs a flash kernel or raises (on a CPU: "cuDNN is not detected").
NO_FLASH_ATTENTION = ("flash_attention=True asks for a flash attention kernel (cuDNN on a GPU, or a TPU), "
                      "and kerasbook has none: it always computes attention with XLA's plain dot-product "
                      "attention, which gives the same results. Pass flash_attention=None or False.")


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """`softmax(q k^T * scale) v` over `(batch, length, heads, head_dim)` tensors."""
    if flash_attention:
        raise RuntimeError(f"ops.dot_product_attention: {NO_FLASH_ATTENTION}")
    return jax.nn.dot_product_attention(jnp.asarray(query), jnp.asarray(key), jnp.asarray(value),
                                        bias=bias, mask=mask, scale=scale, is_causal=is_causal)


# -- convolution and pooling ----------------------------------------------------------------------

def _dimension_numbers(rank, data_format):
    """`jax.lax`'s layout strings: inputs `NHWC` (or `NCHW`), kernels `HWIO` (Keras's layout)."""
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank - 2]
    if data_format == "channels_first":
        return (f"NC{spatial}", f"{spatial}IO", f"NC{spatial}")
    return (f"N{spatial}C", f"{spatial}IO", f"N{spatial}C")


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution with a Keras-layout kernel `(*spatial, in_channels / groups, out_channels)`."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    n = inputs.ndim - 2
    data_format = data_format or "channels_last"
    channels = inputs.shape[1] if data_format == "channels_first" else inputs.shape[-1]
    return jax.lax.conv_general_dilated(
        inputs, kernel, _tuple(strides, n), padding.upper(), rhs_dilation=_tuple(dilation_rate, n),
        dimension_numbers=_dimension_numbers(inputs.ndim, data_format),
        feature_group_count=channels // kernel.shape[-2])


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved on its own: kernel `(*spatial, in_channels, depth_multiplier)`,
    output `in_channels * depth_multiplier` channels."""
    kernel = jnp.asarray(kernel)
    grouped = jnp.reshape(kernel, kernel.shape[:-2] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution, then a 1x1 convolution mixing the channels."""
    x = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(x, pointwise_kernel, 1, "valid", data_format)


def _transpose_padding(kernel, stride, dilation, padding, output_padding):
    """Padding (before, after) of the stride-dilated input for one axis, giving Keras's output size."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, span - 1)
    return before, total - before


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """The gradient of `conv`, used to up-sample: kernel `(*spatial, out_channels, in_channels)`;
    with "same" padding each spatial size is multiplied by its stride."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    n = inputs.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    extras = (None,) * n if output_padding is None else _tuple(output_padding, n)
    pads = [_transpose_padding(k, s, d, padding.lower(), e)
            for k, s, d, e in zip(kernel.shape[:n], strides, dilation, extras)]
    flipped = jnp.swapaxes(jnp.flip(kernel, axis=tuple(range(n))), -1, -2)
    return jax.lax.conv_general_dilated(
        inputs, flipped, (1,) * n, pads, lhs_dilation=strides, rhs_dilation=dilation,
        dimension_numbers=_dimension_numbers(inputs.ndim, data_format or "channels_last"))


def _pool(inputs, pool_size, strides, padding, data_format, init, op):
    n = inputs.ndim - 2
    pool_size = _tuple(pool_size, n)
    strides = _tuple(strides if strides is not None else pool_size, n)
    if (data_format or "channels_last") == "channels_first":
        window, step = (1, 1) + pool_size, (1, 1) + strides
    else:
        window, step = (1,) + pool_size + (1,), (1,) + strides + (1,)
    return jax.lax.reduce_window(inputs, init, op, window, step, padding.upper()), window, step


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The largest value of each window; `strides` default to `pool_size` (windows do not overlap)."""
    inputs = jnp.asarray(inputs)
    return _pool(inputs, pool_size, strides, padding, data_format, -jnp.inf, jax.lax.max)[0]


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average over each window; with "same" padding the padded positions are not counted (as Keras)."""
    inputs = jnp.asarray(inputs)
    summed, window, step = _pool(inputs, pool_size, strides, padding, data_format, 0.0, jax.lax.add)
    if padding.lower() == "valid":
        return summed / jnp.prod(jnp.array(window))
    counts = jax.lax.reduce_window(jnp.ones_like(inputs), 0.0, jax.lax.add, window, step, "SAME")
    return summed / counts


def _adaptive(inputs, output_size, data_format, reduce):
    """Each spatial axis cut into `output_size` bins, bin i spanning [floor(i n / out), ceil((i+1) n / out))
    (neighbouring bins may overlap by one), each bin reduced by `reduce`; one axis after the other."""
    inputs = jnp.asarray(inputs)
    spatial = inputs.ndim - 2
    sizes = _tuple(output_size, spatial)
    first_axis = 2 if (data_format or "channels_last") == "channels_first" else 1
    for axis, out in zip(range(first_axis, first_axis + spatial), sizes):
        n = inputs.shape[axis]
        bins = [jax.lax.slice_in_dim(inputs, (i * n) // out, -((-(i + 1) * n) // out), axis=axis) for i in range(out)]
        inputs = jnp.stack([reduce(b, axis=axis) for b in bins], axis=axis)
    return inputs


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a given output size (`output_size` bins along each spatial axis)."""
    return _adaptive(inputs, output_size, data_format, jnp.mean)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a given output size (`output_size` bins along each spatial axis)."""
    return _adaptive(inputs, output_size, data_format, jnp.max)


# -- rearranging pixels and blocks ---------------------------------------------------------------------

def depth_to_space(x, block_size, data_format="channels_last"):
    """Channels become pixels: `(n, h, w, c)` -> `(n, h*b, w*b, c / b**2)`, each pixel's channels
    spread over a `b x b` block (a "pixel shuffle", to up-sample)."""
    x, b = jnp.asarray(x), block_size
    if data_format == "channels_first":
        n, c, h, w = x.shape
        x = x.reshape(n, c // b**2, b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
        return x.reshape(n, c // b**2, h * b, w * b)
    n, h, w, c = x.shape
    x = x.reshape(n, h, w, b, b, c // b**2).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * b, w * b, c // b**2)


def space_to_depth(x, block_size, data_format="channels_last"):
    """The inverse of `depth_to_space`: each `b x b` block of pixels becomes one pixel with `b**2`
    times the channels."""
    x, b = jnp.asarray(x), block_size
    if data_format == "channels_first":
        n, c, h, w = x.shape
        x = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
        return x.reshape(n, c * b**2, h // b, w // b)
    n, h, w, c = x.shape
    x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // b, w // b, c * b**2)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an `(n, c, h, w)` image as columns: `(n, c * kh * kw, blocks)` (PyTorch's
    `unfold`, "im2col": a convolution is then one matrix product)."""
    x = jnp.asarray(x)
    (ph, pw) = _tuple(padding, 2)
    x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = jax.lax.conv_general_dilated_patches(
        x, _tuple(kernel_size, 2), _tuple(stride, 2), "VALID", rhs_dilation=_tuple(dilation, 2),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return patches.reshape(patches.shape[0], patches.shape[1], -1)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of `unfold`: the blocks `(n, c * kh * kw, blocks)` added back into an
    `(n, c) + output_size` image, overlapping values summed."""
    x = jnp.asarray(x)
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        _tuple(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    rows, cols = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    n, c = x.shape[0], x.shape[1] // (kh * kw)
    blocks = x.reshape(n, c, kh, kw, rows, cols)
    out = jnp.zeros((n, c, oh + 2 * ph, ow + 2 * pw), x.dtype)
    for i in range(kh):
        for j in range(kw):  # kernel position (i, j) of every block lands on a strided grid of the image
            out = out.at[:, :, i * dh:i * dh + sh * (rows - 1) + 1:sh,
                         j * dw:j * dw + sw * (cols - 1) + 1:sw].add(blocks[:, :, i, j])
    return out[:, :, ph:ph + oh, pw:pw + ow]


def polar(abs_, angle):
    """The complex numbers `abs_ * (cos(angle) + i sin(angle))`."""
    abs_, angle = jnp.asarray(abs_), jnp.asarray(angle)
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


# -- sequences of labels (CTC) -------------------------------------------------------------------------

def _paddings(lengths, size, dtype):
    """1.0 past each sequence's length, 0.0 within it: `(batch, size)`."""
    return (jnp.arange(size)[None, :] >= jnp.asarray(lengths)[:, None]).astype(dtype)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sequence: `-log P(target | output)`, summed over
    every alignment of the label sequence `target` `(batch, labels)` with the logits `output`
    `(batch, time, classes)`; class `mask_index` is the blank between labels."""
    import optax  # loaded here, not with kerasbook.ops: only CTC models need it
    target, output = jnp.asarray(target, "int32"), jnp.asarray(output)
    output = output.astype(jnp.result_type(output.dtype, "float32"))
    return optax.ctc_loss(output, _paddings(output_length, output.shape[1], output.dtype), target,
                          _paddings(target_length, target.shape[1], output.dtype), blank_id=mask_index)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """The most likely label sequences of `inputs` `(batch, time, classes)`, greedily: the best class at
    each step, repeats merged, blanks (`mask_index`) dropped. Returns `(decoded, scores)`: decoded
    `(1, batch, time)` padded with -1, and minus the summed best scores `(batch, 1)`."""
    if strategy == "beam_search":
        raise NotImplementedError("ops.ctc_decode: kerasbook decodes with strategy='greedy' only; "
                                  "beam search is not implemented.")
    if strategy != "greedy":
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")
    inputs = jnp.asarray(inputs)
    inputs = inputs.astype(jnp.result_type(inputs.dtype, "float32"))
    time = inputs.shape[1]
    past_end = jnp.arange(time)[None, :] >= jnp.asarray(sequence_lengths)[:, None]
    labels = jnp.where(past_end, mask_index, jnp.argmax(inputs, axis=-1))
    scores = jnp.where(past_end, 0.0, jnp.max(inputs, axis=-1))
    if merge_repeated:
        repeated = jnp.pad(labels[:, 1:] == labels[:, :-1], ((0, 0), (1, 0)))
        labels = jnp.where(repeated, mask_index, labels)
    blank = labels == mask_index
    kept_first = jnp.argsort(jnp.where(blank, time, jnp.arange(time)), axis=-1)  # stable: labels keep their order
    decoded = jnp.take_along_axis(jnp.where(blank, -1, labels), kept_first, axis=-1)
    return decoded[None], -jnp.sum(scores, axis=1)[:, None]
