"""`StackedRNNCells`: several recurrent cells that act as one, each feeding its output to the next at
every time step. `RNN([LSTMCell(8), LSTMCell(4)])` makes one, as in Keras.

A stack of two cells is one scan over time with both cells inside it; two RNN layers with
`return_sequences=True` compute the same thing in two scans. The stack's states are the cells' states,
one after the other (`state_size` flat: `[8, 8, 4, 4]` for the two LSTM cells above); `RNN(...,
return_state=True)` hands them back grouped per cell, as Keras does (`[[h1, c1], [h2, c2]]`).
"""

from kerasbook.core.engine.layer import Layer


def _sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) and not _is_shape(size) else [size]


def _is_shape(size):
    """A convolutional cell's state size is one shape, a tuple of ints, not a list of sizes."""
    return isinstance(size, tuple) and all(isinstance(n, int) for n in size) and len(size) > 1


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    return size if size is not None else _sizes(cell)[0]


class StackedRNNCells(Layer):
    """Cells run one above the other: `(batch, features)`, states -> `(batch, last cell's units)`."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f'StackedRNNCells "{self.name}": every cell needs `call(inputs, states)` and '
                                 f"`state_size`; received {cell!r}.")
            if getattr(cell, "dropout", 0) or getattr(cell, "recurrent_dropout", 0):
                raise NotImplementedError(
                    f'StackedRNNCells "{self.name}": kerasbook does not apply dropout inside a stack of cells '
                    f"(cell {cell.name!r} has dropout). Stack RNN layers with return_sequences=True instead.")
        self.cells = list(cells)

    @property
    def state_size(self):
        """Every cell's state sizes, one after the other."""
        return [size for cell in self.cells for size in _sizes(cell)]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def states_per_cell(self, states):
        """The flat states, grouped as Keras returns them: one list per cell."""
        grouped, start = [], 0
        for cell in self.cells:
            count = len(_sizes(cell))
            grouped.append(list(states[start:start + count]))
            start += count
        return grouped

    def build(self, input_shape):
        """Build each cell for the output of the one below it."""
        for cell in self.cells:
            if not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = (input_shape[0], _output_size(cell))

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, self.states_per_cell(states)):
            inputs, cell_states = cell.call(inputs, cell_states)
            new_states.extend(cell_states if isinstance(cell_states, (list, tuple)) else [cell_states])
        return inputs, new_states

    def get_config(self):
        from kerasbook.core.saving.serialization import serialize_keras_object
        return {**super().get_config(), "cells": [serialize_keras_object(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config):
        from kerasbook.core.saving.serialization import deserialize_keras_object
        config = dict(config)
        cells = [deserialize_keras_object(cell) for cell in config.pop("cells")]
        return cls(cells, **config)
