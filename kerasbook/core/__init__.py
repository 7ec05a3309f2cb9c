"""The Keras-like engine on JAX. See docs/architecture.md for how a call flows through it."""
