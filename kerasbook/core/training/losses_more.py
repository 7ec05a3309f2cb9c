"""Three losses beyond the classic ones, as Keras 3 has them: CTC (sequence labelling without aligned
targets), Circle (metric learning on embeddings) and Generalized Cross Entropy (labels with noise).
Functions first, then their classes; kerasbook/core/training/losses.py registers them with the others.
"""

import jax
import jax.numpy as jnp

from kerasbook.core.training.losses import Loss


def ctc(y_true, y_pred):
    """Connectionist temporal classification: `y_true` `(batch, max_length)` integer labels where 0 is
    the blank (padding) and never a class; `y_pred` `(batch, time, classes)` logits, not softmaxed.
    Every time step of `y_pred` counts; the zeros of `y_true` are left out of its label sequence."""
    from kerasbook.core.ops import nn
    if jnp.ndim(y_true) != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in "
                         f"integer format. Received: y_true.shape={jnp.shape(y_true)}")
    if jnp.ndim(y_pred) != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={jnp.shape(y_pred)}")
    batch, time = jnp.shape(y_pred)[:2]
    label_length = jnp.sum(jnp.asarray(y_true) != 0, axis=-1).astype("int32")
    return nn.ctc_loss(y_true, y_pred, label_length, jnp.full((batch,), time, "int32"), mask_index=0)


def _positive_negative_masks(labels, ref_labels, remove_diagonal):
    """(batch, refs) booleans: same label (without each sample paired with itself), other label."""
    positive = labels.reshape(-1, 1) == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(labels.size, ref_labels.size, dtype=bool)
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings `y_pred` `(batch, dim)` with integer
    labels `y_true` `(batch,)`, against references (the batch itself by default): each pair's cosine
    distance is pulled below `margin` (same label) or pushed above `1 - margin` (other label), each
    weighted by how far it is from its optimum, `gamma` sharpening. One value per sample `(batch,)`."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    ref_embeddings = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype("int32")
    distances = jnp.maximum(1 - y_pred @ ref_embeddings.T, 0.0)  # cosine distances, (batch, refs)
    positive, negative = _positive_negative_masks(y_true, ref_labels, remove_diagonal)
    positive_weights = jnp.maximum((margin + distances) * positive, 0.0)
    negative_weights = jnp.maximum((1 + margin - distances) * negative, 0.0)
    positive_terms = -gamma * positive_weights * (margin - distances)
    negative_terms = gamma * negative_weights * (1 - margin - distances)
    positive_loss = jax.nn.logsumexp(jnp.where(positive, positive_terms, -jnp.inf), axis=1)
    negative_loss = jax.nn.logsumexp(jnp.where(negative, negative_terms, -jnp.inf), axis=1)
    return jax.nn.softplus(positive_loss + negative_loss)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p**q) / q`, where `p` is the probability `y_pred` `(batch, classes)` gives the true class
    `y_true` `(batch,)`: cross-entropy as `q` goes to 0, mean absolute error at 1. `(batch,)` values."""
    y_pred = jnp.asarray(y_pred)
    one_hot = jax.nn.one_hot(jnp.asarray(y_true).astype("int32"), y_pred.shape[-1], dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1 - jnp.power(p, q)) / q


class CTC(Loss):
    """The `ctc` loss as an object."""

    fn = staticmethod(ctc)

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name, reduction, dtype)


class Circle(Loss):
    """The `circle` loss as an object. As in Keras, samples whose loss is 0 (no pair left to learn
    from) are left out of the mean."""

    fn = staticmethod(circle)

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"gamma": gamma, "margin": margin, "remove_diagonal": remove_diagonal}

    def _mask(self, y_true, values=None):
        return values > 0


class CategoricalGeneralizedCrossEntropy(Loss):
    """The `categorical_generalized_cross_entropy` loss as an object; `q` in (0, 1)."""

    fn = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(name, reduction, dtype)
        self.options = {"q": q}
