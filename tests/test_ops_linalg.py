"""keras.ops.linalg and the Fourier ops of keras.ops (fft, fft2, ifft2, rfft, irfft, stft, istft)
against the real keras package: the same numbers, the namespaces Keras has, and op nodes with Keras's
names and classes on symbolic tensors (issue 17, item 3)."""

import jax
import numpy as np
import pytest

import keras  # the oracle (tests/conftest.py selects its JAX backend)
import kerasbook
from kerasbook.core import ops

RNG = np.random.RandomState(0)
SQUARE = RNG.normal(size=(3, 4, 4)).astype("float32")  # three 4x4 matrices
SPD = (SQUARE @ np.swapaxes(SQUARE, -1, -2) + 4 * np.eye(4)).astype("float32")  # positive definite
RHS = RNG.normal(size=(3, 4, 2)).astype("float32")
TALL = RNG.normal(size=(6, 3)).astype("float32")
SIGNAL = RNG.normal(size=(2, 64)).astype("float32")


def leaves(value):
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(value)]


def assert_equal_to_keras(namespace, name, *args, atol=1e-4, **kwargs):
    ours = leaves(getattr(getattr(ops, namespace) if namespace else ops, name)(*args, **kwargs))
    theirs = leaves(getattr(getattr(keras.ops, namespace) if namespace else keras.ops, name)(*args, **kwargs))
    assert len(ours) == len(theirs), name
    for mine, keras_value in zip(ours, theirs):
        assert (mine.shape, mine.dtype) == (keras_value.shape, keras_value.dtype), name
        np.testing.assert_allclose(mine, keras_value, atol=atol, rtol=1e-4, err_msg=name)


def test_ops_linalg_has_every_name_of_keras_ops_linalg_and_they_are_the_top_level_ops():
    names = [n for n in dir(keras.ops.linalg) if not n.startswith("_")]
    assert set(names) <= set(dir(kerasbook.ops.linalg))
    assert all(getattr(kerasbook.ops.linalg, n) is getattr(kerasbook.ops, n) for n in names)
    from kerasbook.ops.linalg import solve  # a module, as in Keras
    assert solve is kerasbook.ops.solve


LINALG_CALLS = [
    ("inv", (SQUARE,), {}), ("det", (SQUARE,), {}), ("solve", (SQUARE, RHS), {}),
    ("solve_triangular", (np.tril(SQUARE) + 3 * np.eye(4, dtype="float32"), RHS), {"lower": True}),
    ("solve_triangular", (np.triu(SQUARE) + 3 * np.eye(4, dtype="float32"), RHS), {}),
    ("cholesky", (SPD,), {}), ("cholesky", (SPD,), {"upper": True}),
    ("cholesky_inverse", (np.linalg.cholesky(SPD[0]),), {}),  # (Keras takes one matrix)
    ("cholesky_inverse", (np.linalg.cholesky(SPD[0]).T,), {"upper": True}),
    ("lu_factor", (SQUARE,), {}), ("lu_factor", (SQUARE[0],), {}),
    ("qr", (TALL,), {}), ("qr", (TALL,), {"mode": "complete"}),
    ("svd", (TALL,), {"compute_uv": False}), ("eigh", (SPD,), {}),
    ("norm", (SQUARE,), {}), ("norm", (SQUARE,), {"ord": "fro", "axis": (-2, -1), "keepdims": True}),
    ("norm", (np.arange(6),), {"ord": 1}), ("matrix_rank", (SQUARE,), {}),
    ("pinv", (TALL,), {}), ("lstsq", (TALL, RNG.normal(size=(6, 2)).astype("float32")), {}),
]


@pytest.mark.parametrize("name,args,kwargs", LINALG_CALLS, ids=[c[0] for c in LINALG_CALLS])
def test_linalg_ops_equal_keras(name, args, kwargs):
    assert_equal_to_keras("linalg", name, *args, **kwargs)


def test_decompositions_whose_signs_are_free_reconstruct_their_matrix_as_keras_does():
    u, s, vh = ops.linalg.svd(TALL, full_matrices=False)
    np.testing.assert_allclose(np.asarray(u) * np.asarray(s) @ np.asarray(vh), TALL, atol=1e-5)
    values, vectors = ops.linalg.eig(SPD[0])
    np.testing.assert_allclose(np.sort(np.real(values)), np.sort(np.real(keras.ops.linalg.eig(SPD[0])[0])), atol=1e-4)
    np.testing.assert_allclose(SPD[0] @ vectors, vectors * values, atol=1e-4)
    np.testing.assert_allclose(ops.linalg.jvp(jax.numpy.sin, (np.float32(0.5),), (np.float32(1.0),))[1], np.cos(0.5))


def test_linalg_refuses_what_keras_refuses():
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.linalg.matrix_rank(np.ones(3))
    with pytest.raises(ValueError, match="mode"):
        ops.linalg.qr(TALL, mode="r")


def complex_pair(shape):
    return RNG.normal(size=shape).astype("float32"), RNG.normal(size=shape).astype("float32")


@pytest.mark.parametrize("name,args,kwargs", [
    ("fft", (complex_pair((2, 16)),), {}), ("fft2", (complex_pair((2, 8, 6)),), {}),
    ("ifft2", (complex_pair((2, 8, 6)),), {}), ("rfft", (SIGNAL,), {}), ("rfft", (SIGNAL,), {"fft_length": 40}),
    ("irfft", (complex_pair((2, 33)),), {}), ("irfft", (complex_pair((2, 17)),), {"fft_length": 30}),
], ids=["fft", "fft2", "ifft2", "rfft", "rfft_length", "irfft", "irfft_length"])
def test_fourier_transforms_equal_keras(name, args, kwargs):
    assert_equal_to_keras(None, name, *args, **kwargs)


@pytest.mark.parametrize("window", ["hann", "hamming", None, np.linspace(0.2, 1, 12).astype("float32")],
                         ids=["hann", "hamming", "none", "array"])
@pytest.mark.parametrize("center", [True, False])
def test_stft_and_istft_equal_keras(window, center):
    assert_equal_to_keras(None, "stft", SIGNAL, 12, 5, 16, window=window, center=center)
    spectrum = keras.ops.stft(SIGNAL, 12, 4, 16, window=window, center=center)
    spectrum = tuple(np.asarray(part) for part in spectrum)
    assert_equal_to_keras(None, "istft", spectrum, 12, 4, 16, window=window, center=center)
    assert_equal_to_keras(None, "istft", spectrum, 12, 4, 16, length=50, window=window, center=center)


def test_stft_then_istft_gives_the_signal_back():
    spectrum = ops.stft(SIGNAL, 16, 4, 16)
    np.testing.assert_allclose(ops.istft(spectrum, 16, 4, 16, length=64), SIGNAL, atol=1e-5)


def test_fourier_ops_refuse_what_keras_refuses():
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(SIGNAL)
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(SIGNAL, 16, 4, 8)
    with pytest.raises(TypeError, match="float32"):
        ops.stft(SIGNAL.astype("int32"), 16, 4, 16)


def test_symbolic_calls_record_keras_names_and_classes():
    """Keras's classes keep their acronyms (SVD, RFFT, STFT); the nodes are named as Keras names them."""
    kerasbook.backend.clear_session()
    calls = [(lambda k, m, s: k.ops.linalg.inv(m)), (lambda k, m, s: k.ops.linalg.svd(m)[1]),
             (lambda k, m, s: k.ops.linalg.lu_factor(m)[0]), (lambda k, m, s: k.ops.linalg.norm(m)),
             (lambda k, m, s: k.ops.rfft(s)[0]), (lambda k, m, s: k.ops.stft(s, 16, 8, 16)[1]),
             (lambda k, m, s: k.ops.fft((s, s))[0]), (lambda k, m, s: k.ops.solve(m, m))]
    for call in calls:
        ours = call(kerasbook, kerasbook.Input((4, 4)), kerasbook.Input((64,)))
        theirs = call(keras, keras.Input((4, 4)), keras.Input((64,)))
        op, keras_op = ours._keras_history.operation, theirs._keras_history.operation
        assert (type(op).__name__, op.name.split("_")[0]) == (type(keras_op).__name__, keras_op.name.split("_")[0])
        assert tuple(ours.shape) == tuple(theirs.shape)


def test_a_model_with_linalg_and_fourier_ops_loads_both_ways(tmp_path):
    def build(k):
        m = k.Input((4, 4))
        s = k.Input((32,))
        real, imag = k.ops.stft(s, 8, 4, 8)
        out = k.ops.concatenate([k.ops.reshape(k.ops.linalg.inv(m), (-1, 16)),
                                 k.ops.reshape(real * real + imag * imag, (-1, 45))], axis=-1)
        return k.Model([m, s], out)
    data = [SPD, RNG.normal(size=(3, 32)).astype("float32")]
    ours, theirs = build(kerasbook), build(keras)
    expected = theirs.predict(data, verbose=0)
    np.testing.assert_allclose(ours.predict(data, verbose=0), expected, atol=1e-4)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "ours.keras").predict(data, verbose=0), expected,
                               atol=1e-4)
    np.testing.assert_allclose(kerasbook.models.load_model(tmp_path / "theirs.keras").predict(data, verbose=0),
                               expected, atol=1e-4)
