"""`keras.applications.efficientnet_v2` (Tan & Le, 2021): EfficientNet, faster to train.

EfficientNet's MBConv blocks (1x1 expansion, depthwise 3x3, squeeze-and-excitation, 1x1 projection)
are slow in the first stages, where the images are large and depthwise convolutions use the hardware
poorly. EfficientNetV2 replaces them there by "Fused-MBConv" blocks: one ordinary 3x3 convolution
does the expansion and the filtering together. The sizes came from a search that weighed accuracy
against training speed; B0-B3 are scaled like EfficientNet's B0-B3, S, M and L are separate designs.
Swish activations. The model takes pixels in [0, 255] and prepares them itself, so
`efficientnet_v2.preprocess_input` returns its input. Layer names as in Keras, so Keras's weight files
fit.
"""

import math

from kerasbook.core import initializers, layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.applications.efficientnet import CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER

BASE_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "efficientnet_v2/"
WEIGHTS_HASHES = {  # md5 of the file (with the top, without), as Keras has them
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _stages(*rows):
    """Block arguments from (kernel, repeats, filters in, filters out, expansion, se ratio, stride,
    conv type) rows; conv type 1 is Fused-MBConv, 0 MBConv."""
    keys = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
            "conv_type")
    return [dict(zip(keys, row)) for row in rows]


_B = _stages((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
             (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
DEFAULT_BLOCKS_ARGS = {  # keyed by the model's name, as in Keras
    "efficientnetv2-s": _stages((3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
                                (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
                                (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": _stages((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                                (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                                (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": _stages((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                                (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                                (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
    "efficientnetv2-b0": _B, "efficientnetv2-b1": _B, "efficientnetv2-b2": _B, "efficientnetv2-b3": _B,
}
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.Received: "
                 "weights={weights}")
CLASSES_ERROR = 'If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000'


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """`filters * width_coefficient` rounded to a multiple of `depth_divisor` (at least `min_depth`)."""
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv(x, filters, kernel_size, strides, name, **kwargs):
    return layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                         padding="same", use_bias=False, name=name, **kwargs)(x)


def _bn(x, bn_momentum, name):
    return layers.BatchNormalization(axis=3, momentum=bn_momentum, name=name)(x)


def squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    """Each of `filters` channels scaled by a weight in (0, 1) learnt from all channels' averages."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(max(1, int(input_filters * se_ratio)), 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    """The input added back where the shapes allow. Keras's blocks drop the whole branch in training
    with a Dropout whose rate is the `survival_probability` argument (noise shared over the image)."""
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def mb_conv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                  bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """MBConv: 1x1 expansion (unless `expand_ratio` is 1), depthwise `kernel_size` (`strides`),
    squeeze-and-excitation, 1x1 projection to `output_filters`, residual."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(x, filters, 1, 1, f"{name}expand_conv", data_format="channels_last")
        x = layers.Activation(activation, name=f"{name}expand_activation")(_bn(x, bn_momentum, f"{name}expand_bn"))
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               padding="same", data_format="channels_last", use_bias=False, name=f"{name}dwconv2")(x)
    x = layers.Activation(activation, name=f"{name}activation")(_bn(x, bn_momentum, f"{name}bn"))
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    x = _conv(x, output_filters, 1, 1, f"{name}project_conv", data_format="channels_last")
    x = _bn(x, bn_momentum, f"{name}project_bn")
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


def fused_mb_conv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                        se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Fused-MBConv: one `kernel_size` convolution expands and filters (`strides`), then
    squeeze-and-excitation and a 1x1 projection; with `expand_ratio` 1, that single convolution
    projects directly (and is followed by the activation). Residual as MBConv."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(x, filters, kernel_size, strides, f"{name}expand_conv", data_format="channels_last")
        x = layers.Activation(activation=activation, name=f"{name}expand_activation")(
            _bn(x, bn_momentum, f"{name}expand_bn"))
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    fused = expand_ratio == 1
    x = _conv(x, output_filters, kernel_size if fused else 1, strides if fused else 1, f"{name}project_conv")
    x = _bn(x, bn_momentum, f"{name}project_bn")
    if fused:
        x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


def _preprocess(x, name, channels):
    """Pixels in [0, 255]: B0-B3 scale to [0, 1] and normalize per channel, S/M/L scale to [-1, 1)."""
    if name.split("-")[-1].startswith("b") and channels == 3:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        return layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2], axis=3)(x)
    return layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """An EfficientNetV2: a 3x3 stem, the stages of `blocks_args` (their widths times
    `width_coefficient`, their repeats times `depth_coefficient`), a 1x1 convolution to 1280 channels
    (scaled too). "default" blocks are looked up by the model's `name`, as Keras does."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    fname = name + (".h5" if include_top else "_notop.h5")  # Keras names the file after the model
    imagenet_file = ((fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[weights_name][0 if include_top else 1])
                     if weights == "imagenet" else None)
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = _preprocess(image, name, input_shape[2]) if include_preprocessing else image
    width = dict(width_coefficient=width_coefficient, min_depth=min_depth, depth_divisor=depth_divisor)
    x = _conv(x, round_filters(blocks_args[0]["input_filters"], **width), 3, 2, "stem_conv")
    x = layers.Activation(activation, name="stem_activation")(_bn(x, bn_momentum, "stem_bn"))
    block_count, total = 0, float(sum(args["num_repeat"] for args in blocks_args))
    for i, stage in enumerate(blocks_args):
        if stage["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. Received: "
                             f"num_repeat={stage['num_repeat']}")
        args = {key: value for key, value in stage.items() if key not in ("conv_type", "num_repeat")}
        args["input_filters"] = round_filters(stage["input_filters"], **width)
        args["output_filters"] = round_filters(stage["output_filters"], **width)
        block = fused_mb_conv_block if stage["conv_type"] == 1 else mb_conv_block
        for j in range(round_repeats(stage["num_repeat"], depth_coefficient)):
            if j > 0:  # the stage's later blocks keep the size and channels
                args["strides"], args["input_filters"] = 1, args["output_filters"]
            x = block(x, activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * block_count / total, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)
            block_count += 1
    x = _conv(x, round_filters(1280, **width), 1, 1, "top_conv", data_format="channels_last")
    x = layers.Activation(activation=activation, name="top_activation")(_bn(x, bn_momentum, "top_bn"))
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation, dropout_rate=dropout_rate,
                                      kernel_initializer=DENSE_KERNEL_INITIALIZER,
                                      bias_initializer=initializers.Constant(0.0))
    else:
        x = imagenet_utils.pooled(x, pooling, named=True)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def _variant(width, depth, size, weights_name, include_top, weights, input_tensor, input_shape, pooling, classes,
             classifier_activation, include_preprocessing, name):
    return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
                          include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                          pooling=pooling, classes=classes, classifier_activation=classifier_activation,
                          include_preprocessing=include_preprocessing, weights_name=weights_name)


def EfficientNetV2B0(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                     classes=1000, classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b0"):
    """EfficientNetV2B0 on (224, 224, 3) images; 7,200,312 parameters. Inputs: RGB pixels in [0, 255]."""
    return _variant(1.0, 1.0, 224, "b0", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2B1(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                     classes=1000, classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b1"):
    """EfficientNetV2B1: B0 10% deeper, on (240, 240, 3) images; 8,212,124 parameters."""
    return _variant(1.0, 1.1, 240, "b1", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2B2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                     classes=1000, classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b2"):
    """EfficientNetV2B2: 10% wider, 20% deeper, on (260, 260, 3) images; 10,178,374 parameters."""
    return _variant(1.1, 1.2, 260, "b2", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2B3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                     classes=1000, classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b3"):
    """EfficientNetV2B3: 20% wider, 40% deeper, on (300, 300, 3) images; 14,467,622 parameters."""
    return _variant(1.2, 1.4, 300, "b3", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2S(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True, name="efficientnetv2-s"):
    """EfficientNetV2S on (384, 384, 3) images; 21,612,360 parameters."""
    return _variant(1.0, 1.0, 384, "-s", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2M(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True, name="efficientnetv2-m"):
    """EfficientNetV2M on (480, 480, 3) images; 54,431,388 parameters."""
    return _variant(1.0, 1.0, 480, "-m", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def EfficientNetV2L(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True, name="efficientnetv2-l"):
    """EfficientNetV2L on (480, 480, 3) images; 119,027,848 parameters."""
    return _variant(1.0, 1.0, 480, "-l", include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, include_preprocessing, name)


def preprocess_input(x, data_format=None):
    """The input itself: EfficientNetV2 prepares its pixels inside the model (as in Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
