"""`keras.applications.inception_v3` (Szegedy et al., 2015): "mixed" modules of parallel branches.

Each module looks at the same feature maps through several branches at once (a 1x1 convolution, a
5x5 or factorized 7x7 one, two stacked 3x3 ones, an average pooling) and concatenates their channels,
so the network chooses per module which scale matters. Large kernels are factorized (7x7 as 1x7 then
7x1) to save parameters. 299 -> 35 -> 17 -> 8 pixels across. Convolutions have no bias and their batch
normalization no scale (the ReLU after it makes a scale redundant). Most layers are unnamed and take
Keras's automatic names (conv2d_93), which Keras's weight files rely on, so the order they are made
in matters.
"""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (imagenet_utils.WEIGHTS_ROOT +
                       "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHT_FILES = {  # include_top: (file name in the Keras cache, URL, md5 hash), as Keras has them
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "bcbd6486424b2319ff4ef7d526e38f63"),
}
# Keras words this model's argument errors differently from VGG's.
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded; "
                 "Received: weights={weights}")
CLASSES_ERROR = ('If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
                 "Received classes={classes}")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """A `num_row` x `num_col` convolution without bias, batch normalization without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=3, scale=False, name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool_branch(x, filters):
    """A 3x3 average pooling that keeps the size, then a 1x1 convolution."""
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def module_35(x, pool_filters, name):
    """35x35 module: 1x1; 1x1 then 5x5; 1x1 then two 3x3; pooling. 224 + `pool_filters` channels."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(conv2d_bn(branch3x3dbl, 96, 3, 3), 96, 3, 3)
    branch_pool = _avg_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=3, name=name)


def module_17(x, width, name):
    """17x17 module: 1x1; a 1x7-7x1 pair; two such pairs; pooling. The inner branches are `width`
    channels wide; each branch ends at 192, so 768 channels."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    for filters, (rows, cols) in zip((width, width, width, 192), ((7, 1), (1, 7), (7, 1), (1, 7))):
        branch7x7dbl = conv2d_bn(branch7x7dbl, filters, rows, cols)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=3, name=name)


def module_8(x, i):
    """8x8 module (mixed9, mixed10): 1x1; 1x1 split into 1x3 and 3x1; 3x3 split likewise; pooling."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=3, name=f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)],
                                      axis=3)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=3, name=f"mixed{9 + i}")


def reduction(x, branches, name):
    """Halve the image: each branch (a list of conv2d_bn arguments) ends in a strided 3x3 convolution,
    beside a strided max pooling; their channels are concatenated."""
    outputs = []
    for convs in branches:
        y = x
        for args in convs[:-1]:
            y = conv2d_bn(y, *args)
        outputs.append(conv2d_bn(y, *convs[-1], strides=(2, 2), padding="valid"))
    outputs.append(layers.MaxPooling2D((3, 3), strides=(2, 2))(x))
    return layers.concatenate(outputs, axis=3, name=name)


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="inception_v3"):
    """InceptionV3 on (299, 299, 3) images (any size from 75 without the top), optionally with ImageNet
    weights; 23,851,784 parameters. Inputs: `inception_v3.preprocess_input` of RGB pixels in [0, 255]."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=75,
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.obtain_weights(weights, WEIGHT_FILES[include_top])
    image = imagenet_utils.model_input(input_tensor, input_shape)
    # Stem: five convolutions and two max poolings, 299 -> 35 pixels, 192 channels.
    x = conv2d_bn(image, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = module_35(x, 32, "mixed0")  # 256 channels
    x = module_35(x, 64, "mixed1")  # 288
    x = module_35(x, 64, "mixed2")  # 288
    x = reduction(x, [[(384, 3, 3)], [(64, 1, 1), (96, 3, 3), (96, 3, 3)]], "mixed3")  # 17x17, 768
    x = module_17(x, 128, "mixed4")
    x = module_17(x, 160, "mixed5")
    x = module_17(x, 160, "mixed6")
    x = module_17(x, 192, "mixed7")
    x = reduction(x, [[(192, 1, 1), (320, 3, 3)], [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3)]],
                  "mixed8")  # 8x8, 1280
    x = module_8(x, 0)  # 2048
    x = module_8(x, 1)  # 2048
    if include_top:
        x = imagenet_utils.classifier(x, classes, classifier_activation)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as InceptionV3 was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
