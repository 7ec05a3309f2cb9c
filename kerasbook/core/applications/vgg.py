"""VGG16 and VGG19 (Simonyan & Zisserman, 2014): blocks of 3x3 convolutions, each block ending in a
2x2 max pooling, then three dense layers. Layer names and weights as in Keras."""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.models.functional import Functional

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/{name}/{file}"
_HASHES = {("vgg16", True): "64373286793e3c8b2b4e3219cbf3544b",
           ("vgg16", False): "6d6bbae143d832006294945121d1f1fc",
           ("vgg19", True): "cbe5617147190e668d6c5d5026f83318",
           ("vgg19", False): "253f8cb515780f3b799900260a226db6"}


def build_vgg(name, convs_per_block, include_top=True, weights="imagenet", input_tensor=None,
              input_shape=None, pooling=None, classes=1000, classifier_activation="softmax"):
    shape = imagenet_utils.check_arguments(name.upper(), weights, include_top, classes, input_shape,
                                           default_size=224, min_size=32, pooling=pooling)
    inputs = input_tensor if input_tensor is not None else layers.Input(shape=shape)
    x = inputs
    for block, (filters, count) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
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
    model = Functional(inputs, x, name=name)
    if weights == "imagenet":
        file = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        imagenet_utils.load_imagenet_weights(model, file, _URL.format(name=name, file=file),
                                             _HASHES[(name, include_top)])
    elif weights is not None:
        model.load_weights(weights)
    return model
