"""Forgotten widgets in a real Jupyter kernel (ipykernel, started by jupyter_client as JupyterLab
starts it): a hundred widgets made and never shown or closed cost nothing when the model changes.

Issue 11 measured 1.4-1.7 s for one `layer.trainable = False` with 100 such widgets; the target is
20 ms. The bound asserted here is looser (a shared, busy test machine); the time is printed.
"""

import json

import pytest

pytestmark = pytest.mark.timeout(180)

SETUP = """
import json, time
import kerasbook as keras
from kerasbook import layers
from kerasbook.widgets import GraphView, LiveSummary, observer_count
model = keras.Sequential([keras.Input((16,))] + [layers.Dense(16, name=f"d{i}") for i in range(20)])
forgotten = [(GraphView if i % 2 else LiveSummary)(model) for i in range(100)]
before = observer_count(model)
"""
CHANGE = """
start = time.perf_counter()
model.layers[10].trainable = False
first = time.perf_counter() - start
start = time.perf_counter()
model.layers[10].trainable = True
second = time.perf_counter() - start
print(json.dumps({"before": before, "after": observer_count(model), "first": first, "second": second,
                  "renders": sorted({w.renders for w in forgotten if isinstance(w, LiveSummary)})}))
"""


@pytest.fixture
def kernel():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code):
    """Run a cell; what it printed (a failing cell fails the test with the kernel's error)."""
    outputs = []
    reply = client.execute_interactive(code, timeout=120, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


def test_a_hundred_forgotten_widgets_cost_nothing_in_a_kernel(kernel):
    run(kernel, SETUP)
    result = json.loads(run(kernel, CHANGE).strip().splitlines()[-1])
    print(f"in a kernel: first change {result['first'] * 1e3:.1f} ms, next {result['second'] * 1e3:.2f} ms")
    assert result["before"] == 100 * 21 and result["after"] == 0
    assert result["renders"] == [1]  # drawn once when made, never for nobody
    assert result["second"] < 0.02 and result["first"] < 0.5
