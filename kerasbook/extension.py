"""`%load_ext kerasbook`: the names a lesson needs, rich displays, and five line magics.

Loading the extension

- puts `keras` (kerasbook itself), `layers`, `ops` and `np` in the notebook, leaving alone any of
  those names the notebook already defined, and says in one line what it added;
- makes models, layers, symbolic tensors and variables display helpfully: a model shows its summary
  table as HTML, while its plain text (what nbval compares) stays the Keras-like summary text;
- adds `%summary model`, `%graph model` (layers), `%nodes model` (one box per call), `%live name`
  (a LiveSummary that follows whatever model the variable holds after each cell) and
  `%sharding model` (where its weights lie on the devices: a ShardingView).

`%unload_ext kerasbook` takes all of it back (names only where they still hold what was added).
"""

_NAMES = ("keras", "layers", "ops", "np")
_state = {}  # what load_ipython_extension added, so unloading removes exactly that


def _values():
    import numpy as np

    import kerasbook
    return {"keras": kerasbook, "layers": kerasbook.layers, "ops": kerasbook.ops, "np": np}


# -- how objects display ------------------------------------------------------------------------

def layer_plain(layer, printer, cycle):
    """Text for a layer: a model's summary text (deterministic), else a short description."""
    printer.text(layer_text(layer))


def layer_text(layer):
    from kerasbook.core.models.model import Model
    if isinstance(model := layer, Model):
        from kerasbook.core.models.summary import summary_text
        try:
            return summary_text(model)
        except Exception:  # an odd model the summary cannot describe: fall back to its repr
            return repr(model)
    return repr(layer)


def layer_html(layer):
    """HTML for a layer or model: the summary table (a plain layer: its one row)."""
    from kerasbook.core.models.model import Model
    from kerasbook.viz.summary_html import STYLE, summary_html, table_html
    if isinstance(layer, Model) and layer.built:
        try:
            return summary_html(layer)
        except Exception:
            return None
    params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
    shape = "?"
    if layer._inbound_nodes:
        from kerasbook.viz.diagrams import shape_text
        shape = ", ".join(shape_text(x.shape) for x in layer._inbound_nodes[-1].output_tensors)
    row = [f"{layer.name} ({type(layer).__name__})", shape, params]  # the table style of summaries
    return STYLE + table_html(["Layer (type)", "Output Shape", "Param #"], [row])


def tensor_text(tensor):
    """`<KerasTensor shape=(None, 32), dtype=float32, made by dense[0]>`."""
    history = tensor._keras_history
    made_by = f"{history.operation.name}[{history.node_index}]" if history is not None else "no layer"
    return f"<KerasTensor shape={tensor.shape}, dtype={tensor.dtype}, made by {made_by}>"


def variable_text(variable, preview=6):
    """`<Variable path=dense/kernel, shape=(4, 3), dtype=float32, value=[0.12, -0.5, ...]>`."""
    import numpy as np
    values = np.asarray(variable.numpy()).ravel()
    shown = ", ".join(f"{v:.4g}" if np.issubdtype(values.dtype, np.floating) else str(v)
                      for v in values[:preview])
    more = ", ..." if values.size > preview else ""
    return (f"<Variable path={variable.path}, shape={variable.shape}, dtype={variable.dtype}, "
            f"value=[{shown}{more}]>")


def _formatters(ipython):
    formatters = ipython.display_formatter.formatters
    return formatters["text/plain"], formatters["text/html"]


def _register_displays(ipython):
    from kerasbook.core.engine.layer import Layer
    from kerasbook.core.models.model import Model
    from kerasbook.core.engine.tensor import KerasTensor
    from kerasbook.core.engine.variables import Variable
    plain, rich = _formatters(ipython)
    # IPython's pretty printer stops at the first class in the MRO that defines __repr__: Model
    # defines its own, so it needs its own entry.
    entries = [(plain, Layer, layer_plain), (plain, Model, layer_plain),
               (plain, KerasTensor, lambda x, p, cycle: p.text(tensor_text(x))),
               (plain, Variable, lambda v, p, cycle: p.text(variable_text(v))), (rich, Layer, layer_html)]
    # The printer each entry replaces (one the user or another extension set for that very class) is
    # kept so unloading can put it back. (for_type's return value would not do: it looks up the MRO.)
    registered = []
    for formatter, cls, printer in entries:
        registered.append((formatter, cls, formatter.type_printers.get(cls)))
        formatter.for_type(cls, printer)
    return registered


# -- magics -------------------------------------------------------------------------------------

def _lookup(ipython, line, magic):
    name = line.strip()
    if not name:
        raise ValueError(f"%{magic} needs a model: `%{magic} model`.")
    try:
        return eval(name, ipython.user_ns)
    except NameError:
        raise NameError(f"%{magic}: no model named {name!r} in this notebook.") from None


def _magics(ipython):
    from IPython.display import display

    def summary(line):
        """%summary model: print the model's summary."""
        _lookup(ipython, line, "summary").summary()

    def graph(line):
        """%graph cnn: the inspector, GraphView(cnn): click a call of a layer to see its shapes,
        weights and config. It follows the name: after a cell builds `cnn` again, it shows the new
        model."""
        from kerasbook.widgets import GraphView
        view = GraphView(_lookup(ipython, line, "graph"))
        if line.strip().isidentifier():
            view.follow(line.strip(), ipython.user_ns)
        display(view)

    def nodes(line):
        """%nodes model: draw the node graph, one box per call of a layer."""
        from kerasbook.viz import diagrams
        display(diagrams.node_graph(_lookup(ipython, line, "nodes")))

    def live(line):
        """%live cnn: the summary of whatever model `cnn` holds, redrawn as it changes and followed to
        the new model when a cell builds `cnn` again (a LiveSummary that follows the name)."""
        from kerasbook.widgets import LiveSummary
        _lookup(ipython, line, "live")  # a clear error now if the name holds nothing
        return LiveSummary(line.strip(), namespace=ipython.user_ns)

    def sharding(line):
        """%sharding model: where each of the model's weights lies on the devices, the bytes per
        device, and the weights no LayoutMap key matched (a ShardingView)."""
        from kerasbook.widgets import ShardingView
        display(ShardingView(_lookup(ipython, line, "sharding")))

    return {"summary": summary, "graph": graph, "nodes": nodes, "live": live, "sharding": sharding}


# -- load / unload ------------------------------------------------------------------------------

def load_ipython_extension(ipython):
    values = _values()
    added = {}
    for name in _NAMES:
        if name not in ipython.user_ns:
            ipython.user_ns[name] = values[name]
            added[name] = values[name]
    registered = _register_displays(ipython)
    magics = _magics(ipython)
    previous = {}
    for name, function in magics.items():
        previous[name] = ipython.magics_manager.magics["line"].get(name)
        ipython.register_magic_function(function, "line", name)
    _state[id(ipython)] = {"added": added, "formatters": registered, "magics": previous}
    print(f"kerasbook: added {', '.join(added)}" if added else
          "kerasbook: keras, layers, ops and np were already defined; added nothing")
    from kerasbook.core import compile_cache
    print(compile_cache.describe())  # where compiled programs are kept across restarts


def unload_ipython_extension(ipython):
    state = _state.pop(id(ipython), None)
    if state is None:
        return
    for name, value in state["added"].items():
        if ipython.user_ns.get(name) is value:
            del ipython.user_ns[name]
    for formatter, cls, previous in state["formatters"]:
        formatter.pop(cls, None)
        if previous is not None:
            formatter.for_type(cls, previous)
    line_magics = ipython.magics_manager.magics["line"]
    for name, previous in state["magics"].items():
        if previous is None:
            line_magics.pop(name, None)
        else:
            line_magics[name] = previous
