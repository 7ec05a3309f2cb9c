"""TrainingMonitor: what it draws (a series per quantity, validation curves, points during epochs,
several fits continued), its header, the Stop button's message, and fit's verbose="auto" beside it.

The last tests run a real Jupyter kernel (ipykernel, as JupyterLab does) and talk to it as the
front-end would: the Stop button's comm message sent while `fit` is running must end it.
"""

import json
import os
import pathlib
import re
import textwrap
import time

import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers
from kerasbook.widgets import TrainingMonitor


def regression_model():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)],
                             name="reg")
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def data(n=64):
    x = np.random.default_rng(0).random((n, 4)).astype("float32")
    return x, x[:, :2] * 2 - 1


def every_batch_monitor():
    monitor = TrainingMonitor()
    monitor.interval = 0  # read the logs after every batch (the default reads at most every 0.15 s)
    return monitor


def stop_message():
    """The comm message the Stop button sends (anywidget's model.send, as ipywidgets carries it)."""
    return {"content": {"data": {"method": "custom", "content": {"kind": "stop"}}}, "buffers": []}


def test_one_series_per_quantity_with_validation_curves_at_whole_epochs():
    model, (x, y) = regression_model(), data()
    monitor = every_batch_monitor()
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0, callbacks=[monitor])
    view = monitor.widget
    assert view.quantities == ["loss", "mae"]  # one panel each, the loss first
    assert sorted(view.epoch_series) == ["loss", "mae", "val_loss", "val_mae"]
    for key in ("loss", "mae", "val_loss", "val_mae"):
        xs, values = zip(*view.epoch_series[key])
        assert xs == (1.0, 2.0, 3.0), key  # the end of epochs 1, 2, 3
        np.testing.assert_allclose(values, history.history[key], rtol=1e-6, err_msg=key)
    assert monitor.history == {k: pytest.approx(v) for k, v in history.history.items()}
    assert repr(monitor) == "<TrainingMonitor: 3 epochs, tracking ['loss', 'mae', 'val_loss', 'val_mae']>"
    assert monitor.model is model  # held weakly (test_widgets checks that it does not keep it alive)


def test_without_validation_data_there_is_no_validation_curve():
    model, (x, y) = regression_model(), data()
    monitor = every_batch_monitor()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[monitor])
    assert sorted(monitor.widget.epoch_series) == ["loss", "mae"]


def test_points_during_epochs_are_the_means_of_the_batches_since_the_previous_point():
    model, (x, y) = regression_model(), data(48)
    monitor = every_batch_monitor()
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False, callbacks=[monitor])
    batch = monitor.widget.batch_series
    assert sorted(batch) == ["loss", "mae"]  # both are means over samples
    xs = [p[0] for p in batch["loss"]]
    np.testing.assert_allclose(xs, (np.arange(1, 13) - 0.5) / 6)  # 6 batches an epoch: one point
                                                                   # each, in the middle of its batch
    for key in ("loss", "mae"):
        for epoch in range(2):
            per_batch = [p[1] for p in batch[key][6 * epoch:6 * epoch + 6]]
            # Equal batches: the epoch's value is the mean of its batches' values.
            assert np.mean(per_batch) == pytest.approx(history.history[key][epoch], rel=1e-4)
            assert np.ptp(per_batch) > 0  # real batch values, not the running mean repeated


def test_throttled_reads_give_fewer_points_that_still_average_to_the_epoch():
    model, (x, y) = regression_model(), data(48)
    monitor = TrainingMonitor()
    monitor.interval = 3600  # only the first batch and the epoch's end are read
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[monitor])
    (x1, first), (x2, rest) = monitor.widget.batch_series["loss"]
    assert (x1, x2) == (pytest.approx(0.5 / 6), pytest.approx(3.5 / 6))  # the middles of batch 1, 2-6
    assert (first + 5 * rest) / 6 == pytest.approx(history.history["loss"][0], rel=1e-4)


def test_a_metric_that_is_no_mean_gets_epoch_points_only():
    model, (x, y) = regression_model(), data()
    model.compile(optimizer="adam", loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
    monitor = every_batch_monitor()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[monitor])
    assert "root_mean_squared_error" in monitor.widget.epoch_series
    assert sorted(monitor.widget.batch_series) == ["loss", "mae"]


def test_several_fits_continue_the_curves_and_mark_where_each_began():
    model, (x, y) = regression_model(), data()
    monitor = every_batch_monitor()
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[monitor])
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0, callbacks=[monitor])
    view = monitor.widget
    assert view.fit_starts == [0.0, 3.0]
    assert [p[0] for p in view.epoch_series["val_loss"]] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert view.status["x_end"] == 5.0
    assert len(monitor.history["loss"]) == 5
    assert view.fallback_text() == 'TrainingMonitor of model "reg": 2 fits, the last fit(epochs=2), tracking loss, mae'


def test_header_compiling_then_training_then_done():
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor()
    seen = []
    watcher = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append(dict(monitor.widget.status)),
        on_train_batch_end=lambda batch, logs: seen.append(dict(monitor.widget.status)))
    assert monitor.widget.status == {"phase": "waiting"}
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[monitor, watcher])
    assert seen[0]["phase"] == "compiling" and seen[0]["step"] == 0
    assert seen[1]["phase"] == "training" and (seen[1]["epoch"], seen[1]["step"]) == (1, 1)
    assert (seen[1]["epochs"], seen[1]["steps"]) == (2, 4)
    status = monitor.widget.status
    assert (status["phase"], status["epoch"], status["step"], status["eta"]) == ("done", 2, 4, 0.0)
    assert status["elapsed"] > 0 and status["rate"] > 0


def test_stop_message_ends_fit_after_the_current_batch_and_the_model_stays_usable():
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor()
    batches = []

    def click_stop_during_batch_3(batch, logs):
        batches.append(batch)
        if len(batches) == 3:
            monitor.widget._handle_msg(stop_message())  # the front-end's message, as the kernel gets it

    clicker = keras.callbacks.LambdaCallback(on_train_batch_end=click_stop_during_batch_3)
    history = model.fit(x, y, epochs=50, batch_size=8, verbose=0, callbacks=[monitor, clicker])
    assert batches == [0, 1, 2]  # 8 batches an epoch: fit ended inside the first epoch
    assert len(history.history["loss"]) == 1 and monitor.widget.status["phase"] == "stopped"
    assert monitor.widget.epoch_series["loss"][0][0] == pytest.approx(3 / 8)  # a partial epoch
    assert np.isfinite(model.evaluate(x, y, verbose=0)).all()
    assert model.predict(x[:2], verbose=0).shape == (2, 2)
    again = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[monitor])
    assert len(again.history["loss"]) == 2 and monitor.widget.status["phase"] == "done"


def test_stop_after_fit_does_nothing():
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    monitor.widget._handle_msg(stop_message())
    assert not model.stop_training and monitor.widget.status["phase"] == "done"


def test_fallback_is_deterministic_text_and_a_picture_shown_at_its_own_size():
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor()
    assert monitor.widget.fallback_text() == "TrainingMonitor: waiting for fit"
    # Nothing to draw yet: no picture (and no matplotlib delaying fit's start).
    assert monitor.widget.fallback_html() == ('<div class="kerasbook"><p>TrainingMonitor: waiting for fit</p>'
                                              "<p><i>No values yet.</i></p></div>")
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0, callbacks=[monitor])
    bundle, _ = monitor._repr_mimebundle_()
    assert bundle["text/plain"] == 'TrainingMonitor of model "reg": fit(epochs=2), tracking loss, mae'
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    assert "tracking loss, mae" in page
    # The PNG is 1.5x the width it is shown at: never enlarged.
    import base64
    import io

    from PIL import Image
    encoded = re.search(r'src="data:image/png;base64,([^"]+)" alt="training curves" width="(\d+)"', page)
    picture = Image.open(io.BytesIO(base64.b64decode(encoded.group(1))))
    assert picture.width == pytest.approx(1.5 * int(encoded.group(2)), abs=2)


def test_verbose_auto_still_prints_outside_a_notebook(capsys):
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor()
    assert not monitor.shows_progress  # no kernel here: it will not be displayed
    model.fit(x, y, epochs=1, batch_size=16, callbacks=[monitor])
    assert "4/4" in capsys.readouterr().out


# -- in a real kernel, driven as JupyterLab drives it ----------------------------------------------

@pytest.fixture
def kernel():
    from jupyter_client.manager import start_new_kernel
    # The venv's python3 kernel, started in the repository (so it imports this kerasbook).
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(pathlib.Path(__file__).parents[1]),
                                       env=dict(os.environ, JAX_PLATFORMS="cpu", KERAS_BACKEND="jax"))
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code, timeout=120):
    """Run one cell; return its stdout text (and fail on an error)."""
    msg_id = client.execute(textwrap.dedent(code))
    return collect(client, msg_id, timeout)["stdout"]


def collect(client, msg_id, timeout, on_message=None):
    """IOPub messages of one request until it is idle: stdout text, display data, comm messages."""
    out = {"stdout": "", "displays": [], "comms": []}
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.1))
        if on_message is not None:
            on_message(msg)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out["stdout"] += content["text"]
        elif kind == "error":
            pytest.fail("\n".join(content["traceback"]))
        elif kind == "display_data":
            out["displays"].append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            return out


SETUP = """
import numpy as np, kerasbook as keras
from kerasbook import layers
from kerasbook.widgets import TrainingMonitor
model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
model.compile(optimizer="adam", loss="mse")
x = np.random.default_rng(0).random((256, 4)).astype("float32"); y = x[:, :2]
"""


@pytest.mark.slow
def test_in_a_kernel_verbose_auto_prints_no_second_progress(kernel):
    run(kernel, SETUP)
    msg_id = kernel.execute("monitor = TrainingMonitor()\n"
                            "h = model.fit(x, y, epochs=2, batch_size=64, callbacks=[monitor])")
    shown = collect(kernel, msg_id, 120)
    assert shown["stdout"] == ""  # no "Epoch 1/2", no bar: the monitor shows progress
    assert [d["text/plain"] for d in shown["displays"]] == ["TrainingMonitor of model \"sequential\": "
                                                            "fit(epochs=2), tracking loss"]
    assert "application/vnd.jupyter.widget-view+json" in shown["displays"][0]
    printed = run(kernel, "h = model.fit(x, y, epochs=2, batch_size=64, verbose=2, callbacks=[monitor])")
    assert re.fullmatch(r"Epoch 1/2\n4/4 - \S+ - \S+/step - loss: \S+\nEpoch 2/2\n4/4 - .*\n", printed)


@pytest.mark.slow
def test_in_a_kernel_the_stop_message_ends_a_running_fit_and_later_cells_still_run_in_order(kernel):
    run(kernel, SETUP)
    comm_id = run(kernel, "monitor = TrainingMonitor(display_on_train_begin=False)\n"
                          "print(monitor.widget.comm.comm_id, end='')")
    fit = kernel.execute("h = model.fit(x, y, epochs=500, batch_size=8, validation_split=0.25, callbacks=[monitor])\n"
                         "print('epochs trained:', len(h.history['loss']), model.stop_training)")
    later = kernel.execute("print('the next cell ran')")  # queued behind fit, as Run All does
    sent = []

    def click_once_training(msg):
        # Wait until the monitor says it is training (its status, sent on its comm), then click.
        if sent or msg["msg_type"] != "comm_msg" or msg["content"]["comm_id"] != comm_id:
            return
        state = msg["content"]["data"].get("state", {})
        if state.get("status", {}).get("phase") == "training" and state["status"].get("epoch", 0) >= 2:
            kernel.shell_channel.send(kernel.session.msg(
                "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"kind": "stop"}}}))
            sent.append(time.monotonic())

    started = time.monotonic()
    out = collect(kernel, fit, 120, on_message=click_once_training)
    assert sent, "the monitor never reported training"
    trained = int(re.search(r"epochs trained: (\d+) True", out["stdout"]).group(1))
    assert 2 <= trained < 50  # of the 500 epochs asked for (32 batches each)
    assert time.monotonic() - sent[0] < 5, "fit went on long after the click"
    assert collect(kernel, later, 60)["stdout"] == "the next cell ran\n"
    order = []
    while later not in order:
        reply = kernel.get_shell_msg(timeout=10)
        if reply["msg_type"] == "execute_reply":
            order.append(reply["parent_header"]["msg_id"])
    assert fit in order and order.index(fit) < order.index(later)
    assert time.monotonic() - started < 120
    json.dumps(out["displays"])  # nothing odd was displayed


def test_metrics_argument_picks_the_panels():
    model, (x, y) = regression_model(), data()
    monitor = TrainingMonitor(metrics=["mae"])
    monitor.interval = 0
    model.fit(x, y, epochs=1, batch_size=16, validation_split=0.25, verbose=0, callbacks=[monitor])
    assert monitor.widget.quantities == ["mae"]
    assert sorted(monitor.widget.epoch_series) == ["mae", "val_mae"] and list(monitor.widget.batch_series) == ["mae"]


def test_points_during_a_long_training_stay_bounded():
    from kerasbook.widgets import training_monitor
    points = [[i, float(i % 2)] for i in range(training_monitor.MAX_BATCH_POINTS + 1)]
    thinned = training_monitor._thin(points)
    assert len(thinned) == training_monitor.MAX_BATCH_POINTS // 2 + 1
    assert thinned[0] == [1, 0.5] and thinned[-1] == points[-1]  # neighbours averaged, the last kept
    assert training_monitor._number(float("nan")) is None and training_monitor._number(2) == 2.0
