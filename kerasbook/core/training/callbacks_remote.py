"""`keras.callbacks.RemoteMonitor`: each epoch's logs sent to a web server, to follow training elsewhere.

At the end of every epoch an HTTP POST goes to `root + path` with `{"epoch": ..., "loss": ..., ...}`:
as a form field named `field` holding that JSON (the default), or as a JSON body (`send_as_json`).
A server that cannot be reached gives a warning, never an error: training goes on. Keras posts with the
`requests` library; kerasbook uses Python's own `urllib`, and sends the same requests.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kerasbook.core.training.callbacks import Callback


class RemoteMonitor(Callback):
    """POST each epoch's logs to `root + path` (see the module's docstring); `headers` are added."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():  # NumPy numbers as plain ones, for JSON
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        if self.send_as_json:
            body, content_type = json.dumps(send).encode(), "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, method="POST",
                                         headers={"Content-Type": content_type, **(self.headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
