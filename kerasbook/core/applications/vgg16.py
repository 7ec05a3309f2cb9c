"""`keras.applications.vgg16`: the 16-layer VGG network (138,357,544 parameters with its classifier)."""

from kerasbook.core.applications import imagenet_utils
from kerasbook.core.applications.vgg import build_vgg

WEIGHTS_PATH = imagenet_utils.WEIGHTS_ROOT + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = imagenet_utils.WEIGHTS_ROOT + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHT_FILES = {  # include_top: (file name in the Keras cache, URL, md5 hash), as Keras has them
    True: ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH, "64373286793e3c8b2b4e3219cbf3544b"),
    False: ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP, "6d6bbae143d832006294945121d1f1fc"),
}


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 on (224, 224, 3) images (any size from 32 without the top), optionally with ImageNet weights."""
    return build_vgg((2, 2, 3, 3, 3), WEIGHT_FILES, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] to BGR minus ImageNet's mean pixel, as VGG was trained ("caffe" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
