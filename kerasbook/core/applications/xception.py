"""`keras.applications.xception` (Chollet, 2017): depthwise-separable convolutions with residual
connections. An entry flow shrinks the image, a middle flow of eight identical blocks refines it, an
exit flow widens the channels. Layer names as in Keras, so Keras's weight files fit."""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "xception/xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = imagenet_utils.WEIGHTS_ROOT + "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHT_FILES = {  # include_top: (file name in the Keras cache, URL, md5 hash), as Keras has them
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "b0042744bf5b25fce3cb969f33bebb97"),
}


def _separable(x, filters, name, relu_first=True):
    """(ReLU,) 3x3 separable convolution without bias, batch normalization."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def _downsampling_block(x, filters, block, relu_first=True):
    """Two separable convolutions and a strided max pooling, added to a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters[-1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization()(residual)
    x = _separable(x, filters[0], f"block{block}_sepconv1", relu_first=relu_first)
    x = _separable(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def _conv_bn_relu(x, conv, name):
    x = conv(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_act")(x)


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    """Xception on (299, 299, 3) images (any size from 71 without the top), optionally with ImageNet weights."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=71,
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.obtain_weights(weights, WEIGHT_FILES[include_top])
    image = imagenet_utils.model_input(input_tensor, input_shape)
    # Entry flow: two plain convolutions, then three blocks that halve the image.
    x = _conv_bn_relu(image, layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1"),
                      "block1_conv1")
    x = _conv_bn_relu(x, layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2"), "block1_conv2")
    x = _downsampling_block(x, (128, 128), 2, relu_first=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    # Middle flow: eight residual blocks of three separable convolutions at 728 channels.
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = _separable(x, 728, f"block{block}_sepconv{i}")
        x = layers.add([x, residual])
    # Exit flow: one more halving, then 1536 and 2048 channels.
    x = _downsampling_block(x, (728, 1024), 13)
    for i, filters in ((1, 1536), (2, 2048)):
        name_i = f"block14_sepconv{i}"
        x = _conv_bn_relu(x, layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                                    name=name_i), name_i)
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as Xception was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
