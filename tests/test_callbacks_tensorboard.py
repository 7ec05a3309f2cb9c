"""The TensorBoard callback in a real fit: the event files are read back with TensorBoard's own
EventAccumulator (the `tensorboard` package, a test dependency), and the tags, steps and values are
checked against the History of the same fit; the graph and the Keras JSON are there too."""

import inspect
import os

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import kerasbook
from kerasbook.core.training import callbacks
from kerasbook.core.training.callbacks_tensorboard import TensorBoard


def _read(directory):
    """Everything TensorBoard would load from one run folder (no sampling: size 0 keeps all)."""
    accumulator = EventAccumulator(str(directory), size_guidance={"scalars": 0, "histograms": 0,
                                                                    "images": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def _scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def _model():
    inputs = kerasbook.Input((4,), name="features")
    hidden = kerasbook.layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = kerasbook.layers.Dense(1, activation="sigmoid", name="score")(hidden)
    model = kerasbook.Model(inputs, outputs, name="classifier")
    model.compile(kerasbook.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    return model


RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def test_signature_and_defaults_equal_keras():
    ours = inspect.signature(TensorBoard).parameters
    theirs = inspect.signature(keras.callbacks.TensorBoard).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
    assert kerasbook.callbacks.TensorBoard is TensorBoard


def test_epoch_scalars_histograms_graph(tmp_path):
    model = _model()
    board = kerasbook.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=1)
    history = model.fit(X, Y, batch_size=16, epochs=3, validation_split=0.25, verbose=0, callbacks=[board])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, validation = _read(tmp_path / "train"), _read(tmp_path / "validation")

    scalar_tags = set(train.Tags()["scalars"])
    assert scalar_tags == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    for name in ("loss", "accuracy"):
        steps, values = zip(*_scalars(train, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)
        steps, values = zip(*_scalars(validation, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in _scalars(train, "epoch_learning_rate")], [0.01] * 3, rtol=1e-6)
    # after each validation, against the optimizer's iterations (3 batches of 16 per epoch here)
    assert [s for s, _ in _scalars(validation, "evaluation_loss_vs_iterations")] == [3, 6, 9]

    # one histogram per weight and epoch, of the weight's values at that epoch's end
    assert set(train.Tags()["histograms"]) == {"hidden/kernel/histogram", "hidden/bias/histogram",
                                               "score/kernel/histogram", "score/bias/histogram"}
    last = train.Histograms("score/kernel/histogram")[-1]
    kernel = model.get_layer("score").kernel.numpy()
    assert last.step == 2 and last.histogram_value.num == kernel.size
    np.testing.assert_allclose([last.histogram_value.min, last.histogram_value.max, last.histogram_value.sum],
                               [kernel.min(), kernel.max(), kernel.sum()], rtol=1e-5)

    # the graph: one node per layer call, each with the calls it takes inputs from
    graph = train.Graph()
    nodes = {node.name: (node.op, list(node.input)) for node in graph.node}
    assert nodes == {"classifier/features": ("InputLayer", []),
                     "classifier/hidden": ("Dense", ["classifier/features"]),
                     "classifier/score": ("Dense", ["classifier/hidden"])}
    # and the model's JSON for the "Keras" conceptual graph, as Keras writes it
    assert "keras" in train.Tags()["tensors"]
    event = train.Tensors("keras")[0]
    config = event.tensor_proto.string_val[0].decode()
    assert keras.models.model_from_json(config).count_params() == model.count_params()
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"


def test_batch_scalars_every_n_batches_and_images(tmp_path):
    model = _model()
    board = TensorBoard(log_dir=str(tmp_path), update_freq=2, write_images=True, histogram_freq=2,
                        write_graph=False, write_steps_per_second=True)
    seen = []
    recorder = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(float(logs["loss"])))
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[board, recorder])
    train = _read(tmp_path / "train")
    tags = set(train.Tags()["scalars"])
    assert {"batch_loss", "batch_accuracy", "batch_steps_per_second", "epoch_steps_per_second"} <= tags
    steps, values = zip(*_scalars(train, "batch_loss"))
    assert steps == (2, 4, 6, 8, 10, 12)  # 6 batches an epoch, counted across epochs
    np.testing.assert_allclose(values, [seen[s - 1] for s in steps], rtol=1e-6)
    assert train.Graph is not None and not train.Tags()["graph"]
    assert [h.step for h in train.Histograms("hidden/kernel/histogram")] == [0]  # every 2nd epoch of 2
    image = train.Images("hidden/kernel/image")[0]
    assert (image.width, image.height) == (8, 4)  # the (4, 8) kernel, wider than tall


def test_arguments_checked_as_keras_checks_them(tmp_path):
    with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
        TensorBoard(tmp_path, profile_batch=(5, 2))
    with pytest.warns(UserWarning, match="does not profile"):
        board = TensorBoard(tmp_path, profile_batch="2,4")
    assert board.profile_batch == (2, 4)
    with pytest.raises(ValueError, match="embeddings_freq"):
        TensorBoard(tmp_path, embeddings_freq=1)
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(tmp_path, update_freq="often")


def test_importing_kerasbook_callbacks_does_not_import_tensorboardx():
    import subprocess
    import sys
    code = ("import sys, kerasbook; kerasbook.callbacks.TensorBoard('x'); "
            "print('tensorboardX' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert out.stdout.strip() == "False"
