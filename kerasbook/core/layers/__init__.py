"""Every layer, by family. `from kerasbook import layers` gives this module."""

from kerasbook.core.input_spec import InputSpec
from kerasbook.core.layer import Layer
from kerasbook.core.layers.core import Activation, Dense, Embedding, Identity, Lambda, Masking
from kerasbook.core.layers.input_layer import Input, InputLayer
from kerasbook.core.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                           Subtract, add, average, concatenate, dot, maximum, minimum,
                                           multiply, subtract)
from kerasbook.core.layers.regularization import Dropout
from kerasbook.core.layers.reshaping import Flatten, Reshape
