"""`keras.preprocessing`: the older names of data helpers that now live in `keras.utils`, kept by Keras 3
because guides still use them (`keras.preprocessing.image.load_img`, `...sequence.pad_sequences`).
Every name here is the same function as in `keras.utils`.
"""

from kerasbook.core.preprocessing import image, sequence
from kerasbook.core.utils.dataset_from_directory import image_dataset_from_directory, text_dataset_from_directory
from kerasbook.core.utils.timeseries import timeseries_dataset_from_array

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
