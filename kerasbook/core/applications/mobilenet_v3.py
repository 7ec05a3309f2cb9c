"""`keras.applications.mobilenet_v3` (Howard et al., 2019): MobileNetV2's blocks, tuned by a search.

The blocks are MobileNetV2's inverted residuals (expand with a 1x1 convolution, filter each channel
with a 3x3 or 5x5 depthwise convolution, project back with a 1x1 one, add the input where the shapes
allow), found by an automatic architecture search, with two additions:
- squeeze-and-excitation: the block pools its channels to one number each, computes a weight in
  [0, 1] for each from those numbers (two 1x1 convolutions) and multiplies each channel by it;
- hard-swish, x * relu6(x + 3) / 6: a cheap stand-in for swish (x * sigmoid(x)) on phones.
"Minimalistic" models drop both and use 3x3 kernels only. The model rescales its own inputs (pixels in
[0, 255]) unless `include_preprocessing=False`. Layer names as in Keras, so Keras's weight files fit.
"""

import warnings

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.engine.tensor import KerasTensor

BASE_WEIGHT_PATH = imagenet_utils.WEIGHTS_ROOT + "mobilenet_v3/"
WEIGHTS_HASHES = {  # weights name: (md5 of the file with the top, md5 without), as Keras has them
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}
# The blocks, block_id 0 up: (expansion, filters, kernel, stride, squeeze-and-excite, activation).
# kernel "k" is 5 (3 when minimalistic); "se" blocks squeeze and excite unless minimalistic; activation
# "hs" is hard-swish (ReLU when minimalistic).
SMALL_BLOCKS = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"), (88 / 24, 24, 3, 1, False, "relu"),
                (4, 40, "k", 2, True, "hs"), (6, 40, "k", 1, True, "hs"), (6, 40, "k", 1, True, "hs"),
                (3, 48, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"), (6, 96, "k", 2, True, "hs"),
                (6, 96, "k", 1, True, "hs"), (6, 96, "k", 1, True, "hs"))
LARGE_BLOCKS = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
                (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
                (6, 80, 3, 2, False, "hs"), (2.5, 80, 3, 1, False, "hs"), (2.3, 80, 3, 1, False, "hs"),
                (2.3, 80, 3, 1, False, "hs"), (6, 112, 3, 1, True, "hs"), (6, 112, 3, 1, True, "hs"),
                (6, 160, "k", 2, True, "hs"), (6, 160, "k", 1, True, "hs"), (6, 160, "k", 1, True, "hs"))
SE_RATIO = 0.25
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                 "Received weights={weights}")
CLASSES_ERROR = ('If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000.  '
                 "Received classes={classes}")


def weight_file(model_type, minimalistic, alpha, include_top):
    """(file name in the Keras cache, URL, md5 hash) of Keras's ImageNet weights."""
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    fname = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
    return fname, BASE_WEIGHT_PATH + fname, WEIGHTS_HASHES[model_name][0 if include_top else 1]


def make_divisible(value, divisor=8):
    """`value` rounded to the nearest multiple of 8 (at least 8), never more than 10% below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, a straight line between."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def squeeze_excite(inputs, filters, prefix):
    """Each of the `filters` channels multiplied by a weight in [0, 1] computed from all channels'
    averages (a 1x1 convolution to a quarter as many channels, ReLU, one back, hard sigmoid)."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(make_divisible(filters * SE_RATIO), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def inverted_res_block(x, expansion, filters, kernel_size, stride, se, activation, block_id):
    """Expand (1x1, unless block 0), depthwise `kernel_size` (`stride`), squeeze-and-excite (`se`),
    project (1x1 to `filters`, no activation); plus the input when it has the output's shape."""
    shortcut, in_channels = x, x.shape[-1]
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(make_divisible(in_channels * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = activation(_bn(x, f"{prefix}expand_bn"))
    if stride == 2:  # pad explicitly so that the halving is the same for odd and even sizes
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = activation(_bn(x, f"{prefix}depthwise_bn"))
    if se:
        x = squeeze_excite(x, make_divisible(in_channels * expansion), prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_bn")
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    """The image shape to build with (Keras's rules): `input_shape`, else the input tensor's (its
    width and height swapped, as Keras has it, then 3 channels), else (None, None, 3)."""
    if input_shape is not None and input_tensor is not None:
        if not isinstance(input_tensor, KerasTensor):
            raise ValueError("input_tensor specified: ", input_tensor, "is not a keras tensor")
        if input_tensor.shape[2] != input_shape[1]:
            raise ValueError(f"input_shape[1] must equal input_tensor.shape[2].  Received input_shape={input_shape}, "
                             f"input_tensor.shape={input_tensor.shape}")
    if input_shape is None and isinstance(input_tensor, KerasTensor):
        input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)
    return (None, None, 3) if input_shape is None else input_shape


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True, name=None):
    """A MobileNetV3 of `blocks` (SMALL_BLOCKS or LARGE_BLOCKS) between a 3x3 stem and a 1x1
    convolution to 6 times the last block's channels; the classifier widens to `last_point_ch`."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                          "shape (224, 224) will be loaded as the default.", stacklevel=2)
    imagenet_file = weight_file(model_type, minimalistic, alpha, include_top) if weights == "imagenet" else None
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = imagenet_utils.model_input(input_tensor, input_shape)
    kernel, activation, se_on = (3, relu, False) if minimalistic else (5, hard_swish, True)
    x = image
    if include_preprocessing:  # pixels in [0, 255] to [-1, 1]
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = activation(_bn(x, "conv_bn"))
    for block_id, (expansion, filters, size, stride, se, act) in enumerate(blocks):
        x = inverted_res_block(x, expansion, make_divisible(filters * alpha), kernel if size == "k" else size,
                               stride, se and se_on, activation if act == "hs" else relu, block_id)
    last_conv_ch = make_divisible(x.shape[-1] * 6)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = activation(_bn(x, "conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling, named=True)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small: 11 blocks, 2,554,968 parameters at alpha 1.0. Inputs: RGB pixels in [0, 255]
    (the model rescales them; `mobilenet_v3.preprocess_input` returns its input)."""
    return MobileNetV3(SMALL_BLOCKS, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large: 15 blocks, 5,507,432 parameters at alpha 1.0. Inputs: RGB pixels in [0, 255]."""
    return MobileNetV3(LARGE_BLOCKS, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def preprocess_input(x, data_format=None):
    """The input itself: MobileNetV3 rescales its pixels inside the model (as in Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
