"""`Input` and `InputLayer`: where a functional model's graph starts.

`keras.Input(shape=(784,))` makes an `InputLayer` whose single node has no inputs and one output: a
symbolic tensor of shape `(None, 784)` (None: the batch size is not fixed).
"""

from kerasbook.core.engine.layer import Layer
from kerasbook.core.engine.node import Node
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.engine.variables import standardize_shape
from kerasbook.core.layers import arguments


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if "batch_input_shape" in kwargs:  # Keras 2's spelling, as found in old configs
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **{k: v for k, v in kwargs.items() if k == "trainable"})
        arguments.only_default(self, ragged=(bool(ragged), False))  # None or False: not ragged
        if batch_shape is not None:
            batch_shape = standardize_shape(batch_shape)
        elif shape is not None:
            batch_shape = (batch_size,) + standardize_shape(shape)
        elif input_tensor is not None:
            batch_shape = input_tensor.shape
        else:
            raise ValueError("An Input needs a `shape` (without the batch size), e.g. "
                             "keras.Input(shape=(784,)), or a `batch_shape`.")
        if any(d is not None and d < 0 for d in batch_shape):
            raise ValueError(f'Input "{self.name}": sizes in a shape cannot be negative (None is an unknown '
                             f"size). Received: shape={tuple(batch_shape[1:]) if shape is not None else batch_shape}")
        self.batch_shape = batch_shape
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        tensor = input_tensor if input_tensor is not None else KerasTensor(batch_shape, self.dtype,
                                                                           name=self.name)
        Node(self, (), {}, tensor)

    def call(self):
        raise RuntimeError("An InputLayer is not called; it only marks where a model's data comes in.")

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}  # Keras's keys and order

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic tensor to build a functional model from: `keras.Input(shape=(784,))`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, optional=optional, name=name)
    return layer.output
