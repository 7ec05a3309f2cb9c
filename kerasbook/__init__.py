"""kerasbook: a compact Keras on JAX for teaching, with Jupyter widgets that show what the code built.

`import kerasbook as keras` reads like `import keras`. Submodules load on first use, so that
`import kerasbook` stays as quick as importing JAX itself.
"""

import importlib
import importlib.util
import sys

__version__ = "0.1.0"

# Public name -> the module that defines it (submodules) or (module, attribute) pairs.
_SUBMODULES = {
    "layers": "kerasbook.core.layers",
    "models": "kerasbook.core.models",
    "ops": "kerasbook.core.ops",
    "activations": "kerasbook.core.activations",
    "initializers": "kerasbook.core.initializers",
    "regularizers": "kerasbook.core.regularizers",
    "constraints": "kerasbook.core.constraints",
    "random": "kerasbook.core.random",
    "losses": "kerasbook.core.training.losses",
    "metrics": "kerasbook.core.training.metrics",
    "optimizers": "kerasbook.core.training.optimizers",
    "callbacks": "kerasbook.core.training.callbacks",
    "saving": "kerasbook.core.saving",
    "utils": "kerasbook.utils",
    "backend": "kerasbook.core.backend",
    "config": "kerasbook.core.config",
    "preprocessing": "kerasbook.core.preprocessing",
    "tree": "kerasbook.core.tree_api",
    "datasets": "kerasbook.core.datasets",
    "distribution": "kerasbook.core.distribution",
    "mixed_precision": "kerasbook.core.mixed_precision",
    "dtype_policies": "kerasbook.core.dtype_policies",
    "legacy": "kerasbook.core.legacy",
    "applications": "kerasbook.core.applications",
    "widgets": "kerasbook.widgets",
    "viz": "kerasbook.viz",
}
_NAMES = {
    "Input": ("kerasbook.core.layers.input_layer", "Input"),
    "InputSpec": ("kerasbook.core.engine.input_spec", "InputSpec"),
    "Layer": ("kerasbook.core.engine.layer", "Layer"),
    "Model": ("kerasbook.core.models.model", "Model"),
    "Sequential": ("kerasbook.core.models.sequential", "Sequential"),
    "Variable": ("kerasbook.core.engine.variables", "Variable"),
    "KerasTensor": ("kerasbook.core.engine.tensor", "KerasTensor"),
    "StatelessScope": ("kerasbook.core.engine.state", "StatelessScope"),
    "Operation": ("kerasbook.core.engine.operation", "Operation"),
    "Initializer": ("kerasbook.core.initializers", "Initializer"),
    "Regularizer": ("kerasbook.core.regularizers", "Regularizer"),
    "Constraint": ("kerasbook.core.constraints", "Constraint"),
    "Loss": ("kerasbook.core.training.losses", "Loss"),
    "Metric": ("kerasbook.core.training.metrics", "Metric"),
    "Optimizer": ("kerasbook.core.training.optimizers", "Optimizer"),
    "DTypePolicy": ("kerasbook.core.mixed_precision", "DTypePolicy"),
    "FloatDTypePolicy": ("kerasbook.core.dtype_policies", "FloatDTypePolicy"),
    "device": ("kerasbook.core.placement", "device"),
    "remat": ("kerasbook.core.placement", "remat"),
}


class _Namespaces:
    """Makes `import kerasbook.layers`, `from kerasbook.ops import relu` and `from kerasbook.ops.nn
    import relu` work as with Keras, without a file per namespace: the import system asks this finder
    (on `sys.meta_path`) first, and it answers with the module that defines the namespace
    (`kerasbook.core.layers`), so that `kerasbook.layers` is one module however it was reached.
    Nothing is imported before it is asked for, so `import kerasbook` stays quick."""

    @staticmethod
    def target(fullname):
        """`kerasbook.ops.nn` -> `kerasbook.core.ops.nn`; None for a module that is not an alias."""
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != __name__ or parts[1] not in _SUBMODULES:
            return None
        defined_in = _SUBMODULES[parts[1]]
        if defined_in == f"{__name__}.{parts[1]}":  # a real package already (widgets, viz, utils)
            return None
        return ".".join([defined_in] + parts[2:])

    def module(self, fullname):
        """The module an alias stands for: a module file, or a module attribute of its parent
        (`kerasbook.optimizers.schedules`); None if there is none."""
        target = self.target(fullname)
        if target is None:
            return None
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError:
            parent, _, name = target.rpartition(".")
            found = getattr(importlib.import_module(parent), name, None)
            return found if isinstance(found, type(sys)) else None

    def find_spec(self, fullname, path=None, target=None):
        module = self.module(fullname)
        if module is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self)
        spec.loader_state = (module, module.__spec__)  # the import system overwrites __spec__: put back below
        return spec

    def create_module(self, spec):
        _cache_compiled_programs_once_jax_is_loaded()
        return spec.loader_state[0]

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state[1]


if not any(isinstance(finder, _Namespaces) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Namespaces())


def version():
    """kerasbook's version, as `keras.version()` gives Keras's."""
    return __version__


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(_SUBMODULES[name])
        globals()[name] = module
        _cache_compiled_programs_once_jax_is_loaded()
        return module
    if name in _NAMES:
        module_name, attribute = _NAMES[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value
        _cache_compiled_programs_once_jax_is_loaded()
        return value
    raise AttributeError(f"module 'kerasbook' has no attribute '{name}'")


def _cache_compiled_programs_once_jax_is_loaded():
    """Switch on JAX's compilation cache before anything compiles (kerasbook/core/compile_cache.py)."""
    if "jax" in sys.modules:
        from kerasbook.core import compile_cache
        compile_cache.turn_on_by_default()


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_NAMES))


def load_ipython_extension(ipython):
    """`%load_ext kerasbook`: see kerasbook/extension.py."""
    from kerasbook import extension
    extension.load_ipython_extension(ipython)


def unload_ipython_extension(ipython):
    from kerasbook import extension
    extension.unload_ipython_extension(ipython)
