"""`keras.utils.image_dataset_from_directory` and `text_dataset_from_directory`: a folder of files,
one subfolder per class, as batches for `fit`.

Keras returns a `tf.data.Dataset` (TensorFlow). kerasbook has no TensorFlow, so it returns a
`keras.utils.PyDataset` (`FilesDataset` below) that `fit`, `evaluate` and `predict` take the same way:
batch `i` is `(images, labels)` as NumPy arrays, read from disk when asked for, so a folder larger than
memory still trains. What is the same as Keras: the arguments, which files are read, their labels and
their order before shuffling (directory_index.py), the training/validation split for a seed, the images'
values (decoded with Pillow and resized as `keras.ops.image.resize` does on JAX), `class_names` and
`file_paths`. What differs: TensorFlow shuffles through a buffer of `8 * batch_size` files, kerasbook
reshuffles all the files at each epoch (with its own generator seeded by `seed`), so the batches hold
other files than Keras's; and instead of tf.data's methods the dataset has `take(n)` (the first `n`
batches, to look at) and `map(fn)` (a function applied to every batch, e.g. a TextVectorization).
"""

import math
import os

import numpy as np

from kerasbook.core import backend
from kerasbook.core.utils import directory_index, resampling
from kerasbook.core.training.py_dataset import PyDataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # Keras's ALLOWLIST_FORMATS
CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
# Keras also lists "gaussian" and "mitchellcubic", which only TensorFlow implements.
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


class FilesDataset(PyDataset):
    """Files read a batch at a time, with their labels: batch `i` is `(inputs, labels)`, or `inputs`
    alone without labels. `load(path)` reads one file; `batch_size=None` gives one sample at a time.
    With `shuffle`, the files are put in a new random order at the end of every epoch.

    Attributes as Keras's dataset: `class_names` (None without labels), `file_paths` (in the order of
    the first epoch).
    """

    def __init__(self, file_paths, labels, load, batch_size=32, shuffle=False, seed=None, class_names=None,
                 stack=np.stack):
        super().__init__()
        self.file_paths, self.labels, self.class_names = list(file_paths), labels, class_names
        self.load, self.batch_size, self.shuffle, self.stack = load, batch_size, shuffle, stack
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} of a dataset of {len(self)} batches.")
        if self.batch_size is None:
            chosen = self._order[index]
            inputs = self.load(self.file_paths[chosen])
            return inputs if self.labels is None else (inputs, self.labels[chosen])
        chosen = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        inputs = self.stack([self.load(self.file_paths[i]) for i in chosen])
        return inputs if self.labels is None else (inputs, self.labels[chosen])

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))

    def take(self, count):
        """The first `count` batches, as a list (`for images, labels in dataset.take(1): ...`)."""
        return [self[i] for i in range(min(count, len(self)))]

    def map(self, function):
        """A dataset whose batches are `function(*batch)` (or `function(batch)` without labels), as
        `tf.data.Dataset.map`: `train.map(lambda x, y: (vectorize(x), y))`."""
        return MappedDataset(self, function)


class MappedDataset(PyDataset):
    """A dataset's batches passed through a function (see `FilesDataset.map`)."""

    def __init__(self, source, function):
        super().__init__()
        self.source, self.function = source, function
        self.class_names, self.file_paths = source.class_names, source.file_paths

    def __len__(self):
        return len(self.source)

    def __getitem__(self, index):
        batch = self.source[index]
        return self.function(*batch) if isinstance(batch, tuple) else self.function(batch)

    def on_epoch_end(self):
        self.source.on_epoch_end()

    take = FilesDataset.take
    map = FilesDataset.map


def encode_labels(labels, label_mode, num_classes):
    """Keras's label modes: "int" (int32 class indices), "categorical" (float32 one-hot vectors),
    "binary" (float32, shape (1,) per file: 0.0 or 1.0)."""
    labels = np.asarray(labels)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    return labels.astype("int32")


def read_image(path, num_channels):
    """The image at `path` as float32 (height, width, channels), converted with Pillow as Keras does."""
    from PIL import Image
    with Image.open(path) as image:
        if num_channels == 1 and image.mode not in ("L", "I;16", "I"):
            image = image.convert("L")
        elif num_channels in (3, 4) and image.mode != ("RGB" if num_channels == 3 else "RGBA"):
            image = image.convert("RGB" if num_channels == 3 else "RGBA")
        array = np.asarray(image, dtype="float32")
    return array[..., None] if array.ndim == 2 else array


def fit_image(image, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format):
    """One (height, width, channels) image at `image_size`, cut or padded to its aspect ratio first if
    asked: the numbers of `keras.ops.image.resize` on JAX, computed in NumPy (resampling.py)."""
    height, width = image_size
    if crop_to_aspect_ratio:
        top, left, box_height, box_width = crop_box(image.shape[0], image.shape[1], height, width)
        image = image[top:top + box_height, left:left + box_width]
    elif pad_to_aspect_ratio:
        image = pad_to_aspect(image, height, width)
    if data_format == "channels_first":
        image = image.transpose(2, 0, 1)
    return resampling.resize(image, height, width, interpolation, data_format=data_format)


def crop_box(height, width, target_height, target_width):
    """The largest centred box of the target's aspect ratio: (top, left, box height, box width)."""
    box_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    box_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int((height - box_height) / 2), int((width - box_width) / 2), box_height, box_width


def pad_to_aspect(image, target_height, target_width):
    """Black bands above and below (or left and right) so the image has the target's aspect ratio."""
    height, width = image.shape[:2]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top, left = int((pad_height - height) / 2), int((pad_width - width) / 2)
    if top > 0:
        return np.pad(image, ((top, top), (0, 0), (0, 0)))
    if left > 0:
        return np.pad(image, ((0, 0), (left, left), (0, 0)))
    return image


def check_labels_arguments(labels, label_mode, class_names):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as "
                             "the number of files in the target directory. If you wish to infer the labels "
                             'from the subdirectory names in the target directory, pass `labels="inferred"`. '
                             "If you wish to get a dataset that only contains the files (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def files_datasets(directory, labels, label_mode, class_names, formats, load, batch_size, shuffle, seed,
                   validation_split, subset, follow_links, verbose, stack=np.stack):
    """What both functions share: index, split, encode the labels, and make one or two datasets."""
    check_labels_arguments(labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    directory_index.check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = directory_index.index_directory(
        directory, labels, formats, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    if labels is not None:
        labels = encode_labels(labels, label_mode, len(class_names))

    def dataset(part, shuffled):
        part_paths, part_labels = directory_index.training_or_validation_split(paths, labels, validation_split,
                                                                                part)
        if not part_paths:
            kind = {"training": "training ", "validation": "validation "}.get(part, "")
            raise ValueError(f"No {kind}files found in directory {directory}. Allowed formats: {formats}")
        return FilesDataset(part_paths, part_labels, load, batch_size, shuffled, seed, class_names, stack)

    if subset == "both":
        return [dataset("training", shuffle), dataset("validation", False)]
    return dataset(subset, shuffle)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """The images of `directory` (.bmp, .gif, .jpeg, .jpg, .png), one subfolder per class, as batches.

    Returns a `FilesDataset` (a `keras.utils.PyDataset`; two in a list with `subset="both"`: training
    then validation, the latter not shuffled). Batch `i` is `(images, labels)`: images float32 of shape
    `(batch_size, height, width, channels)` (channels 1, 3 or 4 for color_mode "grayscale", "rgb",
    "rgba"; pixel values 0-255, not rescaled), labels as `label_mode` says: "int" int32 `(batch_size,)`,
    "categorical" float32 one-hot `(batch_size, num_classes)`, "binary" float32 `(batch_size, 1)`,
    None (or `labels=None`) no labels, images only. The last batch may be smaller. See the module's
    docstring for how it differs from Keras's tf.data.Dataset. `format` ("tf" or "grain") only picks
    Keras's input library; both give the same batches here.
    """
    if color_mode not in CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f"Received: color_mode={color_mode}")
    image_size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {INTERPOLATIONS} (Keras's 'gaussian' and "
                         f"'mitchellcubic' need TensorFlow). Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    _check_format(format)
    data_format = backend.image_data_format() if data_format is None else data_format
    num_channels, size = CHANNELS[color_mode], tuple(image_size)

    def load(path):
        return fit_image(read_image(path, num_channels), size, interpolation, crop_to_aspect_ratio,
                         pad_to_aspect_ratio, data_format)

    return files_datasets(directory, labels, label_mode, class_names, IMAGE_FORMATS, load, batch_size, shuffle,
                          seed, validation_split, subset, follow_links, verbose)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """The `.txt` files of `directory`, one subfolder per class, as batches of strings.

    Returns a `FilesDataset` (a `keras.utils.PyDataset`; two in a list with `subset="both"`). Batch `i`
    is `(texts, labels)`: texts a NumPy array of Python strings (dtype object, shape `(batch_size,)`),
    each file's text (its first `max_length` characters if given; Keras's tf.data version cuts bytes),
    labels as in `image_dataset_from_directory`. A model cannot take strings: pass them through a
    `TextVectorization` first, e.g. `train.map(lambda x, y: (vectorize(x), y))`.
    """
    _check_format(format)

    def load(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text if max_length is None else text[:max_length]

    return files_datasets(directory, labels, label_mode, class_names, (".txt",), load, batch_size, shuffle,
                          seed, validation_split, subset, follow_links, verbose, stack=_strings)


def _strings(texts):
    array = np.empty(len(texts), dtype="object")
    array[:] = texts
    return array


def _check_format(format):
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
