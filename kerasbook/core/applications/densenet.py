"""`keras.applications.densenet` (Huang et al., 2017): every layer sees all the feature maps before it.

In a dense block, each "conv block" computes 32 new channels (the growth rate) from everything so far
(batch normalization, ReLU, a 1x1 convolution to 128 channels, then a 3x3 one to 32) and concatenates
them to its input: after n blocks a dense block's output has its input's channels plus 32 n. Features
are reused instead of recomputed, so the network is narrow and has few parameters for its depth.
Between dense blocks a "transition" halves the channels (1x1 convolution) and the image (2x2 average
pooling). Layer names as in Keras, so Keras's weight files fit.
"""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

BASE_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "densenet/"
GROWTH_RATE = 32  # channels each conv block adds
BN_EPSILON = 1.001e-5
WEIGHTS_HASHES = {  # weights name: (md5 of the file with the top, md5 without), as Keras has them
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
BLOCKS = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169", (6, 12, 48, 32): "densenet201"}
# Keras words this model's argument errors without saying what it received.
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.")
CLASSES_ERROR = 'If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be 1000'


def weight_file(weights_name, include_top):
    """(file name in the Keras cache, URL, md5 hash) of Keras's ImageNet weights for one DenseNet."""
    fname = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[weights_name][0 if include_top else 1]


def _bn_relu(x, name):
    """Batch normalization and ReLU, named `{name}_bn` and `{name}_relu`."""
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def conv_block(x, growth_rate, name):
    """(batch, h, w, c) -> (batch, h, w, c + growth_rate): the input with `growth_rate` new channels
    computed from all of it (bn, relu, 1x1 conv to 4 * growth_rate, bn, relu, 3x3 conv)."""
    new = _bn_relu(x, f"{name}_0")
    new = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(new)
    new = _bn_relu(new, f"{name}_1")
    new = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(new)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, new])


def dense_block(x, blocks, name):
    """`blocks` conv blocks in a row: 32 * `blocks` channels more."""
    for i in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """(batch, h, w, c) -> (batch, h // 2, w // 2, int(c * reduction)): fewer channels, half the image."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="densenet"):
    """A DenseNet of four dense blocks of `blocks` conv blocks each, after a 7x7 stem and a max pooling
    (the image is halved five times in all, 224 -> 7)."""
    from kerasbook.core import backend
    if backend.image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data format. Switch to "
                         "`channels_last` by editing your local config file at ~/.keras/keras.json")
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    if weights == "imagenet" and tuple(blocks) not in BLOCKS:
        raise ValueError("weights_path undefined")
    imagenet_file = weight_file(BLOCKS[tuple(blocks)], include_top) if weights == "imagenet" else None
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(image)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation)
    else:
        x = imagenet_utils.pooled(x, pooling, named=True)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet121"):
    """DenseNet121 on (224, 224, 3) images (any size from 32 without the top); 8,062,504 parameters.
    Inputs: `densenet.preprocess_input` of RGB pixels in [0, 255]."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet169"):
    """DenseNet169: 32 conv blocks in the last two dense blocks; 14,307,880 parameters."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet201"):
    """DenseNet201: 48 conv blocks in the third dense block; 20,242,984 parameters."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [0, 1], then each channel normalized with ImageNet's mean and
    standard deviation, as DenseNet was trained ("torch" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
