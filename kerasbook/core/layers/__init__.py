"""Every layer, by family. `from kerasbook import layers` gives this module."""

from kerasbook.core.engine.input_spec import InputSpec
from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers.core import Activation, Dense, Embedding, Identity, Lambda, Masking
from kerasbook.core.layers.input_layer import Input, InputLayer
from kerasbook.core.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                           Subtract, add, average, concatenate, dot, maximum, minimum,
                                           multiply, subtract)
from kerasbook.core.layers.regularization import Dropout
from kerasbook.core.layers.reshaping import Flatten, Reshape
from kerasbook.core.layers.convolutional import Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from kerasbook.core.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D,
                                           AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
                                           GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
                                           GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D,
                                           GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                                           GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D,
                                           MaxPooling2D, MaxPooling3D)
from kerasbook.core.layers.recurrent import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN,
                                             SimpleRNNCell)
from kerasbook.core.layers.wrappers import TimeDistributed
from kerasbook.core.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                                UnitNormalization)
from kerasbook.core.layers.shaping import (Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, UpSampling1D,
                                           UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from kerasbook.core.layers.convolutional import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, DepthwiseConv1D,
                                                 DepthwiseConv2D, SeparableConv1D, SeparableConv2D)
from kerasbook.core.layers.noise import (ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise,
                                         SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from kerasbook.core.layers.recurrent import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kerasbook.core.layers.stacked_cells import StackedRNNCells
from kerasbook.core.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from kerasbook.core.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Hashing,
                                                 Normalization, RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                                 RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing,
                                                 IntegerLookup, StringLookup, TextVectorization, HashedCrossing)
from kerasbook.core.layers.attention import AdditiveAttention, Attention
from kerasbook.core.layers.multi_head_attention import MultiHeadAttention
from kerasbook.core.layers.normalization import RMSNormalization
from kerasbook.core.layers.einsum_dense import EinsumDense
from kerasbook.core.layers.grouped_query_attention import GroupQueryAttention
from kerasbook.core.layers.convolutional import (Convolution1DTranspose, Convolution2DTranspose,
                                                 Convolution3DTranspose, SeparableConvolution1D,
                                                 SeparableConvolution2D)
from kerasbook.core.layers.preprocessing import (AutoContrast, RandomGrayscale, RandomInvert, RandomPosterization,
                                                 Solarization, RandomColorDegeneration, RandomHue,
                                                 RandomSaturation, RandomSharpness, RandomColorJitter)
from kerasbook.core.layers.adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                                    AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                                                    AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)


def serialize(layer):
    """A layer as Keras 3's dict (`{"module", "class_name", "config", ...}`), as `keras.layers.serialize`."""
    from kerasbook.core.saving.serialization import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a Keras 3 dict describes, as `keras.layers.deserialize`."""
    from kerasbook.core.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)
