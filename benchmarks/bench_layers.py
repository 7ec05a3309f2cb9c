"""VGG19 (weights=None) as the functional guide uses it, against Keras 3 in the same run:

- its initial weights (143 million numbers, drawn when first read), CPU time. Target: <= 1.0x Keras 3;
- feature extraction: a model returning every layer's output, one 224x224 image, after the first
  call. Target: <= 1.0x Keras 3's time.

    .venv/bin/python benchmarks/bench_layers.py
"""

import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402


def extraction_time(keras, image, repeat=5):
    vgg19 = keras.applications.VGG19(weights=None)
    extractor = keras.Model(inputs=vgg19.input, outputs=[layer.output for layer in vgg19.layers])
    np.asarray(extractor(image)[-1])  # the first call builds and compiles
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        features = extractor(image)
        np.asarray(features[-1])
        best = min(best, time.perf_counter() - start)
    return best


def initial_weights_time(keras):
    """CPU seconds to build VGG19 and have every initial weight on the device."""
    start = time.process_time()
    vgg19 = keras.applications.VGG19(weights=None)
    for weight in vgg19.weights:
        getattr(weight, "value", weight).block_until_ready()
    return time.process_time() - start


def main():
    import keras as real_keras

    import kerasbook

    ours, theirs = initial_weights_time(kerasbook), initial_weights_time(real_keras)
    ratio = ours / theirs
    print(f"VGG19 initial weights (CPU time): kerasbook {ours:.2f}s, Keras 3 {theirs:.2f}s, "
          f"ratio {ratio:.3f} (target 1.00) {'ok' if ratio <= 1.0 else 'MISSED'}")
    image = np.random.default_rng(0).random((1, 224, 224, 3)).astype("float32")
    ours, theirs = extraction_time(kerasbook, image), extraction_time(real_keras, image)
    ratio = ours / theirs
    print(f"VGG19 feature extraction, 224x224: kerasbook {ours * 1e3:.1f}ms, Keras 3 {theirs * 1e3:.1f}ms, "
          f"ratio {ratio:.3f} (target 1.00) {'ok' if ratio <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
