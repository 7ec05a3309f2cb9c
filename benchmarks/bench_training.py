"""Training speed: kerasbook against a hand-written jax.jit + optax loop and against Keras 3.

    .venv/bin/python benchmarks/bench_training.py [--quick]

Targets (issue: training): the subclassing guide's VAE (784-64-32, batch 64), one epoch over 60,000
rows, compile time included: <= 1.15x the hand-written loop and <= 0.65x Keras 3; the Keras 2 guide's
headline model (Embedding, LSTM(32), two outputs), 10 epochs on 1,024 rows: <= 0.8x Keras 3;
`predict` of a trained model on 10,000 rows: <= 0.8x Keras 3; a TrainingMonitor among the callbacks
of the VAE epoch: <= 1.05x the same epoch without it (issue 12). The data are random: only time matters.
`--quick` runs a tenth of the VAE epoch (for a smoke test).

Both libraries are fully imported, and JAX started, before any timing: `import keras` loads all of
Keras, while kerasbook imports its modules on first use, which would otherwise be counted inside the
first fit.
"""

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402


def vae_classes(keras):
    layers, ops = keras.layers, keras.ops

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class VAE(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.enc = layers.Dense(64, activation="relu")
            self.mean = layers.Dense(32)
            self.log_var = layers.Dense(32)
            self.sampling = Sampling()
            self.dec = layers.Dense(64, activation="relu")
            self.out = layers.Dense(784, activation="sigmoid")

        def call(self, inputs):
            h = self.enc(inputs)
            z_mean, z_log_var = self.mean(h), self.log_var(h)
            z = self.sampling((z_mean, z_log_var))
            self.add_loss(-0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1))
            return self.out(self.dec(z))

    return VAE


def time_vae_fit(keras, x):
    start = time.perf_counter()
    vae = vae_classes(keras)()
    vae.compile(keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.MeanSquaredError())
    vae.fit(x, x, epochs=1, batch_size=64, verbose=0, shuffle=True)
    return time.perf_counter() - start


def time_vae_monitor(keras, x, repeats=5):
    """One VAE epoch with a TrainingMonitor among the callbacks and one without, on the same
    compiled model (compiling excluded, so the monitor's share is not hidden by it): the best of
    `repeats` each, alternating. Issue 12: the monitor costs at most 5% of the epoch. (Timing the
    monitor's hooks alone would mislead: a throttled read of the loss waits for the device, which
    is busy with steps it would run anyway.)"""
    from kerasbook.widgets import TrainingMonitor

    vae = vae_classes(keras)()
    vae.compile(keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.MeanSquaredError())
    vae.fit(x, x, epochs=1, batch_size=64, verbose=0)  # compiles
    with_monitor, without = float("inf"), float("inf")
    for _ in range(repeats):
        for callbacks in ([TrainingMonitor()], []):
            start = time.perf_counter()
            vae.fit(x, x, epochs=1, batch_size=64, verbose=0, callbacks=callbacks)
            elapsed = time.perf_counter() - start
            if callbacks:
                with_monitor = min(with_monitor, elapsed)
            else:
                without = min(without, elapsed)
    return with_monitor, without


def time_vae_jax(x):
    """The same math written by hand: the bar a framework's training loop is measured against."""
    import jax
    import jax.numpy as jnp
    import optax

    start = time.perf_counter()

    def dense(key, n_in, n_out):
        limit = np.sqrt(6 / (n_in + n_out))
        return [jax.random.uniform(key, (n_in, n_out), minval=-limit, maxval=limit), jnp.zeros(n_out)]

    keys = jax.random.split(jax.random.key(0), 6)
    params = [dense(keys[0], 784, 64), dense(keys[1], 64, 32), dense(keys[2], 64, 32),
              dense(keys[3], 32, 64), dense(keys[4], 64, 784)]
    optimizer = optax.adam(1e-3, eps=1e-7)
    opt_state = optimizer.init(params)

    def loss_fn(params, batch, key):
        (w1, b1), (wm, bm), (wv, bv), (w2, b2), (w3, b3) = params
        h = jax.nn.relu(batch @ w1 + b1)
        z_mean, z_log_var = h @ wm + bm, h @ wv + bv
        z = z_mean + jnp.exp(0.5 * z_log_var) * jax.random.normal(key, z_mean.shape)
        recon = jax.nn.sigmoid(jax.nn.relu(z @ w2 + b2) @ w3 + b3)
        kl = -0.5 * jnp.mean(z_log_var - z_mean ** 2 - jnp.exp(z_log_var) + 1)
        return jnp.mean((batch - recon) ** 2) + kl

    @jax.jit
    def step(params, opt_state, batch, key):
        loss, grads = jax.value_and_grad(loss_fn)(params, batch, key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    order = np.random.permutation(len(x))
    key = jax.random.key(1)
    for i in range(0, len(x), 64):
        key, sub = jax.random.split(key)
        params, opt_state, loss = step(params, opt_state, x[order[i:i + 64]], sub)
    jax.block_until_ready(params)
    return time.perf_counter() - start


def headline(keras):
    layers = keras.layers
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=512, input_dim=10000)(main_input)
    lstm_out = layers.LSTM(32)(x)
    aux_output = layers.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = keras.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([lstm_out, aux_input])
    for _ in range(3):
        x = layers.Dense(64, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    model = keras.Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])
    model.compile(optimizer="rmsprop", loss=["binary_crossentropy", "binary_crossentropy"],
                  loss_weights=[1.0, 0.2])  # Keras 3 wants one loss per output
    return model


def time_headline(keras):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 10000, (1024, 100))
    extra = rng.normal(size=(1024, 5)).astype("float32")
    labels = rng.integers(0, 2, (1024, 1)).astype("float32")
    start = time.perf_counter()
    model = headline(keras)
    model.fit([tokens, extra], [labels, labels], epochs=10, batch_size=32, verbose=0)
    return time.perf_counter() - start


def time_predict(keras):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    x = np.random.default_rng(0).normal(size=(10000, 784)).astype("float32")
    model.predict(x, verbose=0)  # the model is trained or not: predict's cost is the same
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        model.predict(x, verbose=0)
        best = min(best, time.perf_counter() - start)
    return best


def import_everything(package):
    """Import every module of `package` now, as `import keras` does for Keras."""
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)


def main():
    import keras as real_keras

    import kerasbook

    # The engine is timed here, not JAX's persistent compilation cache (bench_first_result.py times that):
    # with the cache on, the libraries compared in this process would load programs it kept from earlier
    # runs, and compile times would depend on what ran before.
    kerasbook.config.set_compilation_cache(False)
    import_everything(kerasbook)
    import jax
    # JAX starts its CPU client on first use: start it now, so that the library timed first (ours)
    # does not pay for it.
    jax.jit(lambda a: a + 1)(np.ones(1)).block_until_ready()

    rows = 6000 if "--quick" in sys.argv else 60000
    x = np.random.default_rng(0).random((rows, 784), dtype=np.float32)
    results = []
    ours, jax_loop, theirs = time_vae_fit(kerasbook, x), time_vae_jax(x), time_vae_fit(real_keras, x)
    results.append(("VAE epoch vs hand-written JAX + optax", ours, jax_loop, 1.15))
    results.append(("VAE epoch vs Keras 3", ours, theirs, 0.65))
    results.append(("VAE epoch, TrainingMonitor vs none", *time_vae_monitor(kerasbook, x), 1.05))
    if hasattr(kerasbook.layers, "LSTM"):
        results.append(("headline model, 10 epochs, vs Keras 3", time_headline(kerasbook),
                        time_headline(real_keras), 0.8))
    else:
        print("headline model: skipped, kerasbook has no LSTM layer yet")
    results.append(("predict 10,000 rows vs Keras 3", time_predict(kerasbook), time_predict(real_keras), 0.8))

    print(f"{'measure':42} {'kerasbook':>10} {'reference':>10} {'ratio':>7} {'target':>7}")
    for name, ours, ref, target in results:
        ratio = ours / ref
        print(f"{name:42} {ours:9.3f}s {ref:9.3f}s {ratio:7.3f} {target:7.2f} "
              f"{'ok' if ratio <= target else 'MISSED'}")


if __name__ == "__main__":
    main()
