"""`keras.mixed_precision`: set the policy layers get by default, or give one layer its own.

```python
keras.mixed_precision.set_global_policy("mixed_bfloat16")  # float32 weights, bfloat16 computations
outputs = layers.Activation("softmax", dtype="float32")(x)  # probabilities back in float32
```

What a policy is and how a layer uses it: kerasbook/core/engine/dtype_policy.py.
"""

from kerasbook.core.engine.dtype_policy import (DTypePolicy, Policy, dtype_policy, get, global_policy,
                                                serialize, set_dtype_policy, set_global_policy)

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "get", "global_policy", "serialize",
           "set_dtype_policy", "set_global_policy"]


def __getattr__(name):
    """`keras.mixed_precision.LossScaleOptimizer` is the optimizer of that name, loaded when asked for:
    the optimizers load JAX, and the policy functions above must not (keras.config imports them)."""
    if name == "LossScaleOptimizer":
        from kerasbook.core.training.optimizers import LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError(f"module 'keras.mixed_precision' has no attribute {name!r}")
