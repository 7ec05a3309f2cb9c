"""keras.utils.PyDataset and Sequence: batches made by Python code, fed to fit, evaluate and predict."""

import math
import os
import threading
import warnings

import numpy as np
import pytest

import kerasbook

import keras  # the oracle

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1))).astype("float32")


class ArrayDataset(kerasbook.utils.PyDataset):
    """Keras's docstring example, on arrays: batch i is rows [i * batch_size, (i + 1) * batch_size)."""

    def __init__(self, x, y=None, batch_size=16, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0
        self.threads = []  # the thread that made each batch

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        self.threads.append(threading.get_ident())
        rows = slice(idx * self.batch_size, min((idx + 1) * self.batch_size, len(self.x)))
        return self.x[rows] if self.y is None else (self.x[rows], self.y[rows])

    def on_epoch_end(self):
        self.epochs_ended += 1


def small_model(seed=0):
    kerasbook.utils.set_random_seed(seed)
    model = kerasbook.Sequential([kerasbook.Input((5,)), kerasbook.layers.Dense(8, activation="relu"),
                                  kerasbook.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_sequence_is_pydataset_and_keras_arguments_are_kept():
    assert kerasbook.utils.Sequence is kerasbook.utils.PyDataset
    dataset = ArrayDataset(X, Y, workers=3, use_multiprocessing=True, max_queue_size=4)
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (3, True, 4)
    assert dataset.num_batches == 4 and len(list(dataset)) == 4  # iterating uses no pool


@pytest.mark.parametrize("workers, use_multiprocessing", [(1, False), (3, False), (2, True)])
def test_fit_on_a_pydataset_gives_the_history_of_the_same_arrays(workers, use_multiprocessing):
    by_arrays = small_model().fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    dataset = ArrayDataset(X, Y, batch_size=16, workers=workers, use_multiprocessing=use_multiprocessing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # JAX's warning about fork, as under Keras
        by_dataset = small_model().fit(dataset, epochs=3, shuffle=False, verbose=0)
    assert by_dataset.history.keys() == by_arrays.history.keys()
    for name, values in by_arrays.history.items():
        np.testing.assert_allclose(by_dataset.history[name], values, rtol=1e-6, atol=1e-6)
    assert dataset.epochs_ended == 3
    if use_multiprocessing:  # the batches were made in forked processes: this one made only the first
        assert dataset.threads == [threading.get_ident()]
        return
    # The training loop's thread reads the first batch once (it builds the model); with workers, the
    # pool's threads make every batch of every epoch.
    made_here = dataset.threads.count(threading.get_ident())
    assert made_here == (1 if workers > 1 else 1 + 3 * 4)
    assert len(set(dataset.threads)) >= (1 if workers == 1 else 2)


def test_validation_data_evaluate_and_predict_on_pydatasets():
    x_val, y_val = X[:20] + 0.5, Y[:20]
    by_arrays = small_model().fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                                  validation_data=(x_val, y_val))
    model = small_model()
    by_dataset = model.fit(ArrayDataset(X, Y), epochs=2, shuffle=False, verbose=0,
                           validation_data=ArrayDataset(x_val, y_val, batch_size=32))
    for name in ("val_loss", "val_mae"):
        np.testing.assert_allclose(by_dataset.history[name], by_arrays.history[name], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(ArrayDataset(x_val, y_val, batch_size=7), verbose=0),
                               model.evaluate(x_val, y_val, verbose=0), rtol=1e-6)
    # predict takes x from (x, y) batches, and x-only batches too; the last batch is smaller
    expected = model.predict(x_val, verbose=0)
    np.testing.assert_allclose(model.predict(ArrayDataset(x_val, y_val, batch_size=8), verbose=0), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(model.predict(ArrayDataset(x_val, batch_size=8, workers=2), verbose=0),
                               expected, rtol=1e-6)


def test_shuffle_reorders_batches_with_pythons_random_as_keras():
    seen = []

    class Recording(ArrayDataset):
        def __getitem__(self, idx):
            seen.append(idx)
            return super().__getitem__(idx)

    model = small_model()
    model.fit(Recording(X, Y), epochs=1, shuffle=False, verbose=0)
    in_order = list(seen[1:])  # seen[0]: the first batch, read once to build the model
    assert in_order == [0, 1, 2, 3]
    seen.clear()
    kerasbook.utils.set_random_seed(4)
    model.fit(Recording(X, Y), epochs=3, verbose=0)  # shuffle=True, fit's default
    passes = [seen[1 + 4 * i: 5 + 4 * i] for i in range(3)]
    assert all(sorted(p) == [0, 1, 2, 3] for p in passes) and passes != [[0, 1, 2, 3]] * 3


def test_steps_per_epoch_goes_on_where_the_last_epoch_stopped_and_without_end():
    class Endless(kerasbook.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.asked = []

        @property
        def num_batches(self):
            return None

        def __getitem__(self, idx):
            self.asked.append(idx)
            return X[:8], Y[:8]

    endless = Endless()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        small_model().fit(endless, epochs=1, verbose=0)
    history = small_model().fit(endless, epochs=2, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 2
    assert endless.asked[-6:] == [0, 1, 2, 3, 4, 5]


def test_arguments_a_pydataset_cannot_take():
    model = small_model()
    with pytest.raises(ValueError, match="`y` should not be passed when `x` is a PyDataset"):
        model.fit(ArrayDataset(X, Y), Y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(ArrayDataset(X, Y), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="must return a tuple or a dict"):
        class Wrong(ArrayDataset):
            def __getitem__(self, idx):
                return (X, Y, Y, Y)
        model.fit(Wrong(X, Y), verbose=0)


def test_class_weight_weighs_the_batches_of_a_pydataset():
    labels = (X[:, :1] > 0).astype("float32")
    weights = {0: 1.0, 1: 3.0}
    sample_weight = np.where(labels[:, 0] > 0, 3.0, 1.0).astype("float32")
    by_arrays = small_model().fit(X, labels, sample_weight=sample_weight, batch_size=16, shuffle=False,
                                  verbose=0, epochs=2)
    by_dataset = small_model().fit(ArrayDataset(X, labels), class_weight=weights, shuffle=False, verbose=0,
                                   epochs=2)
    np.testing.assert_allclose(by_dataset.history["loss"], by_arrays.history["loss"], rtol=1e-6)


def test_a_subclass_that_forgets_super_init_gets_kerass_warning():
    class Forgetful(kerasbook.utils.PyDataset):
        def __init__(self):
            self.size = 2  # no super().__init__()

        def __len__(self):
            return 2

        def __getitem__(self, idx):
            return X[idx * 8:(idx + 1) * 8], Y[idx * 8:(idx + 1) * 8]

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        history = small_model().fit(Forgetful(), verbose=0)
    assert len(history.history["loss"]) == 1


def test_use_multiprocessing_makes_batches_in_forked_processes():
    class Pids(kerasbook.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, idx):
            return np.full((4, 5), idx, "float32"), np.full((4, 1), os.getpid(), "float32")

    dataset = Pids(workers=2, use_multiprocessing=True, max_queue_size=2)
    from kerasbook.core.training import py_dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # JAX's warning about fork, as under Keras
        batches = list(py_dataset.batches_at(dataset, range(6)))
    assert [int(x[0, 0]) for x, _ in batches] == list(range(6))  # in order
    pids = {int(y[0, 0]) for _, y in batches}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def run_squares(library, base, **dataset_kwargs):
    """Keras's docstring pattern: a class body written for Keras, on the base class given."""
    namespace = {"base": base, "math": math, "np": np}
    exec(SQUARES, namespace)
    squares = namespace["Squares"]
    model = library.Sequential([library.Input((1,)), library.layers.Dense(1)])
    model.build((None, 1))
    model.set_weights([np.array([[0.5]], "float32"), np.array([0.1], "float32")])
    model.compile(optimizer=library.optimizers.SGD(0.1), loss="mse")
    history = model.fit(squares(20, 6, **dataset_kwargs), epochs=2, shuffle=False, verbose=0)
    return (history.history["loss"], model.evaluate(squares(20, 6), verbose=0),
            model.predict(squares(20, 6), verbose=0))


SQUARES = """
class Squares(base):
    def __init__(self, n, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.n, self.batch_size = n, batch_size

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, idx):
        start = idx * self.batch_size
        x = np.arange(start, min(start + self.batch_size, self.n), dtype="float32")[:, None] / 10
        return x, x ** 2

    def on_epoch_end(self):
        pass
"""


def test_a_pydataset_written_for_keras_runs_unchanged():
    """The same class body on keras.utils.PyDataset in Keras, and on kerasbook's in kerasbook (with
    and without workers), and a Keras PyDataset given to kerasbook's fit: the same numbers."""
    expected = run_squares(keras, keras.utils.PyDataset)
    for result in (run_squares(kerasbook, kerasbook.utils.PyDataset),
                   run_squares(kerasbook, kerasbook.utils.PyDataset, workers=2),
                   run_squares(kerasbook, keras.utils.PyDataset)):
        for got, want in zip(result, expected):
            np.testing.assert_allclose(got, want, rtol=1e-5)


def test_dict_batches_feed_a_model_with_named_inputs():
    """Batches `({"a": ..., "b": ...}, y)` go to the inputs of those names, as arrays do."""
    class Named(kerasbook.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, idx):
            rows = slice(idx * 16, (idx + 1) * 16)
            return {"b": X[rows, 3:], "a": X[rows, :3]}, Y[rows]

    def model():
        kerasbook.utils.set_random_seed(1)
        a, b = kerasbook.Input((3,), name="a"), kerasbook.Input((2,), name="b")
        out = kerasbook.layers.Dense(1)(kerasbook.layers.Concatenate()([a, b]))
        m = kerasbook.Model({"a": a, "b": b}, out)
        m.compile("sgd", "mse")
        return m

    by_dataset = model().fit(Named(), epochs=2, shuffle=False, verbose=0).history["loss"]
    by_arrays = model().fit({"a": X[:, :3], "b": X[:, 3:]}, Y, batch_size=16, epochs=2, shuffle=False,
                            verbose=0).history["loss"]
    np.testing.assert_allclose(by_dataset, by_arrays, rtol=1e-6)


def test_steps_per_epoch_on_a_finite_dataset_reads_the_batches_keras_reads():
    """4 batches, steps_per_epoch=3, 2 epochs: the first batch read once more at the start (kerasbook:
    to build the model), then 0 1 2, then 3 and the pass ends early with Keras's warning."""
    orders = []
    for library in (keras, kerasbook):
        seen = []

        class Recording(library.utils.PyDataset):
            def __len__(self):
                return 4

            def __getitem__(self, idx):
                seen.append(idx)
                return X[idx * 16:(idx + 1) * 16], Y[idx * 16:(idx + 1) * 16]

        model = library.Sequential([library.Input((5,)), library.layers.Dense(1)])
        model.compile("sgd", "mse")
        with pytest.warns(UserWarning, match="ran out of data"):
            model.fit(Recording(), epochs=2, steps_per_epoch=3, shuffle=False, verbose=0)
        orders.append(seen)
    assert orders[1] == orders[0] == [0, 0, 1, 2, 3]
