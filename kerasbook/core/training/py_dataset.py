"""`keras.utils.PyDataset` (also `keras.utils.Sequence`): data that Python code makes batch by batch.

A PyDataset is a list of batches: `__len__` says how many, `__getitem__(i)` returns batch `i` whole
(`x`, `(x, y)` or `(x, y, sample_weight)`, NumPy arrays). `fit`, `evaluate` and `predict` take one in
place of arrays, e.g. images read from disk a batch at a time, so the whole set never has to fit in
memory. `on_epoch_end()` runs after each epoch (to reshuffle, say).

Parallel loading, as in Keras: with `workers > 1`, or `workers > 0` and `use_multiprocessing=True`,
the batches of an epoch are made ahead of time by a pool, at most `max_queue_size` batches ahead, and
given to the model in order:

- `use_multiprocessing=False`: a pool of `workers` threads. Good for reading files (the threads wait
  on the disk together); Python code that computes holds the GIL, so it gains little.
- `use_multiprocessing=True`: a pool of `workers` processes forked from this one, as Keras does on
  Linux. Each gets a copy of the dataset as it was when the epoch began; the batches come back
  pickled. Worth it for NumPy or Pillow work that the GIL would serialize. JAX warns about `fork`
  (it is multithreaded): `__getitem__` should use NumPy, not JAX, in the workers. Where `fork` does
  not exist (Windows), this raises rather than silently using threads.

Iterating over a PyDataset yourself (`for batch in dataset`) uses no pool, as in Keras.
"""

import collections
import itertools
import warnings


class PyDataset:
    """Base class of datasets written in Python: subclass it, call `super().__init__(**kwargs)`, and
    define `__len__` (the number of batches) and `__getitem__(index)` (batch `index`, whole).

    Args:
        workers: how many threads (or processes) make batches ahead during `fit`; 1 makes them one at
            a time in the training loop.
        use_multiprocessing: make the batches in forked processes instead of threads (the dataset
            see the module's docstring).
        max_queue_size: how many batches the workers may make ahead of the model.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        """A subclass that forgot `super().__init__()` still works, with Keras's defaults and warning."""
        missing = [name for name in ("_workers", "_use_multiprocessing", "_max_queue_size")
                   if not hasattr(self, name)]
        if not missing:
            return
        self._workers, self._use_multiprocessing, self._max_queue_size = (
            getattr(self, "_workers", 1), getattr(self, "_use_multiprocessing", False),
            getattr(self, "_max_queue_size", 10))
        warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. "
                      "`**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not "
                      "pass these arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Batch number `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index), which "
                                  "returns batch number `index`.")

    @property
    def num_batches(self):
        """The number of batches (`len(self)`), or None for a dataset without end."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def __iter__(self):
        """The batches in order, one at a time (no workers); without end if `num_batches` is None."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in range(count) if count is not None else itertools.count():
            yield self[index]

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (after the last batch of the epoch was made)."""


Sequence = PyDataset  # Keras 2's name, kept by Keras 3 for the same class


def is_py_dataset(x):
    """A kerasbook PyDataset, or one made for Keras (`keras.utils.PyDataset`, tf.keras's `Sequence`):
    the same protocol, so fit takes either."""
    return isinstance(x, PyDataset) or any(
        cls.__name__ in ("PyDataset", "Sequence") and cls.__module__.startswith(("keras", "tensorflow"))
        for cls in type(x).__mro__)


def settings(dataset):
    """`(workers, use_multiprocessing, max_queue_size)`, with Keras's defaults for a dataset that has
    none of them (tf.keras's Sequence)."""
    return (getattr(dataset, "workers", 1), getattr(dataset, "use_multiprocessing", False),
            getattr(dataset, "max_queue_size", 10))


def uses_pool(dataset):
    """Keras's rule: a pool when `workers > 1`, or `workers > 0` with multiprocessing."""
    workers, use_multiprocessing, _ = settings(dataset)
    return workers > 1 or (workers > 0 and use_multiprocessing)


def batches_at(dataset, indices):
    """The batches `dataset[i]` for `i` in `indices`, in that order: made one at a time, or by the
    dataset's pool of threads or processes. Close the generator (or run it to the end) to stop the
    pool; nothing of it outlives the generator."""
    if not uses_pool(dataset):
        for index in indices:
            yield dataset[index]
        return
    pool, make = _start_pool(dataset)
    try:
        yield from _ahead(pool, make, indices, max(1, settings(dataset)[2]))
    finally:
        pool.terminate()  # also stops workers still making batches that will not be asked for
        pool.join()


def _start_pool(dataset):
    """A pool, and the function its workers call with an index."""
    import multiprocessing.pool  # here, not at the top: 6 ms of every `import kerasbook` otherwise
    workers, use_multiprocessing, _ = settings(dataset)
    if not use_multiprocessing:
        return multiprocessing.pool.ThreadPool(workers), dataset.__getitem__
    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("use_multiprocessing=True forks processes, which this system cannot do; "
                           "use threads instead (use_multiprocessing=False).")
    # A forked worker inherits the dataset from this process's memory: it is not pickled.
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_set_worker_dataset,
                                                    initargs=(dataset,))
    return pool, _make_batch


def _ahead(pool, make, indices, queue_size):
    """Ask the pool for up to `queue_size` batches ahead; give them back in the order asked."""
    indices = iter(indices)
    pending = collections.deque(pool.apply_async(make, (i,)) for i in itertools.islice(indices, queue_size))
    while pending:
        batch = pending.popleft().get()
        for index in itertools.islice(indices, 1):
            pending.append(pool.apply_async(make, (index,)))
        yield batch


# The dataset a forked worker process makes batches of (each process has its own copy of this module).
_worker_dataset = None


def _set_worker_dataset(dataset):
    global _worker_dataset
    _worker_dataset = dataset


def _make_batch(index):
    return _worker_dataset[index]
