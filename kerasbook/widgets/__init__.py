"""Jupyter widgets (ipywidgets 8) that show a model as it is built, run and trained.

- `LiveSummary(model)`: the summary table, redrawn when the model changes.
- `GraphView(model, x=None)`: the inspector: click a call of a layer in the node graph to see its
  shapes, weights, config and (given `x`) activation; pan, zoom, fold nested models and repeats.
- `ActivationExplorer(model, x)`: every layer's activation for `x`, channel by channel.
- `TrainingMonitor()`: a `fit` callback with a progress bar and live loss/metric curves.
- `ShardingView(model)`: where each weight lies on a mesh of devices (keras.distribution), with the
  bytes per device and the variables no LayoutMap key matched.

Widgets hold their model weakly and put observers on its layers; `close()` removes them. A cell
that changes a model many times (`add()` in a loop) redraws them a few times, and once more when the
cell ends (`redraws.py`).
"""

from kerasbook.widgets.activation_explorer import ActivationExplorer
from kerasbook.widgets.graph_view import GraphView
from kerasbook.widgets.live_summary import LiveSummary
from kerasbook.widgets.observing import ModelWatch, observer_count
from kerasbook.widgets.sharding_view import ShardingView
from kerasbook.widgets.training_monitor import TrainingMonitor

__all__ = ["ActivationExplorer", "GraphView", "LiveSummary", "ModelWatch", "ShardingView",
           "TrainingMonitor", "observer_count"]
