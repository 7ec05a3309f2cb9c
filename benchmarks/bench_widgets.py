"""Widget speed: how long a student waits after changing a model or picking a layer.

    .venv/bin/python benchmarks/bench_widgets.py

Targets: `LiveSummary` re-render for a 100-layer model <= 20 ms (measured as a change that
notifies it: freezing a layer); `ActivationExplorer` layer switch on VGG19 at 224x224, after the
first call, <= 100 ms (median over all layers; the worst is printed too). If
`kerasbook.core.applications.VGG19` does not exist yet, the same VGG19-shaped stack is built from
`layers.Conv2D`/`MaxPooling2D`, or, without those, from two tiny conv and pool layers defined here on
`jax.lax` (the widget's work - slicing cached activations and drawing them - is the same).
"""

import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402

import kerasbook as keras  # noqa: E402
from kerasbook import layers  # noqa: E402
from kerasbook.widgets import ActivationExplorer, LiveSummary  # noqa: E402

VGG19_BLOCKS = [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]


class _Conv(keras.Layer):
    """3x3 'same' convolution + ReLU (only used when layers.Conv2D is not written yet)."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(3, 3, input_shape[-1], self.filters), name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (self.filters,)

    def call(self, x):
        y = jax.lax.conv_general_dilated(x, self.kernel.value, (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jax.nn.relu(y + self.bias.value)


class _Pool(keras.Layer):
    def compute_output_shape(self, s):
        return (s[0], s[1] // 2, s[2] // 2, s[3])

    def call(self, x):
        return jax.lax.reduce_window(x, -np.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def vgg19():
    try:
        from kerasbook.core.applications import VGG19
        return VGG19(weights=None, input_shape=(224, 224, 3)), "kerasbook.applications.VGG19"
    except ImportError:
        pass
    conv = getattr(layers, "Conv2D", None)
    pool = getattr(layers, "MaxPooling2D", None)
    make_conv = (lambda f, n: conv(f, 3, padding="same", activation="relu", name=n)) if conv else \
        (lambda f, n: _Conv(f, name=n))
    make_pool = (lambda n: pool(2, name=n)) if pool else (lambda n: _Pool(name=n))
    stack = [keras.Input((224, 224, 3))]
    for b, (filters, count) in enumerate(VGG19_BLOCKS, 1):
        stack += [make_conv(filters, f"block{b}_conv{i}") for i in range(1, count + 1)]
        stack.append(make_pool(f"block{b}_pool"))
    stack += [layers.Flatten(name="flatten"), layers.Dense(4096, activation="relu", name="fc1"),
              layers.Dense(4096, activation="relu", name="fc2"), layers.Dense(1000, name="predictions")]
    source = "layers.Conv2D stack" if conv else "stand-in conv stack on jax.lax (no Conv2D yet)"
    return keras.Sequential(stack, name="vgg19"), f"VGG19-shaped {source}"


def bench_live_summary():
    model = keras.Sequential([keras.Input((16,))] + [layers.Dense(16, name=f"d{i}") for i in range(100)],
                             name="deep")
    widget = LiveSummary(model)
    layer = model.layers[50]
    times = []
    for i in range(30):
        renders = widget.renders
        start = time.perf_counter()
        widget.refresh()
        times.append(time.perf_counter() - start)
        assert widget.renders == renders + 1
    freeze = []
    for i in range(10):
        start = time.perf_counter()
        layer.trainable = bool(i % 2)  # notifies the widget, which redraws
        freeze.append(time.perf_counter() - start)
    widget.close()
    return statistics.median(times), statistics.median(freeze)


def bench_activation_explorer():
    model, source = vgg19()
    x = np.random.default_rng(0).random((1, 224, 224, 3)).astype("float32")
    start = time.perf_counter()
    explorer = ActivationExplorer(model, x)
    first = time.perf_counter() - start
    titles = list(explorer.layer.options)
    for title in titles:  # warm up: every layer drawn once
        explorer.layer.value = title
    times = []
    for title in titles[1:] + titles[:1]:
        start = time.perf_counter()
        explorer.layer.value = title
        times.append(time.perf_counter() - start)
    channel = []
    explorer.layer.value = titles[0]
    for value in (16, 32, 48, 0):
        start = time.perf_counter()
        explorer.channel.value = value
        channel.append(time.perf_counter() - start)
    assert explorer.extractions == 1
    explorer.close()
    return source, first, statistics.median(times), max(times), statistics.median(channel)


if __name__ == "__main__":
    render, freeze = bench_live_summary()
    print(f"LiveSummary, 100 Dense layers: re-render {render * 1e3:.1f} ms, freeze a layer (2 "
          f"notifications) {freeze * 1e3:.1f} ms (target <= 20 ms)")
    source, first, median, worst, channel = bench_activation_explorer()
    print(f"ActivationExplorer on {source}, 224x224: first call (compile + run + draw) {first:.2f} s; "
          f"layer switch median {median * 1e3:.1f} ms, worst {worst * 1e3:.1f} ms; channel step "
          f"{channel * 1e3:.1f} ms (target <= 100 ms)")
