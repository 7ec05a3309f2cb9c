"""The TensorBoard callback: what `fit` did, written as event files that TensorBoard reads.

`log_dir/train` gets the training logs, `log_dir/validation` the validation logs, as Keras lays them
out: scalars `epoch_loss`, `epoch_accuracy`, ... (step = epoch), `epoch_learning_rate`; with
`update_freq=N`, `batch_loss`, ... every N batches (step = the batch count since training began);
`evaluation_loss_vs_iterations`, ... after each validation (step = optimizer iterations); with
`histogram_freq`, a histogram of every weight (`dense/kernel/histogram`); with `write_images`, the
weights as pictures; with `write_graph`, the model's graph (one node per layer call, for the
Graphs dashboard) and its Keras JSON (the "Keras" conceptual graph, tag `keras`).

The files are written by tensorboardX, a maintained writer of TensorBoard's event format that does
not need TensorFlow; it is imported when the first file is opened, so `import kerasbook` stays quick.
"""

import os
import time
import warnings

import numpy as np

from kerasbook.core.training.callbacks import Callback


class TensorBoard(Callback):
    """Writes scalars, weight histograms and the graph for TensorBoard (`tensorboard --logdir logs`).

    `histogram_freq`: every how many epochs to write histograms (0: never). `update_freq`: "epoch",
    or "batch" / N to also write batch scalars every N batches. `profile_batch` is accepted as Keras
    accepts it, but profiling is not done (Keras on JAX profiles only under Python 3.12 or later;
    use `jax.profiler` directly): a nonzero value warns. `embeddings_freq` must stay 0.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self.log_dir = str(log_dir)
        self.histogram_freq, self.write_graph, self.write_images = histogram_freq, write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and not (isinstance(self.update_freq, int) and self.update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive number of "
                             f"batches, received {update_freq!r}.")
        if embeddings_freq:
            raise ValueError("TensorBoard: embeddings_freq is not supported by kerasbook (the projector "
                             f"needs TensorFlow's checkpoints); received embeddings_freq={embeddings_freq}.")
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self.profile_batch = _checked_profile_batch(profile_batch)
        if self.profile_batch != (0, 0):
            warnings.warn("TensorBoard: profile_batch is accepted but kerasbook does not profile; use "
                          "jax.profiler.trace(log_dir) around the steps you want to see.", stacklevel=2)
        self._writers = {}
        self._global_train_batch = 0
        self._graph_written = False

    # -- writers ---------------------------------------------------------------------------------
    def _writer(self, kind):
        """The SummaryWriter of `log_dir/train` or `log_dir/validation`, opened on first use."""
        if kind not in self._writers:
            from tensorboardX import SummaryWriter
            self._writers[kind] = SummaryWriter(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- hooks -----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph and not self._graph_written:
            write_model_graph(self._writer("train"), self.model)
            self._graph_written = True

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer, step = self._writer("train"), self._global_train_batch
        if self.write_steps_per_second:
            writer.add_scalar("batch_steps_per_second", 1.0 / (time.perf_counter() - self._batch_start), step)
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", _number(value), step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_first_batch = time.perf_counter(), self._global_train_batch

    def on_epoch_end(self, epoch, logs=None):
        self._write_epoch_scalars(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not logs:
            return
        step = int(np.asarray(optimizer.iterations))
        for name, value in logs.items():
            self._writer("validation").add_scalar(f"evaluation_{name}_vs_iterations", _number(value), step)

    # -- what is written -------------------------------------------------------------------------
    def _write_epoch_scalars(self, epoch, logs):
        """`epoch_<name>` in train/ and, for `val_<name>`, `epoch_<name>` in validation/."""
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second:
            batches = self._global_train_batch - self._epoch_first_batch
            train["steps_per_second"] = batches / (time.perf_counter() - self._epoch_start)
        for name, value in train.items():
            if np.size(value) == 1:
                self._writer("train").add_scalar(f"epoch_{name}", _number(value), epoch)
        for name, value in logs.items():
            if name.startswith("val_") and np.size(value) == 1:
                self._writer("validation").add_scalar(f"epoch_{name[4:]}", _number(value), epoch)

    def _write_weights(self, epoch):
        """A histogram of each weight (and with write_images, the weight as a picture)."""
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.value, dtype="float32")
                writer.add_histogram(f"{name}/histogram", values, epoch, bins="tensorflow")
                picture = _as_picture(values)
                if self.write_images and picture is not None:
                    writer.add_images(f"{name}/image", picture, epoch, dataformats="NHWC")


def _number(value):
    return float(np.asarray(value).reshape(()))


def _checked_profile_batch(profile_batch):
    """Keras's rule: a non-negative int, a pair of them (start <= stop), or "start,stop"."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
               f"positive integers signifies a range of batches to profile. Found: {profile_batch}")
    if isinstance(profile_batch, str):
        profile_batch = [int(part) for part in profile_batch.split(",")]
    if isinstance(profile_batch, int):
        start = stop = profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _as_picture(values):
    """A weight as images (count, height, width, 1) scaled to [0, 1], laid out as Keras lays it out:
    a vector as one row, a matrix wider than tall, 3-D kernels one image per last-axis slice; None for
    other shapes. (Keras writes the raw values, which TensorBoard clips to [0, 1].)"""
    values = np.squeeze(values)
    if values.ndim == 1:
        values = values.reshape(1, 1, -1, 1)
    elif values.ndim == 2:
        values = (values.T if values.shape[0] > values.shape[1] else values)[None, :, :, None]
    elif values.ndim == 3:
        values = np.transpose(values, (2, 0, 1))[..., None]
    else:
        return None
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def write_model_graph(writer, model):
    """The model for TensorBoard's Graphs dashboard: one node per layer call with its inputs (a
    functional or Sequential model; a subclassed model gives one node per layer, unconnected), and
    the model's JSON as Keras writes it (tag "keras", plugin "graph_keras_model")."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.versions_pb2 import VersionDef
    nodes = [NodeDef(name=name, op=op, input=inputs, attr={"output_shape": AttrValue(s=shape.encode())})
             for name, op, inputs, shape in call_nodes(model)]
    graph = GraphDef(node=nodes, versions=VersionDef(producer=22))
    writer._get_file_writer().add_event(Event(graph_def=graph.SerializeToString()))
    try:
        config = model.to_json()
    except Exception as error:  # a subclassed model without get_config: Keras skips it too
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}", stacklevel=3)
        return
    writer._get_file_writer().add_summary(_keras_model_summary(config), global_step=0)


def call_nodes(model):
    """`(name, op, input names, output shape)` for each layer call of the model, in the order the
    calls run. A layer called twice gets two nodes, `dense` and `dense_1`; names are scoped by the
    model's name (`model/dense`), which TensorBoard shows as a box around them."""
    graph_nodes = getattr(model, "_nodes", None)
    if not graph_nodes:
        return [(f"{model.name}/{layer.name}", type(layer).__name__, [], "") for layer in model.layers]

    def name_of(node):
        index = node.operation._inbound_nodes.index(node)
        return f"{model.name}/{node.operation.name}" + (f"_{index}" if index else "")

    return [(name_of(node), type(node.operation).__name__, [name_of(parent) for parent in node.parent_nodes],
             str([tuple(t.shape) for t in node.output_tensors])) for node in graph_nodes]


def _keras_model_summary(model_json):
    """A Summary holding the model's JSON as a string tensor, marked for the graph plugin."""
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.types_pb2 import DT_STRING
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                      content=b"1"))
    tensor = TensorProto(dtype=DT_STRING, string_val=[model_json.encode()], tensor_shape=TensorShapeProto())
    return Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
