"""Adaptive pooling: the maximum or mean over as many bins as `output_size` asks for, whatever the
input's size. `AdaptiveAveragePooling2D((7, 7))` turns a 13x13 or a 224x224 feature map into 7x7, as a
classifier head before `Flatten` needs (PyTorch's AdaptiveAvgPool2d). Each output position pools its
own bin of the input: bin `i` of `n` over a length `L` spans `floor(i*L/n)` to `ceil((i+1)*L/n)`, so
bins may overlap by one position when `L` is not a multiple of `n`.

Shapes, channels last: `(batch, *spatial, channels)` -> `(batch, *output_size, channels)`."""

from kerasbook.core.engine.layer import Layer
from kerasbook.core.layers import arguments
from kerasbook.core.ops import nn


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis into a fixed number of bins. `rank` spatial axes; `pool` is
    `nn.adaptive_max_pool` or `nn.adaptive_average_pool`."""
    rank = None
    pool = None
    keeps_input_dtype = True

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = self._sizes(output_size)
        self.data_format = arguments.data_format(self, data_format)

    def _sizes(self, output_size):
        """`output_size=7` on a 2D layer means (7, 7); a tuple must have one size per spatial axis."""
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            return (output_size,) * self.rank
        if isinstance(output_size, (tuple, list)) and len(output_size) == self.rank:
            return tuple(output_size)
        raise TypeError(f"{type(self).__name__}: `output_size` must be an integer or a tuple of "
                        f"{self.rank} integers. Received: {output_size!r} of type {type(output_size)}")

    def call(self, inputs):
        return type(self).pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], *self.output_size)
        return (input_shape[0], *self.output_size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


def _adaptive(name, rank, pool, what, shape):
    doc = f"The {what} over `output_size` bins of each spatial axis: `{shape}`."
    return type(name, (BaseAdaptivePooling,), {"rank": rank, "pool": staticmethod(pool), "__doc__": doc})


AdaptiveAveragePooling1D = _adaptive("AdaptiveAveragePooling1D", 1, nn.adaptive_average_pool, "mean",
                                     "(batch, steps, channels) -> (batch, output_size, channels)")
AdaptiveAveragePooling2D = _adaptive("AdaptiveAveragePooling2D", 2, nn.adaptive_average_pool, "mean",
                                     "(batch, h, w, channels) -> (batch, *output_size, channels)")
AdaptiveAveragePooling3D = _adaptive("AdaptiveAveragePooling3D", 3, nn.adaptive_average_pool, "mean",
                                     "(batch, d, h, w, channels) -> (batch, *output_size, channels)")
AdaptiveMaxPooling1D = _adaptive("AdaptiveMaxPooling1D", 1, nn.adaptive_max_pool, "maximum",
                                 "(batch, steps, channels) -> (batch, output_size, channels)")
AdaptiveMaxPooling2D = _adaptive("AdaptiveMaxPooling2D", 2, nn.adaptive_max_pool, "maximum",
                                 "(batch, h, w, channels) -> (batch, *output_size, channels)")
AdaptiveMaxPooling3D = _adaptive("AdaptiveMaxPooling3D", 3, nn.adaptive_max_pool, "maximum",
                                 "(batch, d, h, w, channels) -> (batch, *output_size, channels)")
