"""The six options a kernel and a bias are made with: an initializer, a regularizer and a constraint
for each. Dense, EinsumDense, the convolutions and the attention layers take them under Keras's names
(`kernel_initializer`, ..., `bias_constraint`), keep them as objects and write them back in their
configs the same way; this module does both once.
"""

from kerasbook.core import constraints, initializers, regularizers


def keep(layer, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
         kernel_constraint, bias_constraint):
    """Set the six options on `layer`, each given as a name, a config or an object (`"glorot_uniform"`,
    `{"class_name": "L2", ...}`, `keras.constraints.MaxNorm(2)`), as the object."""
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def config(layer, activity=False):
    """The six options of `layer`, serialized for get_config in Keras's order. `activity=True` adds the
    layer's `activity_regularizer` between the regularizers and the constraints, where the layers
    whose Keras config always names it (convolutions, EinsumDense, attention) write it; Dense leaves
    it to the base Layer, which writes it only when there is one."""
    options = {"kernel_initializer": initializers.serialize(layer.kernel_initializer),
               "bias_initializer": initializers.serialize(layer.bias_initializer),
               "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
               "bias_regularizer": regularizers.serialize(layer.bias_regularizer)}
    if activity:
        options["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
    return {**options, "kernel_constraint": constraints.serialize(layer.kernel_constraint),
            "bias_constraint": constraints.serialize(layer.bias_constraint)}
