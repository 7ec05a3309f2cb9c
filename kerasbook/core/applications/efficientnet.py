"""`keras.applications.efficientnet` (Tan & Le, 2019): one small network (B0), scaled up in width,
depth and image size together (B1 to B7).

Its "MBConv" block is MobileNetV2's inverted residual (1x1 expansion, depthwise convolution, 1x1
projection) with squeeze-and-excitation: the block averages each channel over the image and learns,
from those averages, a weight in (0, 1) per channel that scales it. Swish activations; in training,
whole residual branches are dropped at random ("drop connect"), more often in later blocks.

The model takes pixels in [0, 255]: its first layers (Rescaling, Normalization) prepare them, so
`efficientnet.preprocess_input` returns its input unchanged. Layer names as in Keras, so Keras's
weight files fit.
"""

import math

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {  # md5 of the file (with the top, without), as Keras has them
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# B0's seven stages: (kernel size, repeats, filters in, filters out, expansion, stride). Every block has
# squeeze-and-excitation at a quarter of its input channels and a skip connection where shapes allow.
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=k, repeats=r, filters_in=i, filters_out=o, expand_ratio=e, id_skip=True, strides=s,
         se_ratio=0.25)
    for k, r, i, o, e, s in [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                             (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                             (3, 1, 192, 320, 6, 1)]]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]
# Keras words this model's argument errors differently from VGG's.
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.")
CLASSES_ERROR = 'If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000'


def round_filters(filters, width_coefficient, divisor=8):
    """`filters * width_coefficient`, rounded to a multiple of `divisor`, never 10% below it."""
    filters *= width_coefficient
    rounded = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * filters else rounded)


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, name, **kwargs):
    return layers.Conv2D(filters, kernel_size, padding=kwargs.pop("padding", "same"), use_bias=False,
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16, kernel_size=3,
          strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """One MBConv block: expand (1x1), depthwise (`kernel_size`, `strides`), squeeze-and-excite,
    project (1x1, no activation); the input added back when shapes allow, the branch dropped at rate
    `drop_rate` for whole images in training."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, 1, f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=3, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    padding = "same"
    if strides == 2:  # pad explicitly so that the halving is the same for odd and even sizes
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = _conv(filters_out, 1, f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:  # one draw per image: the whole branch is kept or dropped
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def squeeze_excite(x, filters, filters_se, activation, name):
    """Each channel's mean over the image -> a small two-layer network -> one sigmoid weight per channel
    (shape (batch, 1, 1, filters)) that scales that channel of `x`."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", name="efficientnet",
                 include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet whose B0 stages are `width_coefficient` times as wide and `depth_coefficient`
    times as deep, on (`default_size`, `default_size`, 3) images. `weights_name` ("b0", ...) picks
    the hash of Keras's ImageNet file; the file itself is named after the model (`name`)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    fname = name + (".h5" if include_top else "_notop.h5")  # Keras names the file after the model
    imagenet_file = ((fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[weights_name][0 if include_top else 1])
                     if weights == "imagenet" else None)
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = stem(image, round_filters(32, width_coefficient, depth_divisor), activation, weights)
    total = float(sum(round_repeats(args["repeats"], depth_coefficient) for args in blocks_args))
    b = 0  # blocks built so far: the drop rate grows linearly from 0 to drop_connect_rate
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNet` must be > 0. Received: "
                             f"repeats={args['repeats']}")
        args = dict(args, filters_in=round_filters(args["filters_in"], width_coefficient, depth_divisor),
                    filters_out=round_filters(args["filters_out"], width_coefficient, depth_divisor))
        for j in range(round_repeats(args.pop("repeats"), depth_coefficient)):
            if j > 0:  # only a stage's first block changes the size and the channels
                args.update(strides=1, filters_in=args["filters_out"])
            x = block(x, activation, drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1
    x = _conv(round_filters(1280, width_coefficient, depth_divisor), 1, "top_conv")(x)
    x = layers.BatchNormalization(axis=3, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation, dropout_rate=dropout_rate,
                                      kernel_initializer=DENSE_KERNEL_INITIALIZER)
    else:
        x = imagenet_utils.pooled(x, pooling, named=True)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def stem(image, filters, activation, weights):
    """Pixels in [0, 255] to ImageNet's scale (Rescaling to [0, 1], then Normalization, whose mean and
    variance come with the weights), then a 3x3 convolution that halves the image."""
    x = layers.Rescaling(1.0 / 255.0)(image)
    x = layers.Normalization(axis=3)(x)
    if weights == "imagenet":
        # Keras's weight files hold each channel's standard deviation where Normalization expects the
        # variance, so Normalization divides by sqrt(std); dividing again by sqrt(std) makes it x / std.
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = _conv(filters, 3, "stem_conv", strides=2, padding="valid")(x)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    return layers.Activation(activation, name="stem_activation")(x)


def _scaled(width, depth, size, dropout, weights_name):
    """EfficientNetB0 ... B7: B0 scaled by `width` and `depth`, at `size`, with its Keras weight files."""
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=f"efficientnet{weights_name}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=weights_name)
    build.__name__ = build.__qualname__ = f"EfficientNet{weights_name.upper()}"
    build.__doc__ = (f"{build.__name__} on ({size}, {size}, 3) images of pixels in [0, 255] (any size from 32 "
                     f"without the top), optionally with ImageNet weights: B0 {width}x as wide, {depth}x as deep.")
    return build


EfficientNetB0 = _scaled(1.0, 1.0, 224, 0.2, "b0")
EfficientNetB1 = _scaled(1.0, 1.1, 240, 0.2, "b1")
EfficientNetB2 = _scaled(1.1, 1.2, 260, 0.3, "b2")
EfficientNetB3 = _scaled(1.2, 1.4, 300, 0.3, "b3")
EfficientNetB4 = _scaled(1.4, 1.8, 380, 0.4, "b4")
EfficientNetB5 = _scaled(1.6, 2.2, 456, 0.4, "b5")
EfficientNetB6 = _scaled(1.8, 2.6, 528, 0.5, "b6")
EfficientNetB7 = _scaled(2.0, 3.1, 600, 0.5, "b7")


def preprocess_input(x, data_format=None):
    """Returns `x` unchanged: EfficientNet scales its [0, 255] inputs itself (kept for Keras's API)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
