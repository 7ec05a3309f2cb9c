"""Which files a `*_dataset_from_directory` reads, with which labels, in which order: Keras's rules.

    main_directory/
        class_a/  a_image_1.jpg  a_image_2.jpg
        class_b/  b_image_1.jpg  b_image_2.jpg

With `labels="inferred"`, each subfolder is a class (sorted by name: class_a is 0, class_b is 1), and
the files of a class are found in it and in its subfolders, folders and files sorted by name. The
files are then shuffled once with NumPy's RandomState(seed) (paths and labels in the same order), and
`validation_split` keeps the last fraction of that order for validation. Training and validation
subsets made with the same seed are therefore disjoint, as in Keras.
"""

import os

import numpy as np


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras's errors for `validation_split` and `subset`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and "
                         "validation subset.")


def class_folders(directory, labels, class_names):
    """The class names, each a subfolder of `directory` (labels="inferred"), else `[""]` (the folder
    itself, no classes)."""
    if labels == "inferred":
        folders = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is None:
            return folders
        if not set(class_names) <= set(folders):
            raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                             f"target directory. Expected: {folders} (or a subset of it), but received: "
                             f"class_names={class_names}")
        return list(class_names)  # the order given
    if class_names is not None:
        if labels is None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
        raise ValueError("When argument `labels` is specified, argument `class_names` cannot be specified "
                         "(the `class_names` will be the sorted list of labels).")
    return [""]


def files_in(folder, formats, follow_links):
    """The files of `folder` and its subfolders whose names end with one of `formats` (any case),
    folders visited in sorted order, files sorted within each."""
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda entry: entry[0]):
        found += [os.path.join(root, name) for name in sorted(files) if name.lower().endswith(formats)]
    return found


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """`(file_paths, labels, class_names)`: labels an int32 array (class indices), the ones given,
    or None; class_names None when there are no labels."""
    if not os.path.isdir(directory):
        raise ValueError(f"The directory {directory!r} does not exist or is not a folder.")
    classes = class_folders(directory, labels, class_names)
    file_paths, indices = [], []
    for index, name in enumerate(classes):
        found = files_in(os.path.join(directory, name) if name else directory, formats, follow_links)
        file_paths += found
        indices += [index] * len(found)
    if labels == "inferred":
        labels = np.asarray(indices, dtype="int32")
    elif labels is None:
        classes = None
    else:
        if len(labels) != len(file_paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(file_paths)} "
                             f"files in directory {directory}.")
        classes = [str(label) for label in sorted(set(labels))]
    if verbose:
        print(f"Found {len(file_paths)} files." if labels is None else
              f"Found {len(file_paths)} files belonging to {len(classes)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        order = np.arange(len(file_paths))
        np.random.RandomState(seed).shuffle(order)  # what Keras's two shuffles with one seed amount to
        file_paths = [file_paths[i] for i in order]
        if labels is not None:
            labels = np.asarray(labels)[order]
    return file_paths, labels, classes


def training_or_validation_split(samples, labels, validation_split, subset):
    """The first `1 - validation_split` of the samples ("training") or the rest ("validation")."""
    if not validation_split:
        return samples, labels
    num_val_samples = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val_samples} files for training.")
        return samples[:-num_val_samples], None if labels is None else labels[:-num_val_samples]
    if subset == "validation":
        print(f"Using {num_val_samples} files for validation.")
        return samples[-num_val_samples:], None if labels is None else labels[-num_val_samples:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
