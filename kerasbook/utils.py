"""`keras.utils`: the engine's helpers (`kerasbook/core/utils/`) and the model diagrams.

The diagrams are drawing (`kerasbook.viz`), and the engine never imports drawing code (imports point
one way: widgets -> viz -> core). So the public module sits on top of both: every name of
`kerasbook.core.utils`, plus `plot_model` and `model_to_dot`, which load graphviz only when called.
"""

from kerasbook.core import utils as _core


def __getattr__(name):
    return getattr(_core, name)


def __dir__():
    return sorted(set(dir(_core)) | {"plot_model", "model_to_dot"})


def plot_model(model, to_file=None, show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", **kwargs):
    """Draw the model's layers as a graph (graphviz); Keras's arguments, see `kerasbook.viz.diagrams`."""
    from kerasbook.viz import diagrams
    return diagrams.plot_model(model, to_file=to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                               show_layer_names=show_layer_names, rankdir=rankdir,
                               expand_nested=expand_nested, dpi=dpi,
                               show_layer_activations=show_layer_activations,
                               show_trainable=show_trainable, splines=splines, **kwargs)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    from kerasbook.viz import diagrams
    return diagrams.model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                                 show_layer_names=show_layer_names, rankdir=rankdir,
                                 expand_nested=expand_nested, dpi=dpi, subgraph=subgraph,
                                 show_layer_activations=show_layer_activations,
                                 show_trainable=show_trainable, splines=splines, **kwargs)
