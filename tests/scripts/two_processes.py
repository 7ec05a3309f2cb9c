"""One of two processes joined by keras.distribution.initialize (jax.distributed, gloo between CPU
processes), running fit_losses.py's fit under DataParallel over the devices of both: with the whole data in
each process (auto_shard_dataset=True), then with each process given only its own rows
(auto_shard_dataset=False). Prints the results as JSON (process 0's and 1's must agree with each
other and with one process alone).

    python two_processes.py <process_id> <coordinator port>
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import kerasbook as keras  # noqa: E402

process_id, port = int(sys.argv[1]), sys.argv[2]
keras.distribution.initialize(f"localhost:{port}", num_processes=2, process_id=process_id)

import jax  # noqa: E402
import numpy as np  # noqa: E402
from fit_losses import fit  # noqa: E402

host_draw = int(np.random.randint(0, 10**9))  # the same in both processes: initialize shared a seed

results = {kind: fit(kind, save=False) for kind in ("data", "data_local")}
print(json.dumps({"process": jax.process_index(), "processes": jax.process_count(),
                  "devices": jax.device_count(), "local_devices": jax.local_device_count(), "host_draw": host_draw,
                  **results}))
