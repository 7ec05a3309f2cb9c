"""Prints the per-epoch losses of a small fit as JSON; run with different XLA device counts."""

import json

import jax
import numpy as np

import kerasbook as keras
from kerasbook import layers

keras.utils.set_random_seed(3)
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 12)).astype("float32")
y = rng.integers(0, 4, size=(96,))
model = keras.Sequential([keras.Input((12,)), layers.Dense(16, activation="relu"), layers.Dense(4)])
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
placed = model._place_one(x[:16])  # how fit lays out a batch
print(json.dumps({"devices": jax.device_count(), "batch_on": len(getattr(placed, "devices", lambda: [None])()),
                  "loss": history.history["loss"],
                  "prediction": model.predict(x[:4], verbose=0).tolist()}))
