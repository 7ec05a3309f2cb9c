"""Every namespace is a module: `import kerasbook.layers`, `from kerasbook.ops import relu`, as with
Keras 3 (issue 15, 3), without slowing `import kerasbook` down (nothing loads before it is asked for)."""

import importlib
import subprocess
import sys

import pytest

import kerasbook

NAMESPACES = sorted(kerasbook._SUBMODULES)

# What keras-io's examples import from Keras's namespaces, written for kerasbook.
FROM_IMPORTS = [
    ("layers", "Dense"), ("layers", "Conv2D"), ("ops", "relu"), ("ops", "concatenate"),
    ("models", "Model"), ("models", "Sequential"), ("models", "load_model"), ("optimizers", "Adam"),
    ("losses", "SparseCategoricalCrossentropy"), ("metrics", "Accuracy"), ("callbacks", "EarlyStopping"),
    ("utils", "to_categorical"), ("activations", "relu"), ("initializers", "GlorotUniform"),
    ("datasets", "mnist"), ("saving", "register_keras_serializable"), ("backend", "clear_session"),
]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_each_namespace_imports_as_the_module_the_attribute_gives(namespace):
    module = importlib.import_module(f"kerasbook.{namespace}")
    assert module is getattr(kerasbook, namespace)


@pytest.mark.parametrize("namespace,name", FROM_IMPORTS, ids=lambda v: v)
def test_from_namespace_import_name(namespace, name):
    found = getattr(importlib.import_module(f"kerasbook.{namespace}"), name)
    assert found is getattr(getattr(kerasbook, namespace), name)


def test_submodules_of_a_namespace_are_the_defining_modules_not_copies():
    from kerasbook.ops.nn import relu
    import kerasbook.core.ops.nn as defined
    import kerasbook.datasets.mnist
    assert relu is defined.relu and sys.modules["kerasbook.ops.nn"] is defined
    assert kerasbook.datasets.mnist is importlib.import_module("kerasbook.core.datasets.mnist")
    # The aliased module keeps its own spec (importlib.reload and pickling read it).
    assert kerasbook.ops.nn.__spec__.name == "kerasbook.core.ops.nn"


def test_a_missing_module_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError, match="kerasbook.layers.nothing"):
        importlib.import_module("kerasbook.layers.nothing")


def test_keras_style_imports_in_a_fresh_interpreter_load_only_what_they_name():
    code = ("import sys, kerasbook\n"
            "before = 'kerasbook.core.layers' in sys.modules\n"
            "from kerasbook.layers import Dense\n"
            "import kerasbook.ops\n"
            "from kerasbook.models import Model\n"
            "print(before, Dense.__module__, kerasbook.ops.relu.__name__, Model.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "kerasbook.core.layers.core", "relu", "Model"]
