"""`keras.preprocessing.image`: images between files, PIL images and arrays (kerasbook/core/utils/images.py)."""

from kerasbook.core.utils.images import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
