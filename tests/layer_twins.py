"""One layer made in kerasbook and in the real Keras 3, compared: outputs with the same weights,
configs, and `.keras` files saved by one and loaded by the other (used by tests/test_layers_*.py)."""

import numpy as np

import kerasbook

import keras  # the oracle


def twins(name, *args, **kwargs):
    """(ours, theirs): the layer `name` made with the same arguments in kerasbook and Keras."""
    return getattr(kerasbook.layers, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)


def same_weights(ours, theirs):
    """Give `ours` the weights of `theirs` (both built)."""
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


def assert_same_config(ours, theirs):
    """The same keys, and the same values except the auto-made name and the dtype record."""
    a, b = ours.get_config(), theirs.get_config()
    assert set(a) == set(b), (set(a) ^ set(b))
    for key in set(a) - {"name", "dtype"}:
        assert _plain(a[key]) == _plain(b[key]), (key, a[key], b[key])


def _plain(value):
    """Lists and tuples compare alike (JSON has only lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def assert_files_pass_both_ways(tmp_path, ours, theirs, shape, x, atol=1e-5):
    """A model `Input(shape) -> layer` saved by each package loads in the other and predicts the same
    (predict: inference, where random layers pass their inputs through)."""
    for maker, layer, loader, label in ((kerasbook, ours, keras, "ours"), (keras, theirs, kerasbook, "theirs")):
        model = maker.Sequential([maker.Input(shape), layer])
        path = tmp_path / f"{label}.keras"
        model.save(path)
        loaded = loader.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=atol)
        assert type(loaded.layers[-1]).__name__ == type(layer).__name__
