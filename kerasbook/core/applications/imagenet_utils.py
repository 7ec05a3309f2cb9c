"""What the ImageNet models share: argument rules, weight files, the model's ends, preprocessing, decoding.

The rules and messages follow Keras's, so a student's mistake (ImageNet weights with 10 classes, a
20x20 image for Xception) is caught before anything is built, with the same explanation Keras gives.
The weights file is obtained before anything is built too: without network or cached file, a builder
fails at once instead of after building the whole model. Every builder then runs the same steps:

    check_arguments, obtain_input_shape    the arguments, as Keras checks them
    weights_path = obtain_weights(...)     the file to load, or None (get_file's OSError if it is missing)
    image = model_input(...)               the tensor the layers are built on
    ... the model's own layers ...         then `classifier` or `pooled` on top
    return finish_model(image, x, name, weights_path)
"""

import json
import os

import jax.numpy as jnp
import numpy as np

from kerasbook.core import activations, backend, layers, utils_files
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.models.functional import Functional

# Keras's ImageNet class index: {"0": ["n01440764", "tench"], ...}, kept in the Keras cache.
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
CLASS_INDEX = None
WEIGHTS_ROOT = "https://storage.googleapis.com/tensorflow/keras-applications/"
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # ImageNet's mean pixel, in VGG's BGR order


WEIGHTS_ERROR = ("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                 "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                 "Received: weights={weights}")
CLASSES_ERROR = ("If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
                 "Received classes={classes}")


def check_arguments(weights, include_top, classes, classifier_activation, weights_error=WEIGHTS_ERROR,
                    classes_error=CLASSES_ERROR):
    """Keras's checks on `weights`, `classes` and `classifier_activation`, made before the model is
    built (and before its weights file is looked for: a wrong argument is reported even offline). Keras
    words the errors a little differently from model to model: `weights_error` and `classes_error` are
    the model's own messages, with `{weights}` and `{classes}` for what was received."""
    if not (weights in ("imagenet", None) or os.path.exists(str(weights))):
        raise ValueError(weights_error.format(weights=weights))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(classes_error.format(classes=classes))
    if include_top:
        validate_activation(classifier_activation, weights)


def obtain_input_shape(input_shape, default_size, min_size, require_flatten, weights=None):
    """The (height, width, channels) to build with.

    With a classifier on top (`require_flatten`) the size must be fixed, and with ImageNet weights it
    must be the size the weights were trained at; without it, any size from `min_size` up works,
    (None, None, 3) by default. Channels last only.
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    channels = input_shape[-1] if weights != "imagenet" and input_shape and len(input_shape) == 3 else 3
    default_shape = (default_size, default_size, channels)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(size is not None and size < min_size for size in input_shape[:2]):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    else:
        input_shape = default_shape if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights):
    """Pretrained classifiers were trained with softmax: only softmax or no activation fit them."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: classifier_activation={classifier_activation}")


def model_input(input_tensor, input_shape):
    """The model's input: a new `Input`, or the caller's tensor (a non-symbolic one is wrapped)."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The `Input`s a symbolic tensor was computed from: a model built on `input_tensor` starts there."""
    found, stack, seen = [], [tensor], set()
    while stack:
        x = stack.pop()
        history = x._keras_history
        if history is None or id(x) in seen:
            continue
        seen.add(id(x))
        node = history.operation._inbound_nodes[history.node_index]
        if node.is_input:
            if not any(x is y for y in found):
                found.append(x)
        else:
            stack.extend(reversed(node.input_tensors))
    return found[0] if len(found) == 1 else found


def pooled(x, pooling, named=False):
    """Without the classifier on top, the feature maps may be pooled to one vector per image. Some
    models name the pooling layer (`named`: "avg_pool" or "max_pool"), others leave Keras's default."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool" if named else None)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool" if named else None)(x)
    return x


def correct_pad(x, kernel_size):
    """((top, bottom), (left, right)) zero padding before a stride-2 `kernel_size` convolution with
    "valid" padding, so that it halves the image as TensorFlow's "same" would: one row and column
    less before than after when the size is even (or unknown)."""
    kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rows, cols = x.shape[1:3]
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def classifier(x, classes, activation, pool_name="avg_pool", dropout_rate=0.0, **dense_options):
    """The usual top: (batch, height, width, channels) feature maps averaged to (batch, channels),
    then `classes` scores from the Dense layer "predictions". Keras's weight files know its layers by
    name: the pooling is `pool_name` (None where Keras leaves it its automatic name), the dropout
    between them (only when `dropout_rate` > 0) "top_dropout". `dense_options`: initializers."""
    x = layers.GlobalAveragePooling2D(name=pool_name)(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=activation, name="predictions", **dense_options)(x)


def obtain_weights(weights, imagenet_file):
    """The path of the weights file to load (None for random weights), obtained BEFORE any layer is
    built: without network and without the file in the Keras cache, `get_file`'s OSError comes at
    once, not after a build that may take seconds. `weights`: None, "imagenet" or the caller's own
    file (`check_arguments` has made sure it exists). `imagenet_file`: (file name in the Keras cache,
    URL, hash) of Keras's ImageNet weights, only needed, and only valid, for "imagenet"."""
    if weights != "imagenet":
        return weights
    fname, origin, file_hash = imagenet_file
    return utils_files.get_file(fname, origin, cache_subdir="models", file_hash=file_hash)


def finish_model(image, outputs, name, weights_path):
    """The `Functional` model named `name` from `image` to `outputs`, with the weights at
    `weights_path` (from `obtain_weights`) loaded, if any.

    `image` is what the layers were built on (`model_input`): a new `Input` of shape (batch, height,
    width, channels), which is then the model's input, or the caller's `input_tensor`, in which case
    the model starts at the `Input`s that tensor came from, so the layers before it are part of the
    model. `outputs`: (batch, classes) scores, (batch, channels) pooled features, or the feature maps.
    """
    model = Functional(source_inputs(image), outputs, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def preprocess_input(x, data_format=None, mode="caffe"):
    """Images with pixels in [0, 255], prepared as a model's ImageNet weights expect.

    "caffe" (VGG): RGB to BGR, then subtract ImageNet's mean pixel, no scaling. "tf" (Xception):
    scale to [-1, 1]. "torch": scale to [0, 1], then normalize each channel. A NumPy array gives a
    NumPy array (integers become float32); a JAX array gives a JAX array. Unlike Keras, the input is
    never overwritten.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    xp = np if isinstance(x, (np.ndarray, list, tuple, int, float)) else jnp
    x = xp.asarray(x)
    if not xp.issubdtype(x.dtype, xp.floating):
        x = x.astype("float32")
    if mode == "tf":
        return x / 127.5 - 1.0
    channel_axis = -1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)
    channel_shape = [1] * x.ndim
    channel_shape[channel_axis] = 3
    if mode == "torch":
        mean = xp.asarray([0.485, 0.456, 0.406], x.dtype).reshape(channel_shape)
        std = xp.asarray([0.229, 0.224, 0.225], x.dtype).reshape(channel_shape)
        return (x / 255.0 - mean) / std
    bgr = xp.flip(x, axis=channel_axis)
    return bgr - xp.asarray(CAFFE_MEAN_BGR, x.dtype).reshape(channel_shape)


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each prediction: one list of (class id, name, score) per row."""
    global CLASS_INDEX
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        path = utils_files.get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                                    file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        results.append(sorted((tuple(CLASS_INDEX[str(i)]) + (row[i],) for i in best),
                              key=lambda entry: entry[2], reverse=True))
    return results
