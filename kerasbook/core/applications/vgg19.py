"""`keras.applications.vgg19`: the 19-layer VGG network (143,667,240 parameters with its top)."""

from kerasbook.core.applications import imagenet_utils
from kerasbook.core.applications.vgg import build_vgg

decode_predictions = imagenet_utils.decode_predictions


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    return build_vgg("vgg19", (2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_caffe(x)
