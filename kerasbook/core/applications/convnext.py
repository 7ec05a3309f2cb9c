"""`keras.applications.convnext` (Liu et al., 2022): a convolutional network built like a Transformer.

ConvNeXt takes a ResNet and changes it step by step toward a Vision Transformer's design: the image is
cut into 4x4 patches by a stride-4 convolution (the "stem"); each block filters every channel with a
large 7x7 depthwise convolution (mixing across space, like attention), normalizes with layer
normalization, then widens the channels 4x and narrows them back with two dense layers and a GELU
between (the Transformer's MLP, applied at each pixel), scales the result per channel by a learnt
`gamma` that starts tiny (1e-6: each block starts close to the identity) and adds it to the input.
Four stages at 1/4, 1/8, 1/16 and 1/32 of the image, joined by 2x2 stride-2 convolutions.
The model normalizes its own inputs (pixels in [0, 255]). Layer names as in Keras, so Keras's weight
files fit.
"""

import numpy as np

from kerasbook.core import initializers, layers, ops, random
from kerasbook.core.applications import imagenet_utils
from kerasbook.core.engine.layer import Layer
from kerasbook.core.models.sequential import Sequential

BASE_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "convnext/"
WEIGHTS_HASHES = {  # weights name: (sha256 of the file with the top, sha256 without), as Keras has them
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {  # blocks per stage, channels per stage, image size of the weights
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}
IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_VARIANCE = ((0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2)
WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.")
CLASSES_ERROR = ('If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
                 "Received classes={classes}")


class StochasticDepth(Layer):
    """In training, drops a whole residual branch for some images (probability `drop_path_rate`) and
    scales the rest up to keep the mean; the identity otherwise. (Keras's layer of this name.)"""

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training:
            return x
        keep_prob = 1 - self.drop_path_rate
        shape = (ops.shape(x)[0],) + (1,) * (len(ops.shape(x)) - 1)  # one draw per image
        kept = ops.floor(keep_prob + random.uniform(shape, 0, 1))
        return x / keep_prob * kept

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """x * gamma, one learnt factor per channel (`projection_dim` of them), starting at `init_values`.
    (Keras's layer of this name.)"""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}


def convnext_block(x, projection_dim, drop_path_rate, layer_scale_init_value, name):
    """x + (7x7 depthwise conv, layer norm, dense to 4x the channels, GELU, dense back, layer scale).
    Shapes stay as they are: (batch, h, w, projection_dim)."""
    inputs = x
    x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                      name=f"{name}_depthwise_conv")(x)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
    if drop_path_rate:
        branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
    else:
        branch = layers.Activation("linear", name=f"{name}_identity")
    return inputs + branch(x)


def downsampling_layers(projection_dims, name):
    """The four small Sequential models that start the stages: the stem (4x4 patches, stride 4, then
    layer norm) and three downsamplings (layer norm, then a 2x2 stride-2 convolution)."""
    stem = Sequential([layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
                       layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
                      name=f"{name}_stem")
    return [stem] + [
        Sequential([layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
                    layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                                  name=f"{name}_downsampling_conv_{i}")],
                   name=f"{name}_downsampling_block_{i}")
        for i in range(3)]


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """A ConvNeXt of four stages of `depths` blocks, `projection_dims` channels wide. The drop rate of
    stochastic depth grows linearly from 0 at the first block to `drop_path_rate` at the last."""
    from kerasbook.core import backend
    if backend.image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the `channels_first` image data format. Switch to "
                         "`channels_last` by editing your local config file at ~/.keras/keras.json")
    imagenet_utils.check_arguments(weights, include_top, classes, classifier_activation,
                                   weights_error=WEIGHTS_ERROR, classes_error=CLASSES_ERROR)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    require_flatten=include_top, weights=weights)
    imagenet_file = None
    if weights == "imagenet":
        _check_imagenet_variant(depths, projection_dims, name, weights_name)
        fname = name + (".h5" if include_top else "_notop.h5")  # Keras names the file after the model
        imagenet_file = (fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    weights_path = imagenet_utils.obtain_weights(weights, imagenet_file)
    image = x = imagenet_utils.model_input(input_tensor, input_shape)
    if include_preprocessing and input_shape[2] == 3:  # pixels in [0, 255], normalized per channel
        x = layers.Normalization(mean=list(IMAGENET_MEAN), variance=list(IMAGENET_VARIANCE),
                                 name=f"{name}_prestem_normalization")(x)
    drop_rates = [float(rate) for rate in np.linspace(0.0, drop_path_rate, sum(depths))]
    first = 0
    for i, downsample in enumerate(downsampling_layers(projection_dims, name)):
        x = downsample(x)
        for j in range(depths[i]):
            x = convnext_block(x, projection_dims[i], drop_rates[first + j], layer_scale_init_value,
                               name=f"{name}_stage_{i}_block_{j}")
        first += depths[i]
    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    return imagenet_utils.finish_model(image, x, name, weights_path)


def _check_imagenet_variant(depths, projection_dims, name, weights_name):
    """ImageNet weights fit only their own architecture, and their file is named after the model."""
    variant = weights_name.split("convnext_")[-1]
    expected = MODEL_CONFIGS[variant]
    if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
        raise ValueError(f"Architecture configuration does not match {weights_name} variant. When using "
                         "pre-trained weights, the model architecture must match the pre-trained configuration "
                         f"exactly. Expected depths: {expected['depths']}, got: {depths}. Expected "
                         f"projection_dims: {expected['projection_dims']}, got: {projection_dims}.")
    if weights_name not in name:
        raise ValueError(f'Model name "{name}" does not match weights variant "{weights_name}". When using '
                         'imagenet weights, model name must contain the weights variant (e.g., "convnext_'
                         f'{variant}").')


def _variant(variant, include_top, include_preprocessing, weights, input_tensor, input_shape, pooling, classes,
             classifier_activation, name):
    config = MODEL_CONFIGS[variant]
    return ConvNeXt(weights_name=f"convnext_{variant}", depths=config["depths"],
                    projection_dims=config["projection_dims"], drop_path_rate=0.0, layer_scale_init_value=1e-6,
                    default_size=config["default_size"], name=name, include_top=include_top,
                    include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                    input_shape=input_shape, pooling=pooling, classes=classes,
                    classifier_activation=classifier_activation)


def ConvNeXtTiny(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                 input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", name="convnext_tiny"):
    """ConvNeXtTiny: 3, 3, 9, 3 blocks of 96 to 768 channels; 28,589,128 parameters. Inputs: RGB
    pixels in [0, 255] (the model normalizes them; `convnext.preprocess_input` returns its input)."""
    return _variant("tiny", include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def ConvNeXtSmall(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                  input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                  name="convnext_small"):
    """ConvNeXtSmall: 27 blocks in the third stage; 50,223,688 parameters."""
    return _variant("small", include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def ConvNeXtBase(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                 input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", name="convnext_base"):
    """ConvNeXtBase: ConvNeXtSmall's depths, 128 to 1024 channels; 88,591,464 parameters."""
    return _variant("base", include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def ConvNeXtLarge(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                  input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                  name="convnext_large"):
    """ConvNeXtLarge: 192 to 1536 channels; 197,767,336 parameters."""
    return _variant("large", include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def ConvNeXtXLarge(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                   name="convnext_xlarge"):
    """ConvNeXtXLarge: 256 to 2048 channels; 350,196,968 parameters."""
    return _variant("xlarge", include_top, include_preprocessing, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """The input itself: ConvNeXt normalizes its pixels inside the model (as in Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
