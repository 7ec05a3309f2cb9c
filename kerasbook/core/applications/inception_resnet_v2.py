"""`keras.applications.inception_resnet_v2` (Szegedy et al., 2016): Inception modules with residuals.

Each block runs Inception's parallel branches (1x1, 3x3, factorized 1x7/7x1 or 1x3/3x1 convolutions),
concatenates them, projects back to the input's channels with a 1x1 convolution and adds the result,
scaled down (by 0.17, 0.1 or 0.2), to its input: x + scale * F(x). The small scale keeps the sums
stable in so deep a network. Three kinds of blocks, at 35x35, 17x17 and 8x8 pixels (10, 20 and 10 of
them), with reduction modules in between. Most layers take Keras's automatic names (conv2d_93), which
Keras's weight files rely on, so the order they are made in matters.
"""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.engine.layer import Layer

BASE_WEIGHT_URL = imagenet_utils.WEIGHTS_ROOT + "inception_resnet_v2/"
WEIGHT_FILES = {  # include_top: (file name in the Keras cache, md5 hash), as Keras has them
    True: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5", "e693bd0210a403b3192acc6073ad2e96"),
    False: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5", "d19885ff4a710c122648d3b5c3b684e4"),
}
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.")
CLASSES_ERROR = ('If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
                 "Received classes={classes}")


class CustomScaleLayer(Layer):
    """[x, residual] -> x + residual * scale: a residual block's sum (Keras's layer of this name)."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None):
    """A convolution; without bias, batch normalization without scale follows; then `activation`."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=3, scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def block_branches(x, block_type):
    """The parallel branches of one block: "block35" (35x35), "block17" (17x17) or "block8" (8x8)."""
    if block_type == "block35":
        return [conv2d_bn(x, 32, 1), conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
                conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3)]
    if block_type == "block17":
        return [conv2d_bn(x, 192, 1), conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])]
    if block_type == "block8":
        return [conv2d_bn(x, 192, 1), conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])]
    raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
                     f"but got: {block_type}")


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """x + scale * (the branches, concatenated and projected by a 1x1 convolution with bias to x's
    channels), then `activation`. Shapes stay as they are."""
    name = f"{block_type}_{block_idx}"
    mixed = layers.Concatenate(axis=3, name=f"{name}_mixed")(block_branches(x, block_type))
    up = conv2d_bn(mixed, x.shape[3], 1, activation=None, use_bias=True, name=f"{name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def stem(image):
    """299x299x3 -> 35x35x320: five convolutions, two max poolings, then Inception's mixed_5b module."""
    x = conv2d_bn(image, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    return layers.Concatenate(axis=3, name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])


def reduction_6a(x):
    """35x35x320 -> 17x17x1088: two strided convolution branches and a max pooling, side by side."""
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=3, name="mixed_6a")([branch_0, branch_1, branch_pool])


def reduction_7a(x):
    """17x17x1088 -> 8x8x2080: three strided convolution branches and a max pooling."""
    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=3, name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", name="inception_resnet_v2"):
    """InceptionResNetV2 on (299, 299, 3) images (any size from 75 without the top); 55,873,736
    parameters. Inputs: `inception_resnet_v2.preprocess_input` of RGB pixels in [0, 255]."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=75,
                                                    require_flatten=include_top, weights=weights)
    fname, file_hash = WEIGHT_FILES[bool(include_top)]
    weights_path = imagenet_utils.obtain_weights(weights, (fname, BASE_WEIGHT_URL + fname, file_hash))
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = stem(image)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = reduction_6a(x)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = reduction_7a(x)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as InceptionResNetV2 was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
