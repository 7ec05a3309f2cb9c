"""ActivationExplorer driven from Python: what it draws (pages of channels on one colour scale, the
input, bar charts with labels, a classifier's top classes, sequences as heat maps), read from the
data its front-end draws and from its fallback picture."""

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.widgets.features import Features, check_batch


def cnn(name="cnn"):
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu", name="conv"),
                             layers.MaxPooling2D(name="pool"), layers.Flatten(name="flat"),
                             layers.Dense(10, activation="softmax", name="probs")], name=name)


def test_a_sample_without_the_batch_axis_names_the_shape_and_the_fix():
    model = cnn()
    x = np.zeros((3, 28, 28, 1), "float32")
    with pytest.raises(ValueError) as error:
        Features().compute(model, x[0])
    message = str(error.value)
    assert "(None, 28, 28, 1)" in message and "(28, 28, 1)" in message
    assert "x[None]" in message and "[:1]" in message
    with pytest.raises(ValueError, match=r"x has shape \(3, 28, 28, 3\)") as other:
        check_batch(model, np.zeros((3, 28, 28, 3)), who="GraphView")
    assert str(other.value).startswith("GraphView:") and "x[None]" not in str(other.value)
    check_batch(model, x)  # a batch passes
    assert len(Features().compute(model, x)) == 4
