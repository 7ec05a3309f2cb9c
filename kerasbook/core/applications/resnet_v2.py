"""`keras.applications.resnet_v2` (He et al., 2016): ResNet with pre-activation blocks.

Batch normalization and ReLU come before each convolution, so the shortcut path carries the sum
unchanged from block to block. Built by `resnet.build_resnet`; inputs are scaled to [-1, 1] ("tf"
mode), not shifted by ImageNet's mean pixel as for ResNet v1.
"""

from kerasbook.core.applications import imagenet_utils
from kerasbook.core.applications.resnet import build_resnet


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """ResNet50V2 on (224, 224, 3) images (any size from 32 without the top), optionally with ImageNet
    weights; 25,613,800 parameters. Inputs: `resnet_v2.preprocess_input` of RGB pixels in [0, 255]."""
    return build_resnet((3, 4, 6, 3), True, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet50v2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """ResNet101V2: 23 blocks in the third stack; 44,675,560 parameters."""
    return build_resnet((3, 4, 23, 3), True, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet101v2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """ResNet152V2: 8 and 36 blocks in the second and third stacks; 60,380,648 parameters."""
    return build_resnet((3, 8, 36, 3), True, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet152v2")


def preprocess_input(x, data_format=None):
    """RGB images in [0, 255] scaled to [-1, 1], as ResNet v2 was trained ("tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (class id, name, score) of each row of ImageNet predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
