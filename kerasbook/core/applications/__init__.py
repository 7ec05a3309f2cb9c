"""`keras.applications`: ImageNet models with Keras's architecture, layer names and weight files."""

from kerasbook.core.applications import imagenet_utils, vgg16, vgg19, xception
from kerasbook.core.applications.vgg16 import VGG16
from kerasbook.core.applications.vgg19 import VGG19
from kerasbook.core.applications.xception import Xception
