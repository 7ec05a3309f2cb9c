"""`keras.applications.mobilenet_v2` (Sandler et al., 2018): a small network for phones.

Its "inverted residual" block widens the channels 6x with a 1x1 convolution, filters each channel on
its own with a 3x3 depthwise convolution (cheap: no mixing across channels), then projects back to few
channels with a 1x1 convolution and no activation (a "linear bottleneck"); where the shapes allow, the
input is added back. ReLU6 (ReLU capped at 6) keeps activations small for low-precision hardware.
`alpha` scales every layer's width. Layer names as in Keras, so Keras's weight files fit.
"""

import warnings

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.engine.tensor import KerasTensor

BASE_WEIGHT_PATH = imagenet_utils.WEIGHTS_ROOT + "mobilenet_v2/"
WEIGHT_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)  # the widths Keras has ImageNet weights for
WEIGHT_SIZES = (96, 128, 160, 192, 224)  # ... each trained at these square image sizes
# (filters, expansion, stride) of the 17 inverted residual blocks, block_id 0 to 16.
BLOCKS = ((16, 1, 1), (24, 6, 2), (24, 6, 1), (32, 6, 2), (32, 6, 1), (32, 6, 1), (64, 6, 2), (64, 6, 1),
          (64, 6, 1), (64, 6, 1), (96, 6, 1), (96, 6, 1), (96, 6, 1), (160, 6, 2), (160, 6, 1), (160, 6, 1),
          (320, 6, 1))
# Keras words this model's argument errors differently from VGG's.
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                 "Received `weights={weights}`")
CLASSES_ERROR = ('If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000. '
                 "Received `classes={classes}`")


def weight_file(alpha, rows, include_top):
    """(file name in the Keras cache, URL, hash) of Keras's weights for this width and image size.
    Keras publishes no hashes for these files, so the cached file is used as it is."""
    fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{'' if include_top else '_no_top'}.h5"
    return fname, BASE_WEIGHT_PATH + fname, None


def make_divisible(value, divisor=8):
    """`value` rounded to the nearest multiple of `divisor` (at least `divisor`), but never more than
    10% below `value`: channel counts that suit the hardware."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1, `expansion` times the input channels), depthwise 3x3 (`stride`), project (1x1, to
    `filters * alpha` channels, no activation); plus the input when it has the output's shape.
    Block 0 does not expand and its layers are named `expanded_conv_*` (Keras's names)."""
    in_channels = inputs.shape[-1]
    out_channels = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, activation=None,
                          name=f"{prefix}expand")(x)
        x = _bn(x, f"{prefix}expand_BN")
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:  # pad explicitly so that the halving is the same for odd and even sizes
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise")(x)
    x = _bn(x, f"{prefix}depthwise_BN")
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(out_channels, 1, padding="same", use_bias=False, activation=None,
                      name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == out_channels and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _check_input_tensor(input_tensor, input_shape):
    """Given both, `input_tensor` must be symbolic and as wide as `input_shape` (Keras's check)."""
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError(f"input_tensor is not a Keras tensor; Received `input_tensor={input_tensor}`")
    if input_tensor.shape[2] != input_shape[1]:
        raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                         f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`")


def weights_size(input_shape, input_tensor):
    """The image size whose weights fit (Keras's rule): a square size Keras has weights for, taken from
    `input_shape` or else from `input_tensor`; 224 otherwise."""
    if input_shape is not None:
        rows, cols = input_shape[0], input_shape[1]
    elif isinstance(input_tensor, KerasTensor):
        rows, cols = input_tensor.shape[1], input_tensor.shape[2]
    else:
        return 224
    return rows if rows == cols and rows in WEIGHT_SIZES else 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2 on (224, 224, 3) images (96 to 224 with the top and ImageNet weights; any size from
    32 without), `alpha` times as wide (3,538,984 parameters at 1.0). Its name says both:
    "mobilenetv2_1.00_224". Inputs: `mobilenet_v2.preprocess_input` of RGB pixels in [0, 255]."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    if input_shape is not None and input_tensor is not None:
        _check_input_tensor(input_tensor, input_shape)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=weights_size(input_shape, input_tensor),
                                                    min_size=32, require_flatten=include_top, weights=weights)
    rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if alpha not in WEIGHT_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                             f"`0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
        if rows != cols or rows not in WEIGHT_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, "
                          "224]. Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    weights_path = imagenet_utils.obtain_weights(weights, weight_file(alpha, rows, include_top))
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), 3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(image)
    x = _bn(x, "bn_Conv1")
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, expansion, stride) in enumerate(BLOCKS):
        x = inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                               block_id=block_id)
    # The last 1x1 convolution widens with alpha above 1 but never narrows (as in the paper).
    x = layers.Conv2D(make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280, 1, use_bias=False,
                      name="Conv_1")(x)
    x = _bn(x, "Conv_1_bn")
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation, pool_name=None)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name or f"mobilenetv2_{alpha:0.2f}_{rows}", weights_path)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as MobileNetV2 was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
