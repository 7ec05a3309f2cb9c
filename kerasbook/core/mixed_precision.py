"""`keras.mixed_precision`: set the policy layers get by default, or give one layer its own.

```python
keras.mixed_precision.set_global_policy("mixed_bfloat16")  # float32 weights, bfloat16 computations
outputs = layers.Activation("softmax", dtype="float32")(x)  # probabilities back in float32
```

What a policy is and how a layer uses it: kerasbook/core/engine/dtype_policy.py.
"""

from kerasbook.core.engine.dtype_policy import (DTypePolicy, Policy, dtype_policy, get, global_policy,
                                                serialize, set_dtype_policy, set_global_policy)

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "get", "global_policy", "serialize", "set_dtype_policy",
           "set_global_policy"]
