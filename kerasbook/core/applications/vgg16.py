"""`keras.applications.vgg16`: the 16-layer VGG network."""

from kerasbook.core.applications import imagenet_utils
from kerasbook.core.applications.vgg import build_vgg

decode_predictions = imagenet_utils.decode_predictions


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    return build_vgg("vgg16", (2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_caffe(x)
