"""`keras.ops`: the operations layers are written with. One backend (JAX), so no dispatch layer:
each op is a `jax.numpy`/`jax.lax`/`jax.nn` function, or a few lines around one."""

from kerasbook.core.ops.core import *  # noqa: F401,F403
from kerasbook.core.ops.core import slice  # noqa: F401  (shadows the builtin, as in Keras)
from kerasbook.core.ops.nn import *  # noqa: F401,F403
from kerasbook.core.ops.numpy import *  # noqa: F401,F403
