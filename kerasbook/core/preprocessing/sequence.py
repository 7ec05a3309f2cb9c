"""`keras.preprocessing.sequence`: token lists as one array (kerasbook/core/utils/sequences.py)."""

from kerasbook.core.utils.sequences import pad_sequences

__all__ = ["pad_sequences"]
