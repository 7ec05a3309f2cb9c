"""Shared test set-up: the real `keras` package is the oracle, on its JAX backend."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
