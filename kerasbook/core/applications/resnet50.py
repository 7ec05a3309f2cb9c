"""`keras.applications.resnet50`: ResNet50 alone, with its preprocessing (the model is in `resnet`)."""

from kerasbook.core.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
