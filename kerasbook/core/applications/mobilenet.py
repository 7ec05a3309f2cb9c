"""`keras.applications.mobilenet` (Howard et al., 2017): MobileNet v1, convolutions split in two.

A 3x3 convolution from c to d channels costs 9 c d multiplications per pixel. MobileNet splits it into
a depthwise 3x3 convolution (each channel filtered on its own: 9 c) and a pointwise 1x1 convolution
that mixes the channels (c d): 8 to 9 times cheaper for nearly the same accuracy. Thirteen such pairs,
each with batch normalization and ReLU6, follow one ordinary convolution. `alpha` scales every width,
`depth_multiplier` the depthwise outputs. The classifier is a 1x1 convolution on the pooled features.
Layer names as in Keras, so Keras's weight files fit.
"""

import warnings

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

BASE_WEIGHT_PATH = imagenet_utils.WEIGHTS_ROOT + "mobilenet/"
WEIGHT_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}  # width: its spelling in file names
WEIGHT_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise separable blocks, block_id 1 to 13.
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
          (512, 1), (1024, 2), (1024, 1))
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded. "
                 "Received weights={weights}")


def weight_file(alpha, rows, include_top):
    """(file name in the Keras cache, URL, hash) of Keras's weights for this width and image size.
    Keras publishes no hashes for these files, so the cached file is used as it is."""
    fname = f"mobilenet_{WEIGHT_ALPHAS[alpha]}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return fname, BASE_WEIGHT_PATH + fname, None


def _bn_relu6(x, name):
    x = layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x)


def depthwise_separable_block(x, filters, alpha, depth_multiplier=1, stride=1, block_id=1):
    """Depthwise 3x3 (`stride`), then pointwise 1x1 to `int(filters * alpha)` channels, each with batch
    normalization and ReLU6. A stride-2 block pads one row and column at the bottom and right."""
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride), use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = _bn_relu6(x, f"conv_dw_{block_id}")
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    return _bn_relu6(x, f"conv_pw_{block_id}")


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNet on (224, 224, 3) images (128, 160, 192 or 224 with the top and ImageNet weights; any
    size from 32 without), `alpha` times as wide (4,253,864 parameters at 1.0). Its name says both:
    "mobilenet_1.00_224". Inputs: `mobilenet.preprocess_input` of RGB pixels in [0, 255]."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR)
    default_size = 224
    if input_shape is not None and input_shape[0] == input_shape[1] and input_shape[0] in WEIGHT_SIZES:
        default_size = input_shape[0]
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  "
                             f"Received depth_multiplier={depth_multiplier}")
        if alpha not in WEIGHT_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, `0.75` "
                             f"or `1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in WEIGHT_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    imagenet_file = weight_file(alpha, rows, include_top) if weights == "imagenet" else None
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2), name="conv1")(image)
    x = _bn_relu6(x, "conv1")
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = depthwise_separable_block(x, filters, alpha, depth_multiplier, stride=stride, block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)  # (batch, 1, 1, channels)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name or f"mobilenet_{alpha:0.2f}_{rows}", weights_path)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as MobileNet was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
