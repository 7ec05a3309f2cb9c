"""VGG (Simonyan & Zisserman, 2014): five blocks of 3x3 convolutions, each block halving the image with
a 2x2 max pooling, then three dense layers. VGG16 and VGG19 differ only in how many convolutions each
block has. Layer names as in Keras, so Keras's weight files fit."""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils

BLOCK_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, weight_files, include_top, weights, input_tensor, input_shape, pooling,
              classes, classifier_activation, name):
    """`weight_files`: {include_top: (file name, URL, hash)} of Keras's ImageNet weights."""
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.obtain_weights(weights, weight_files[include_top])
    image = imagenet_utils.model_input(input_tensor, input_shape)
    x = image
    for block, (filters, count) in enumerate(zip(BLOCK_FILTERS, convs_per_block), start=1):
        for i in range(1, count + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.finish_model(image, x, name, weights_path)
