"""What the ImageNet models share: input shape rules, weight files, preprocessing, decoding."""

import json

import numpy as np

from kerasbook.core import utils_files

CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
_class_index = None


def check_arguments(name, weights, include_top, classes, input_shape, default_size, min_size, pooling):
    """Keras's rules for an application's arguments; returns the input shape to build with."""
    if weights not in ("imagenet", None) and not str(weights).endswith(".h5"):
        raise ValueError(f"{name}: `weights` must be None, 'imagenet', or the path to a weights file; "
                         f"received {weights!r}.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{name}: with weights='imagenet' and include_top=True, `classes` must be 1000; "
                         f"received classes={classes}.")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{name}: `pooling` must be None, 'avg' or 'max'; received {pooling!r}.")
    if input_shape is None:
        return (default_size, default_size, 3) if include_top or weights == "imagenet" and include_top \
            else (None, None, 3)
    input_shape = tuple(input_shape)
    if include_top and weights == "imagenet" and input_shape != (default_size, default_size, 3):
        raise ValueError(f"{name}: with include_top=True and ImageNet weights, input_shape must be "
                         f"{(default_size, default_size, 3)}; received {input_shape}.")
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"{name}: input_shape must be (height, width, 3); received {input_shape}.")
    if any(d is not None and d < min_size for d in input_shape[:2]):
        raise ValueError(f"{name}: input height and width must be at least {min_size}; received {input_shape}.")
    return input_shape


def pooled(x, pooling):
    """Without the classifier on top, the feature maps may be pooled to one vector per image."""
    from kerasbook.core import layers
    if pooling == "avg":
        return layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D()(x)
    return x


def load_imagenet_weights(model, fname, origin, file_hash):
    from kerasbook.core.saving.legacy_h5 import load_legacy_h5_weights
    path = utils_files.get_file(fname, origin, cache_subdir="models", file_hash=file_hash)
    load_legacy_h5_weights(model, path)


def preprocess_caffe(x):
    """VGG's preprocessing: RGB to BGR, then subtract ImageNet's mean pixel (no scaling)."""
    x = np.array(x, dtype="float32", copy=True)
    x = x[..., ::-1]
    return x - np.array([103.939, 116.779, 123.68], dtype="float32")


def preprocess_tf(x):
    """Xception's preprocessing: pixels from [0, 255] to [-1, 1]."""
    return np.asarray(x, dtype="float32") / 127.5 - 1.0


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each prediction: lists of (class id, name, score)."""
    global _class_index
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects predictions of shape (samples, 1000); received "
                         f"{preds.shape}.")
    if _class_index is None:
        path = utils_files.get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models",
                                    file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            _class_index = json.load(f)
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        results.append([tuple(_class_index[str(i)]) + (float(row[i]),) for i in best])
    return results
