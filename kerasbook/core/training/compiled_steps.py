"""The compiled steps of `fit`, `evaluate` and `predict`, and the checks on a user's step.

`CompiledStep` wraps one step function `(state, data) -> (logs or outputs, state)` in `jax.jit`, and
compiles it for the batch shapes an epoch will meet ahead of time, in a background thread. The step
it compiles is the model's own `train_step`, `test_step` or `predict_step` (Keras 3's JAX contract,
see trainer.py), wrapped by `checked_step`: a step written for Keras 2, or one that returns something
else than `(logs, state)`, is named in the error instead of failing deep inside JAX.
"""

import concurrent.futures
import inspect

import jax

from kerasbook.core import tree

from kerasbook.core.engine import state


class CompiledStep:
    """A jit-compiled step, plus executables compiled ahead of time in a background thread.

    XLA takes about a second to compile a train step; `compile_ahead` starts that work for a batch
    shape before it is needed, so the smaller last batch of an epoch and the validation step cost
    little or no waiting. One thread compiles them in order: two compilations at once would share
    the CPU and delay the first, which every step waits for.
    """

    _pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerasbook-compile")
    # A batch shape met once per epoch (the last, smaller batch) is compiled for compile speed: LLVM's
    # optimizations and XLA's fusion emitters off take a VAE step from 0.7 s to 0.15 s of compiling,
    # for one step an epoch that runs 2-3x slower.
    _QUICK = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}

    def __init__(self, fn, donate=False, layout=None):
        # `layout` (training/distribution.py's StepLayout): the shardings of the state and batches
        # under a keras.distribution; the step returns its state laid out as it came in.
        self.layout = layout
        self.jitted = jax.jit(fn, donate_argnums=0 if donate else (), **(layout.jit_options() if layout else {}))
        self.donate = donate
        self.ahead = {}

    def compile_ahead(self, groups, batch_spec, trace_here=False, once_per_epoch=False):
        """Start compiling for this batch shape. Tracing is Python work: done here when the result is
        needed first (`trace_here`), else in the background too, overlapping with the steps."""
        key = signature(batch_spec)
        if key in self.ahead:
            return
        values_spec = tuple([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in group] for group in groups)
        if self.layout is not None:  # compiled for the layouts the values and batches will have
            values_spec, batch_spec = self.layout.values_spec(groups), self.layout.batch_spec(batch_spec)
        options = self._QUICK if once_per_epoch else None
        if trace_here:
            lowered = self.jitted.lower(values_spec, batch_spec)
            self.ahead[key] = self._pool.submit(compile_with_options, lowered, options)
        else:
            self.ahead[key] = self._pool.submit(
                lambda: compile_with_options(self.jitted.lower(values_spec, batch_spec), options))

    def __call__(self, values, batch):
        """`(logs, new values)` of one step on `batch`."""
        future = self.ahead.get(signature(batch))
        compiled = future.result() if future is not None else self.jitted
        logs, new_values = compiled(values, batch)
        if self.donate:  # a donating step returns every value: its inputs are gone after it
            return logs, new_values
        # Others return None for a value they did not change (`state.unchanged_as_none`): keep it.
        return logs, tuple([old if new is None else new for new, old in zip(new_group, old_group)]
                           for new_group, old_group in zip(new_values, values))


def compile_with_options(lowered, options):
    """Compile with XLA `options`, or with the defaults if this jaxlib does not know one of them."""
    if options:
        try:
            return lowered.compile(compiler_options=options)
        except jax.errors.JaxRuntimeError:
            pass
    return lowered.compile()


def signature(batch):
    leaves, treedef = jax.tree_util.tree_flatten(batch)
    return treedef, tuple((a.shape, a.dtype) for a in leaves)


def batch_spec(batch, size):
    return tree.map_structure(
        lambda a: None if a is None else jax.ShapeDtypeStruct((size,) + a.shape[1:], a.dtype), batch)


# -- a user's step: checked, so that a mistake is named rather than silently ignored ----------
_STATE_PARTS = {
    "train": ("trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables"),
    "test": ("trainable_variables", "non_trainable_variables", "metrics_variables"),
    "predict": ("trainable_variables", "non_trainable_variables"),
}


def check_step_signature(model, kind):
    """A `train_step(self, data)` is Keras 2's (TensorFlow's) signature: say which one JAX uses."""
    method = getattr(model, f"{kind}_step")
    parameters = inspect.signature(method).parameters.values()
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return
    parts = ", ".join(_STATE_PARTS[kind])
    returns = "(outputs, non_trainable_variables)" if kind == "predict" else "(logs, state)"
    raise TypeError(
        f"{type(model).__name__}.{kind}_step takes ({', '.join(p.name for p in positional)}): that is the "
        f"Keras 2 (TensorFlow) signature. With the JAX backend Keras 3 calls {kind}_step(self, state, "
        f"data), where state = ({parts}) are lists of arrays, and expects it to return {returns}. "
        "See keras.io/guides/custom_train_step_in_jax.")


def checked_step(model, kind, groups):
    """`model.<kind>_step` as the pure function that is compiled: its result is checked while it is
    traced, and values a test or predict step did not change come back as None (not copied)."""
    user_step = getattr(model, f"{kind}_step")

    def step(values, data):
        result = user_step(values, data)
        if kind == "predict":
            outputs, non_trainable = _check_result(model, kind, result, values[1:], groups[1:])
            return outputs, ([None] * len(values[0]), state.unchanged_as_none(non_trainable, values[1]))
        logs, new_values = _check_result(model, kind, result, values, groups)
        if kind == "train":
            return logs, tuple(list(group) for group in new_values)
        return logs, tuple(state.unchanged_as_none(list(new), old) for new, old in zip(new_values, values))

    return step


def _check_result(model, kind, result, values, groups):
    name = f"{type(model).__name__}.{kind}_step"
    if kind == "predict":
        expected = "(outputs, non_trainable_variables)"
        parts = _STATE_PARTS[kind][1:]
    else:
        expected = f"(logs, state) with state = ({', '.join(_STATE_PARTS[kind])})"
        parts = _STATE_PARTS[kind]
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError(f"{name} must return {expected}; it returned {_describe(result)}.")
    first, new_state = result
    if kind == "predict":
        new_state = (new_state,)
    elif not isinstance(first, dict):
        raise ValueError(f"{name} must return {expected}, logs being a dict such as {{'loss': loss}}; "
                         f"its first item is {_describe(first)}.")
    if not isinstance(new_state, (tuple, list)) or len(new_state) != len(parts):
        raise ValueError(f"{name} must return {expected}; its state is {_describe(new_state)}.")
    for part, new, group in zip(parts, new_state, groups):
        if not isinstance(new, (tuple, list)) or len(new) != len(group):
            raise ValueError(f"{name} returned {part} as {_describe(new)}; expected a list of {len(group)} "
                             f"arrays, one for each of the model's {part}.")
    return first, tuple(new_state) if kind != "predict" else new_state[0]


def _describe(value):
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if hasattr(value, "shape"):
        return f"an array of shape {tuple(value.shape)}"
    return repr(value) if value is None else f"a {type(value).__name__}"
