"""`keras.applications.resnet` (He et al., 2015): deep networks that learn residuals.

Each block adds its input back to what its convolutions compute (`x + F(x)`), so a block only has to
learn a correction, and gradients reach the first layers through the additions. A "bottleneck" block
narrows the channels with a 1x1 convolution, applies a 3x3 one, widens them 4x again with a 1x1.
Stacks of such blocks halve the image four times after a 7x7 stem: 224 -> 112 -> 56 -> 28 -> 14 -> 7.

The same code builds ResNet v2 (`resnet_v2`): there the batch normalization and ReLU come before each
convolution ("pre-activation"), the sum is not passed through a ReLU, and a stack halves the image
in its last block instead of its first. Layer names as in Keras, so Keras's weight files fit.
"""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

BASE_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "resnet/"
WEIGHTS_HASHES = {  # weights name: (md5 of the file with the top, md5 without), as Keras has them
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
BN_EPSILON = 1.001e-5  # the value the original Caffe weights were trained with


def weight_file(weights_name, include_top):
    """(file name in the Keras cache, URL, md5 hash) of Keras's ImageNet weights for one ResNet."""
    fname = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[weights_name][0 if include_top else 1]


def _bn(x, name):
    return layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name)(x)


def _bn_relu(x, name):
    """Batch normalization and ReLU, named `{name}_bn` and `{name}_relu`."""
    return layers.Activation("relu", name=f"{name}_relu")(_bn(x, f"{name}_bn"))


def residual_block_v1(x, filters, stride=1, conv_shortcut=True, name=None):
    """1x1 (stride), 3x3, 1x1 to 4 * filters channels, each with batch normalization, added to the
    input (or to a strided 1x1 projection of it, where the shape changes), then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(shortcut, f"{name}_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn_relu(x, f"{name}_1")
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = _bn_relu(x, f"{name}_2")
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(x, f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 blocks; the first may halve the image (`stride1`) and projects the shortcut."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, stride=1, conv_shortcut=False, name=None):
    """Pre-activation: batch normalization and ReLU first, then 1x1, 3x3 (stride), 1x1 to 4 * filters,
    added to the input (a 1x1 projection where the channels change; a 1x1 max pooling where the image
    is halved). No ReLU after the sum: the next block normalizes first."""
    preact = _bn_relu(x, f"{name}_preact")
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn_relu(x, f"{name}_1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = _bn_relu(x, f"{name}_2")
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """`blocks` v2 blocks: the first projects the shortcut, the last may halve the image (`stride1`)."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def build_resnet(blocks_per_stack, preact, include_top, weights, input_tensor, input_shape, pooling, classes,
                 classifier_activation, name, weights_name):
    """A ResNet of four stacks (64, 128, 256, 512 bottleneck filters, `blocks_per_stack` blocks each).

    `preact`: v2 (pre-activation) blocks, with one batch normalization and ReLU after the last stack
    instead of after the stem. `weights_name`: which of Keras's ImageNet files fits ("resnet50", ...).
    """
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.obtain_weights(weights, weight_file(weights_name, include_top))
    image = imagenet_utils.model_input(input_tensor, input_shape)
    # Stem: a 7x7 convolution and a 3x3 max pooling, each halving the image.
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(image)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    if not preact:
        x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    # Four stacks, conv2 to conv5. v1 halves the image as stacks 3-5 begin, v2 as stacks 2-4 end.
    stack = stack_residual_blocks_v2 if preact else stack_residual_blocks_v1
    strides = (2, 2, 2, 1) if preact else (1, 2, 2, 2)
    for i, (filters, blocks, stride) in enumerate(zip((64, 128, 256, 512), blocks_per_stack, strides)):
        x = stack(x, filters, blocks, stride1=stride, name=f"conv{i + 2}")
    if preact:
        x = _bn_relu(x, "post")
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation)
    else:
        x = imagenet_utils.pooled(x, pooling, named=True)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50 on (224, 224, 3) images (any size from 32 without the top), optionally with ImageNet
    weights; 25,636,712 parameters. Inputs: `resnet50.preprocess_input` of RGB pixels in [0, 255]."""
    return build_resnet((3, 4, 6, 3), False, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101: ResNet50 with 23 blocks in its third stack instead of 6; 44,707,176 parameters."""
    return build_resnet((3, 4, 23, 3), False, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152: 8 and 36 blocks in the second and third stacks; 60,419,944 parameters."""
    return build_resnet((3, 8, 36, 3), False, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet152")


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] to BGR minus ImageNet's mean pixel, as ResNet was trained ("caffe" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
