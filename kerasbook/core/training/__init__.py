"""Training: the compiled loop (`trainer.py`) and its parts: losses, metrics, optimizers, callbacks."""
