"""`keras.applications.xception` (Chollet, 2017): depthwise-separable convolutions with residual
connections. An entry flow shrinks the image, a middle flow of eight identical blocks refines it, an
exit flow widens the channels. Layer names and weights as in Keras."""

from kerasbook.core import layers
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.models.functional import Functional

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/xception/{file}"
_HASHES = {True: "0a58e3b7378bc2990ea3b43d5981f1f6", False: "b0042744bf5b25fce3cb969f33bebb97"}

decode_predictions = imagenet_utils.decode_predictions


def _sepconv(x, filters, name, act_before=True, act_name=None):
    if act_before:
        x = layers.Activation("relu", name=act_name or f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def _downsampling_block(x, filters, block, first_activation=True):
    """Two separable convolutions and a strided max pooling, added to a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters[-1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization()(residual)
    x = _sepconv(x, filters[0], f"block{block}_sepconv1", act_before=first_activation)
    x = _sepconv(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    shape = imagenet_utils.check_arguments("Xception", weights, include_top, classes, input_shape,
                                           default_size=299, min_size=71, pooling=pooling)
    inputs = input_tensor if input_tensor is not None else layers.Input(shape=shape)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(inputs)
    x = layers.BatchNormalization(name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    x = _downsampling_block(x, (128, 128), 2, first_activation=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = _sepconv(x, 728, f"block{block}_sepconv{i}")
        x = layers.add([x, residual])
    x = _downsampling_block(x, (728, 1024), 13)

    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False, name="block14_sepconv1")(x)
    x = layers.BatchNormalization(name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False, name="block14_sepconv2")(x)
    x = layers.BatchNormalization(name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    model = Functional(inputs, x, name=name)
    if weights == "imagenet":
        file = f"xception_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        imagenet_utils.load_imagenet_weights(model, file, _URL.format(file=file), _HASHES[include_top])
    elif weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_tf(x)
