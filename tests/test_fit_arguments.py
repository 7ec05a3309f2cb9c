"""fit's less common arguments, and what a fit must not drop, compared with Keras 3 epoch by epoch:
steps_per_epoch, validation_steps, initial_epoch, validation_freq, validation_batch_size, evaluate's
and predict's steps; class_weight, sample_weight, add_loss and regularizers; callbacks' logs."""

import collections

import numpy as np
import pytest

import kerasbook
from kerasbook.core import tree

import keras  # the oracle (JAX backend, see conftest.py)

TOL = dict(rtol=1e-5, atol=1e-5)


def data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = rng.integers(0, 3, size=(n,))
    return x, y


def classifier(k, regularized=False, added_loss=False):
    inputs = k.Input((6,))
    regularizer = dict(kernel_regularizer=k.regularizers.L2(0.05), activity_regularizer="l1") if regularized else {}
    hidden = k.layers.Dense(8, activation="tanh", **regularizer)(inputs)
    if added_loss:
        hidden = AddsLoss(k)(hidden)
    model = k.Model(inputs, k.layers.Dense(3, activation="softmax")(hidden))
    model.compile(optimizer=k.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def AddsLoss(k):
    """A layer that adds a loss of its own with add_loss (as the guides' VAE does)."""

    class AddsLoss(k.layers.Layer):
        def call(self, x):
            self.add_loss(0.1 * k.ops.mean(k.ops.square(x)))
            return x

    return AddsLoss()


def pair(**kwargs):
    ours, theirs = classifier(kerasbook, **kwargs), classifier(keras, **kwargs)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


class Recorder:
    """A callback for either library that writes down each hook it sees and the logs' keys."""

    def __new__(cls, k):
        class Recording(k.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.seen = []

        def hook(name):
            def method(self, *args, **kwargs):
                logs = kwargs["logs"] if "logs" in kwargs else (args[-1] if args else None)
                assert isinstance(logs, dict), f"{name} got {logs!r}"
                self.seen.append((name, sorted(logs)))
            return method

        for name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                     "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin",
                     "on_test_batch_end", "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
                     "on_predict_batch_end"):
            setattr(Recording, name, hook(name))
        return Recording()


def fit_both(fit_kwargs, pair_kwargs=None, x=None, y=None):
    if x is None:
        x, y = data()
    ours, theirs = pair(**(pair_kwargs or {}))
    recorders = Recorder(kerasbook), Recorder(keras)
    fit_kwargs = dict(dict(batch_size=16, shuffle=False, verbose=0), **fit_kwargs)
    h_ours = ours.fit(x, y, callbacks=[recorders[0]], **fit_kwargs)
    h_theirs = theirs.fit(x, y, callbacks=[recorders[1]], **fit_kwargs)
    assert h_ours.epoch == h_theirs.epoch
    assert sorted(h_ours.history) == sorted(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], **TOL, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, **TOL)
    return recorders[0].seen, recorders[1].seen


def hook_counts(seen):
    return collections.Counter(name for name, _ in seen)


def test_callbacks_get_a_dict_in_every_hook_as_in_keras():
    x, y = data()
    ours_seen, theirs_seen = fit_both(dict(epochs=2, validation_data=(x[:20], y[:20])))
    assert hook_counts(ours_seen) == hook_counts(theirs_seen)
    assert [s for s in ours_seen if s[0] in ("on_train_begin", "on_epoch_end", "on_train_end")] == \
        [s for s in theirs_seen if s[0] in ("on_train_begin", "on_epoch_end", "on_train_end")]


def test_steps_per_epoch_runs_that_many_batches_going_on_where_the_last_epoch_stopped():
    with pytest.warns(UserWarning, match="ran out of data"):  # 5 batches: 2, 2, then 1 and a new pass
        ours_seen, theirs_seen = fit_both(dict(epochs=4, steps_per_epoch=2))
    assert ours_seen == theirs_seen
    assert hook_counts(ours_seen)["on_train_batch_end"] == 7


def test_steps_per_epoch_beyond_the_data_warns_and_stops_the_epoch_as_keras():
    with pytest.warns(UserWarning, match="ran out of data"):
        ours_seen, theirs_seen = fit_both(dict(epochs=2, steps_per_epoch=4, batch_size=32))
    assert hook_counts(ours_seen) == hook_counts(theirs_seen)


def test_validation_steps_freq_and_batch_size_and_initial_epoch():
    x, y = data()
    fit_both(dict(epochs=4, validation_data=(x[:30], y[:30]), validation_steps=2, validation_batch_size=8,
                  validation_freq=2))
    fit_both(dict(epochs=4, validation_data=(x[:30], y[:30]), validation_freq=[1, 4]))
    ours_seen, theirs_seen = fit_both(dict(epochs=4, initial_epoch=2, validation_split=0.25))
    assert hook_counts(ours_seen)["on_epoch_end"] == hook_counts(theirs_seen)["on_epoch_end"] == 2


def test_a_validation_freq_of_another_type_is_refused_as_keras_does():
    ours, _ = pair()
    x, y = data()
    with pytest.raises(ValueError, match="Expected `validation_freq` to be a list or int"):
        ours.fit(x, y, validation_data=(x, y), validation_freq="2", verbose=0)


def test_evaluate_and_predict_take_steps_as_keras():
    ours, theirs = pair()
    x, y = data()
    np.testing.assert_allclose(ours.evaluate(x, y, batch_size=16, steps=2, verbose=0),
                               theirs.evaluate(x, y, batch_size=16, steps=2, verbose=0), **TOL)
    ours_predictions = ours.predict(x, batch_size=16, steps=2, verbose=0)
    theirs_predictions = theirs.predict(x, batch_size=16, steps=2, verbose=0)
    assert ours_predictions.shape == theirs_predictions.shape == (32, 3)
    np.testing.assert_allclose(ours_predictions, theirs_predictions, **TOL)


@pytest.mark.parametrize("case", ["class_weight", "sample_weight", "add_loss", "regularizers"])
def test_what_a_fit_must_not_drop_matches_keras_epoch_by_epoch(case):
    """A fit that ignored class weights, sample weights, added or regularization losses would pass
    the plainer tests: here each changes the losses and weights, which must equal Keras's."""
    x, y = data()
    fit_kwargs, pair_kwargs = dict(epochs=3, validation_split=0.2), {}
    if case == "class_weight":
        fit_kwargs["class_weight"] = {0: 1.0, 1: 4.0, 2: 0.5}
    elif case == "sample_weight":
        fit_kwargs["sample_weight"] = np.linspace(0.1, 2.0, len(x)).astype("float32")
    elif case == "add_loss":
        pair_kwargs["added_loss"] = True
    else:
        pair_kwargs["regularized"] = True
    fit_both(fit_kwargs, pair_kwargs, x, y)
    # and the case makes a difference: without it, the same fit ends elsewhere
    plain, _ = pair()
    varied, _ = pair(**pair_kwargs)
    plain.set_weights(varied.get_weights())
    plain_history = plain.fit(x, y, batch_size=16, shuffle=False, verbose=0, epochs=3, validation_split=0.2)
    varied_history = varied.fit(x, y, batch_size=16, shuffle=False, verbose=0, **fit_kwargs)
    assert not np.allclose(plain_history.history["loss"], varied_history.history["loss"], rtol=1e-4)


def test_pack_sequence_as_rebuilds_namedtuples_as_keras_tree_does():
    Point = collections.namedtuple("Point", ["x", "y"])
    structure = {"b": Point(1, [2, 3]), "a": (4, Point(5, 6))}
    flat = list(range(10, 16))
    ours = tree.pack_sequence_as(structure, flat)
    theirs = keras.tree.pack_sequence_as(structure, flat)
    assert ours == theirs and isinstance(ours["b"], Point) and isinstance(ours["a"][1], Point)
    assert tree.flatten(structure) == keras.tree.flatten(structure)
