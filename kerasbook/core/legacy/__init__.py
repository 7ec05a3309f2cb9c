"""`keras.legacy`: what Keras 3 keeps of tf.keras's formats (kerasbook: the legacy saving functions)."""

from kerasbook.core.legacy import saving

__all__ = ["saving"]
