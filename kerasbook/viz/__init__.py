"""Drawings of models and activations: graphviz diagrams (`diagrams`) and matplotlib plots (`activations`).

Nothing here is imported by `import kerasbook`; graphviz and matplotlib load when first drawn.
"""

from kerasbook.viz.diagrams import Diagram, model_to_dot, node_graph, plot_model


def __getattr__(name):
    if name in ("plot_activation", "activation_image"):
        from kerasbook.viz import activations
        return getattr(activations, name)
    raise AttributeError(f"module 'kerasbook.viz' has no attribute '{name}'")
