"""Intersection over union, the segmentation metric: `IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`,
`OneHotMeanIoU`.

Every pixel (value) is one (true class, predicted class) pair, added to a `num_classes x
num_classes` confusion matrix kept over the epoch (rows: true class, columns: predicted). For a
class c, `IoU = tp / (tp + fp + fn)`: the diagonal cell over its row plus its column minus itself.
The metric is the mean over the classes asked for, skipping those that never occurred.

As in Keras, the matrix is integer ("int32") by default: sample weights are cast to integers.
"""

import jax.numpy as jnp

from kerasbook.core.engine import naming
from kerasbook.core.training.metrics import Metric

EPSILON = 1e-7


def confusion_matrix(labels, predictions, num_classes, weights, dtype):
    """A (num_classes, num_classes) matrix: cell (i, j) sums the weights of pairs true i, predicted j."""
    cells = labels.astype("int32") * num_classes + predictions.astype("int32")
    counts = jnp.zeros(num_classes * num_classes, dtype).at[cells].add(weights.astype(dtype))
    return counts.reshape(num_classes, num_classes)


class _IoUBase(Metric):
    """The confusion matrix over the epoch (`total_confusion_matrix`). Labels out of [0,
    num_classes) and the `ignore_class` are left out. `sparse_y_true` / `sparse_y_pred`: False for
    one-hot or scores along `axis` (their argmax is the class)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name or naming.auto_name(naming.to_snake_case(type(self).__name__)), dtype or "int32")
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = jnp.argmax(jnp.asarray(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(jnp.asarray(y_pred), axis=self.axis)
        y_true = jnp.asarray(y_true).astype(self.dtype).reshape(-1)
        y_pred = jnp.asarray(y_pred).astype(self.dtype).reshape(-1)
        weight = jnp.asarray(1 if sample_weight is None else sample_weight).astype(self.dtype).reshape(-1)
        weight = jnp.broadcast_to(weight, y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        matrix = confusion_matrix(jnp.where(valid, y_true, 0), jnp.where(valid, y_pred, 0), self.num_classes,
                                  jnp.where(valid, weight, 0), self.dtype)
        self.total_cm.assign(self.total_cm.value + matrix)


class IoU(_IoUBase):
    """The mean IoU over `target_class_ids` (classes that never occurred are left out of the mean)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        matrix = self.total_cm.value.astype("float32")
        true_positives = jnp.diag(matrix)
        union = jnp.sum(matrix, axis=0) + jnp.sum(matrix, axis=1) - true_positives  # tp + fp + fn
        ids = jnp.asarray(self.target_class_ids, "int32")
        true_positives, union = true_positives[ids], union[ids]
        occurred = union > 1e-9
        iou = jnp.where(occurred, true_positives / (union + EPSILON), 0.0)
        return jnp.sum(iou, axis=self.axis) / (jnp.sum(occurred) + EPSILON)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of two classes from scores: a prediction >= `threshold` is class 1, else class 0.
    `target_class_ids`: (0, 1) for the mean of both, [0] or [1] for one."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (jnp.asarray(y_pred, "float32") >= self.threshold).astype(self.dtype)
        super().update_state(jnp.asarray(y_true).astype(self.dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class, sparse_y_true,
                         sparse_y_pred, axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU with one-hot targets (and, unless `sparse_y_pred`, scores): the argmax is the class."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot targets (and, unless `sparse_y_pred`, scores)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
