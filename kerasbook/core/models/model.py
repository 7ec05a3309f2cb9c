"""`Model`: a layer that can be trained, saved and summarized.

`keras.Model(inputs, outputs)` gives a functional model (see `functional.py`); subclassing
`keras.Model` and writing `call` gives a subclassed one, and a subclass called with inputs and
outputs (`CustomModel(inputs, outputs)`, to override `train_step`) is a functional model of that
class. Calling a functional or Sequential model on arrays runs `stateless_call` compiled with
`jax.jit` (`_compiled_call`), once per input signature; `predict` runs the same compiled function,
and `fit`'s steps call `stateless_call` too.
"""

import functools

from kerasbook.core import tree

from kerasbook.core.engine import call_context, state
from kerasbook.core.engine.layer import Layer
from kerasbook.core.models import recent_results
from kerasbook.core.models.compiled_calls import CompiledBySignature
from kerasbook.core.engine.tensor import KerasTensor
from kerasbook.core.engine.variables import materialize
from kerasbook.core.training.trainer import Trainer


class Model(Trainer, Layer):
    def __new__(cls, *args, **kwargs):
        if len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs:
            from kerasbook.core.models.functional import Functional
            if cls is Model:
                return Functional.__new__(Functional, *args, **kwargs)
            # A subclass's own arguments (VariationalAutoEncoder(784, 64, 32)) are not inputs and
            # outputs: only symbolic tensors make `CustomModel(inputs, outputs)` functional.
            if _symbolic_inputs_and_outputs(args, kwargs) and not issubclass(cls, Functional):
                _make_functional(cls, Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(f"{type(self).__name__} is a subclassed model: call `super().__init__()` "
                            "without inputs and outputs, or build a functional model with "
                            "keras.Model(inputs, outputs).")
        super().__init__(**kwargs)
        object.__setattr__(self, "_jit_cache", {})
        object.__setattr__(self, "_step_cache", {})

    @property
    def layers(self):
        return self._layers

    def get_layer(self, name=None, index=None):
        """A layer by `name`, or by `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide either a layer `name` or an `index`, not both.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Asked for layer {index}, but model \"{self.name}\" has only "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f'No such layer: "{name}". Model "{self.name}" has layers '
                         f"{[layer.name for layer in self.layers]}.")

    def build(self, input_shape=None):
        """Create the weights by running `call` on an abstract input of `input_shape`."""
        if input_shape is None:
            raise ValueError(f'Model "{self.name}".build() needs an input shape such as (None, 16).')
        from kerasbook.core.engine.symbolic import eval_shape
        shapes = _shape_structure(input_shape)
        if isinstance(shapes, tuple):
            example = KerasTensor(shapes)
        elif isinstance(shapes, dict):
            example = {k: KerasTensor(s) for k, s in shapes.items()}
        else:
            example = [KerasTensor(s) for s in shapes]
        eval_shape(self, lambda x: self.call(x), (example,), {})
        self.built = True
        self._notify("build")

    def _build_for(self, args):
        if type(self).build is Model.build:  # the default: build by tracing call
            first = args[0]
            if isinstance(first, dict):
                self.build({k: tuple(x.shape) for k, x in first.items()})
            elif isinstance(first, (list, tuple)):
                self.build([tuple(x.shape) for x in first])
            else:
                self.build(tuple(first.shape))
        else:
            super()._build_for(args)

    # -- the jit-compiled call -----------------------------------------------------------------
    def _jit_callable(self):
        """Functional and Sequential models run their graph compiled; subclassed ones run as written."""
        return False

    def __call__(self, *args, **kwargs):
        if (not self._jit_callable() or len(args) != 1 or call_context.current() is not None
                or state.current_scope() is not None
                or any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs)))
                or set(kwargs) - {"training"}):
            return super().__call__(*args, **kwargs)
        if not self.built:
            self._build_for((tree.map_structure(_as_array, args[0]),))
        return self._run_compiled(args[0], training=bool(kwargs.get("training") or False))

    def _call_in_scope(self, *args, **kwargs):
        """Inside `stateless_call`: the layer's call itself, not `Model.__call__` again."""
        return Layer.__call__(self, *args, **kwargs)

    def _run_compiled(self, inputs, training=False):
        """`model(x)` on arrays: the compiled `stateless_call`; new non-trainable values (a
        BatchNormalization's statistics in training) are written back, added losses kept."""
        inputs = tree.map_structure(_as_array, inputs)
        groups = (self.trainable_variables, self.non_trainable_variables)
        materialize(groups[0] + groups[1])
        outputs, new_values, losses = self._compiled_call(training, groups)(
            ([v.value for v in groups[0]], [v.value for v in groups[1]]), inputs)
        for variable, value in zip(groups[1], new_values):
            if value is not None:
                variable._value = value
        if not training and not isinstance(inputs, dict) and getattr(self, "_nodes", None):
            # a functional model's results, for a widget asking for the same arrays (recent_results)
            recent_results.remember(self, tree.flatten(inputs), groups[0] + groups[1], tree.flatten(outputs))
        self._clear_losses()
        if losses:  # they end with the weights' regularization, which `losses` adds itself
            self._losses.extend(losses[:len(losses) - len(self._regularization_losses_weights())])
        return outputs

    def _compiled_call(self, training, groups=None):
        """`stateless_call` compiled: `((trainable, non_trainable), x) -> (outputs, new non-trainable
        values or None where unchanged, losses)`, kept while the variables (`groups`: trainable and
        non-trainable, read once by the caller) stay the same."""
        groups = groups or (self.trainable_variables, self.non_trainable_variables)
        key = (training, tuple(id(v) for group in groups for v in group))
        fn = self._jit_cache.get(key)
        if fn is None:
            for stale in [k for k in self._jit_cache if k[1] != key[1]]:  # weights added or removed
                del self._jit_cache[stale]
            fn = self._jit_cache[key] = CompiledBySignature(functools.partial(self._pure_call, training=training))
        return fn

    def _pure_call(self, values, inputs, training=False):
        trainable, non_trainable = values
        outputs, new_values, losses = self.stateless_call(trainable, non_trainable, inputs,
                                                          return_losses=True, training=training)
        return outputs, state.unchanged_as_none(new_values, non_trainable), losses

    def _clear_jit_cache(self):
        self._jit_cache.clear()

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save architecture, weights and optimizer state to a `.keras` file that Keras 3 opens."""
        from kerasbook.core.saving import keras_file
        keras_file.save_model(self, filepath, overwrite=overwrite)

    def to_json(self, **kwargs):
        """The model's architecture (no weights) as Keras 3's JSON; `keras.models.model_from_json`
        rebuilds it. `kwargs` go to `json.dumps` (e.g. `indent=2`)."""
        import json
        from kerasbook.core.saving.serialization import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    def save_weights(self, filepath, overwrite=True):
        from kerasbook.core.saving import weights_file
        weights_file.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Weights from a file: Keras 3's `.weights.h5` or `.keras`, or Keras 2's `.h5` (ImageNet files)."""
        from kerasbook.core import saving
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layers with their output shapes and parameter counts, in Keras 3's layout."""
        from kerasbook.core.models import summary
        summary.print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                              expand_nested=expand_nested, show_trainable=show_trainable,
                              layer_range=layer_range)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional or Sequential config (it lists `layers`) rebuilds that kind of model."""
        from kerasbook.core.saving import functional_config
        if "layers" in config and "input_layers" in config:
            return functional_config.deserialize_functional(config, custom_objects=custom_objects)
        if "layers" in config:
            return functional_config.deserialize_sequential(config, custom_objects=custom_objects)
        return super().from_config(config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _symbolic_inputs_and_outputs(args, kwargs):
    """True when the arguments are `(inputs, outputs)` made of symbolic tensors (KerasTensors)."""
    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    if inputs is None or outputs is None:
        return False
    return all(isinstance(x, KerasTensor) for x in tree.flatten([inputs, outputs]))


def _make_functional(cls, functional):
    """Put Functional in place of Model among `cls`'s ancestors, as Keras does, so that a subclass
    called with inputs and outputs is a functional model whose overrides (train_step, ...) count."""
    if cls is Model:
        return functional
    if cls is object or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_make_functional(base, functional) for base in cls.__bases__)
    return cls


def _as_array(x):
    import jax.numpy as jnp
    import numpy as np
    if isinstance(x, (np.ndarray, list, float, int, np.generic)):
        return jnp.asarray(x)
    return x


def _shape_structure(input_shape):
    """`(None, 16)` is one shape; `[(None, 16), (None, 8)]` is two."""
    if isinstance(input_shape, dict):
        return {k: tuple(v) for k, v in input_shape.items()}
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return [tuple(s) for s in input_shape]
    return tuple(input_shape)
