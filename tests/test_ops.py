"""kerasbook.core.ops against keras.ops: values, dtypes, signatures, Variables, control flow."""

import inspect

import jax
import numpy as np
import pytest

import keras  # the oracle
from kerasbook.core import ops
from kerasbook.core.engine.state import StatelessScope
from kerasbook.core.engine.variables import Variable

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(4, 5)).astype("float32")
P = rng.random((3, 4)).astype("float32")
S = (A @ A.T + 3 * np.eye(3)).astype("float32")  # symmetric positive definite
I = np.array([[3, 1, 2], [0, 2, 1]], dtype="int32")
LABELS = np.array([0, 3, 1])
X4 = rng.normal(size=(2, 6, 6, 3)).astype("float32")

CASES = [
    # arithmetic and math
    ("add", (A, B[:, :4].T[:3]), {}), ("subtract", (A, 1.0), {}), ("multiply", (A, P), {}),
    ("divide", (A, P + 1), {}), ("divide_no_nan", (A, np.where(P > 0.5, P, 0)), {}),
    ("power", (P, 2.5), {}), ("mod", (I, 2), {}), ("abs", (A,), {}), ("sqrt", (P,), {}),
    ("sqrt", (I,), {}), ("square", (A,), {}), ("exp", (A,), {}), ("log", (P,), {}), ("log1p", (P,), {}),
    ("rsqrt", (P + 0.1,), {}), ("sign", (A,), {}), ("round", (A * 10,), {}), ("floor", (A,), {}),
    ("ceil", (A,), {}), ("tanh", (A,), {}), ("sin", (A,), {}), ("cos", (A,), {}),
    ("clip", (A, -0.5, 0.5), {}), ("maximum", (A, 0.1), {}), ("minimum", (A, P), {}),
    ("erf", (A,), {}), ("logsumexp", (A,), {"axis": 1}),
    # linear algebra
    ("matmul", (A, B), {}), ("dot", (A, B), {}), ("einsum", ("ij,jk->ik", A, B), {}),
    ("tensordot", (A, B), {"axes": 1}), ("norm", (A,), {"axis": -1}), ("norm", (A,), {}),
    ("inv", (S,), {}), ("det", (S,), {}), ("solve", (S, A[:, :2]), {}), ("cholesky", (S,), {}),
    # reductions
    ("sum", (A,), {"axis": 1}), ("sum", (I,), {}), ("mean", (A,), {"axis": 0, "keepdims": True}),
    ("mean", (I,), {}), ("max", (A,), {}), ("min", (A,), {"axis": 0}), ("prod", (P,), {"axis": 1}),
    ("std", (A,), {"axis": 1}), ("var", (A,), {}), ("argmax", (A,), {"axis": -1}),
    ("argmin", (A,), {"axis": 0, "keepdims": True}), ("any", (A > 1,), {"axis": 1}),
    ("all", (A > -3,), {}), ("cumsum", (A,), {"axis": 1}), ("cumprod", (P,), {"axis": 0}),
    ("count_nonzero", (I,), {"axis": 1}),
    # comparisons and logic
    ("equal", (I, 1), {}), ("not_equal", (I, 1), {}), ("greater", (A, P), {}), ("less", (A, 0), {}),
    ("greater_equal", (A, 0), {}), ("less_equal", (A, P), {}), ("logical_and", (A > 0, P > 0.5), {}),
    ("logical_or", (A > 0, P > 0.5), {}), ("logical_not", (A > 0,), {}), ("where", (A > 0, A, 0.0), {}),
    ("isclose", (A, A + 1e-9), {}),
    # shapes and indexing
    ("reshape", (A, (4, 3)), {}), ("reshape", (A, (-1,)), {}), ("transpose", (A,), {}),
    ("transpose", (X4, (0, 3, 1, 2)), {}), ("expand_dims", (A, 1), {}), ("squeeze", (A[:1],), {}),
    ("concatenate", ([A, A],), {"axis": 0}), ("stack", ([A, A],), {"axis": 1}),
    ("tile", (A, (2, 1)), {}), ("repeat", (A, 2), {"axis": 1}), ("flip", (A,), {"axis": 0}),
    ("roll", (A, 1), {"axis": 1}), ("sort", (A,), {}), ("argsort", (A,), {"axis": 0}),
    ("take", (A, [2, 0]), {"axis": 1}), ("take_along_axis", (A, np.argsort(A, axis=1)), {"axis": 1}),
    ("pad", (A, ((1, 0), (0, 2))), {}), ("pad", (A, 1), {"constant_values": 7}),
    ("pad", (A, ((1, 1), (2, 2))), {"mode": "reflect"}), ("tril", (A,), {}), ("diagonal", (S,), {}),
    ("moveaxis", (X4, 3, 1), {}), ("swapaxes", (A, 0, 1), {}), ("broadcast_to", (P[0], (2, 4)), {}),
    ("unstack", (A,), {"axis": 1}), ("top_k", (A, 2), {}),
    ("segment_sum", (A, np.array([0, 1, 0])), {"num_segments": 2}),
    ("extract_sequences", (A, 2, 1), {}), ("outer", (P[0], P[1]), {}),
    # creation
    ("zeros", ((2, 3),), {}), ("ones", ((2,),), {"dtype": "int32"}), ("zeros_like", (A,), {}),
    ("ones_like", (I,), {}), ("full", ((2, 2), 3), {}), ("full_like", (A, 2.0), {}),
    ("arange", (5,), {}), ("arange", (1, 2, 0.25), {}), ("linspace", (0, 1, 5), {}), ("eye", (3,), {}),
    ("eye", (2, 3), {"k": 1}), ("tri", (3,), {}), ("identity", (3,), {}),
    # nn
    ("relu", (A,), {}), ("relu6", (A * 5,), {}), ("sigmoid", (A,), {}), ("softmax", (A,), {}),
    ("softmax", (A,), {"axis": 0}), ("log_softmax", (A,), {}), ("softplus", (A,), {}),
    ("softsign", (A,), {}), ("silu", (A,), {}), ("gelu", (A,), {}), ("gelu", (A,), {"approximate": False}),
    ("elu", (A,), {"alpha": 0.5}), ("selu", (A,), {}), ("leaky_relu", (A,), {}),
    ("leaky_relu", (A,), {"negative_slope": 0.1}), ("hard_sigmoid", (A * 3,), {}),
    ("hard_silu", (A * 3,), {}), ("log_sigmoid", (A,), {}), ("celu", (A,), {}), ("glu", (A,), {}),
    ("sparse_plus", (A * 2,), {}), ("hard_tanh", (A * 2,), {}), ("soft_shrink", (A,), {}),
    ("hard_shrink", (A,), {}), ("tanh_shrink", (A,), {}), ("squareplus", (A,), {}),
    ("threshold", (A, 0.2, -1.0), {}), ("sparse_sigmoid", (A * 2,), {}),
    ("one_hot", (LABELS, 4), {}), ("one_hot", (LABELS, 4), {"axis": 0}), ("multi_hot", (I, 4), {}),
    ("binary_crossentropy", (P > 0.5, P), {}), ("binary_crossentropy", (P > 0.5, A), {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(4)[LABELS], P), {}),
    ("categorical_crossentropy", (np.eye(4)[LABELS], A), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (LABELS, A), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (LABELS, P), {}),
    ("moments", (X4, (0, 1, 2)), {}), ("moments", (A, -1), {"keepdims": True}),
    ("batch_normalization", (A, P[0], P[1] + 0.5, -1), {"offset": A[0], "scale": P[2]}),
    ("normalize", (A,), {}), ("normalize", (A,), {"order": 1, "axis": 0}),
    ("rms_normalization", (A,), {"scale": P[0]}), ("layer_normalization", (A,), {"gamma": P[0]}),
    ("psnr", (P, P[::-1], 1.0), {}),
    ("max_pool", (X4, (2, 2)), {"strides": 2}), ("max_pool", (X4, 3), {"strides": 2, "padding": "same"}),
    ("average_pool", (X4, (2, 2)), {"strides": 2}), ("average_pool", (X4, 3), {"strides": 2, "padding": "same"}),
    ("average_pool", (np.moveaxis(X4, 3, 1), (2, 2)), {"strides": 2, "data_format": "channels_first"}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_op_equals_keras(name, args, kwargs):
    ours = jax.tree_util.tree_leaves(getattr(ops, name)(*args, **kwargs))
    theirs = jax.tree_util.tree_leaves(getattr(keras.ops, name)(*args, **kwargs))
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        mine, reference = np.asarray(mine), np.asarray(reference)
        assert mine.dtype == reference.dtype, f"{name}: dtype {mine.dtype}, Keras gives {reference.dtype}"
        np.testing.assert_allclose(mine, reference, rtol=2e-5, atol=2e-6)


CONVOLUTIONS = [
    ("conv", (X4, rng.normal(size=(3, 3, 3, 5)).astype("float32")), {}),
    ("conv", (X4, rng.normal(size=(3, 3, 3, 5)).astype("float32")), {"strides": 2, "padding": "same"}),
    ("conv", (X4, rng.normal(size=(3, 3, 3, 4)).astype("float32")), {"dilation_rate": 2}),
    ("conv", (np.moveaxis(X4, 3, 1), rng.normal(size=(2, 2, 3, 4)).astype("float32")),
     {"data_format": "channels_first"}),
    ("conv", (X4[:, :, 0], rng.normal(size=(3, 3, 2)).astype("float32")), {"padding": "same"}),
    ("depthwise_conv", (X4, rng.normal(size=(3, 3, 3, 2)).astype("float32")), {"strides": (1, 2)}),
    ("separable_conv", (X4, rng.normal(size=(3, 3, 3, 2)).astype("float32"),
                        rng.normal(size=(1, 1, 6, 4)).astype("float32")), {"padding": "same"}),
    ("conv_transpose", (X4, rng.normal(size=(3, 3, 5, 3)).astype("float32")), {"strides": 2}),
    ("conv_transpose", (X4, rng.normal(size=(3, 3, 5, 3)).astype("float32")),
     {"strides": 2, "padding": "same"}),
    ("conv_transpose", (X4, rng.normal(size=(4, 4, 2, 3)).astype("float32")),
     {"strides": 2, "padding": "same", "output_padding": 1}),
    ("conv_transpose", (X4, rng.normal(size=(2, 3, 2, 3)).astype("float32")), {"strides": (3, 1)}),
    ("conv_transpose", (X4[:, :, 0], rng.normal(size=(3, 2, 3)).astype("float32")),
     {"dilation_rate": 2, "padding": "same"}),
]


@pytest.mark.parametrize("name,args,kwargs", CONVOLUTIONS, ids=[c[0] for c in CONVOLUTIONS])
def test_convolutions_equal_keras(name, args, kwargs):
    ours = np.asarray(getattr(ops, name)(*args, **kwargs))
    theirs = np.asarray(getattr(keras.ops, name)(*args, **kwargs))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_every_op_shared_with_keras_takes_keras_keyword_defaults():
    """`ops.mean(x, axis=None, keepdims=False)` etc.: each argument Keras gives a default exists here
    with the same default, so keyword calls written for Keras work unchanged."""
    mismatches = {}
    for name in dir(keras.ops):
        if name.startswith("_") or not hasattr(ops, name) or name in ("vectorize",):
            continue
        try:
            theirs = inspect.signature(getattr(keras.ops, name)).parameters.values()
            ours = inspect.signature(getattr(ops, name)).parameters
        except (TypeError, ValueError):
            continue
        for p in theirs:
            if p.default is not inspect.Parameter.empty and p.name != "sparse" and (
                    p.name not in ours or ours[p.name].default != p.default):
                mismatches[name] = p.name
    assert not mismatches
    expected = {"matmul", "einsum", "softmax", "conv", "depthwise_conv", "conv_transpose", "scan",
                "while_loop", "slice_update", "scatter", "top_k", "one_hot", "dot_product_attention"}
    assert expected <= set(dir(ops))


def test_ops_accept_python_lists():
    for name, args in [("sum", ([1.0, 2.0],)), ("add", ([1, 2], [3, 4])), ("relu", ([-1.0, 2.0],)),
                       ("softmax", ([1.0, 2.0],)), ("where", ([True, False], [1, 2], [3, 4])),
                       ("take", (A, [0, 2])), ("max", ([1, 5, 2],)), ("pad", ([1, 2], 1))]:
        arrays = [np.asarray(a) if isinstance(a, list) else a for a in args]
        np.testing.assert_allclose(getattr(ops, name)(*args), getattr(keras.ops, name)(*arrays), rtol=1e-6)


def test_ops_accept_variables_and_return_jax_arrays():
    v = Variable(A)
    for result in (ops.matmul(v, B), ops.relu(v), ops.softmax(v), ops.slice(v, (0, 1), (2, 2)),
                   ops.convert_to_tensor(v), ops.stop_gradient(v), ops.cast(v, "int32"), ops.mean(v),
                   ops.conv(Variable(X4), np.ones((1, 1, 3, 2), "float32")), ops.top_k(v, 2)[0]):
        assert isinstance(result, jax.Array)
    np.testing.assert_allclose(ops.matmul(v, B), A @ B, rtol=1e-5)
    assert ops.shape(v) == (3, 4) and ops.dtype(v) == "float32" and ops.cast(v, "int32").dtype == np.int32
    assert not ops.is_tensor(v) and ops.is_tensor(ops.convert_to_tensor(v))
    assert isinstance(ops.convert_to_numpy(v), np.ndarray)


def test_ops_read_a_variable_from_the_stateless_scope_under_jit():
    v = Variable(A)

    @jax.jit
    def doubled_sum(value):
        with StatelessScope({v: value}):
            return ops.sum(ops.multiply(v, 2.0))

    assert float(doubled_sum(np.ones_like(A))) == pytest.approx(2.0 * A.size)


def test_control_flow_equals_keras():
    def body(i, total):
        return total + i

    assert int(ops.fori_loop(0, 5, body, 0)) == int(keras.ops.fori_loop(0, 5, body, 0)) == 10
    ours = ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 1, b * 2), (0, 1), maximum_iterations=4)
    theirs = keras.ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 1, b * 2), (0, 1),
                                  maximum_iterations=4)
    assert isinstance(ours, tuple) and [int(x) for x in ours] == [int(x) for x in theirs] == [4, 16]
    assert int(ops.while_loop(lambda a: a < 7, lambda a: a + 3, 0)) == 9
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, A[0])
    carry_k, ys_k = keras.ops.scan(lambda c, x: (c + x, c * x), 0.0, A[0])
    np.testing.assert_allclose(carry, carry_k, rtol=1e-6)
    np.testing.assert_allclose(ys, ys_k, rtol=1e-6)
    assert float(ops.cond(True, lambda: 1.0, lambda: 2.0)) == 1.0
    assert int(ops.switch(2, [lambda x: x, lambda x: x + 1, lambda x: x * 10], 3)) == 30
    np.testing.assert_allclose(ops.vectorized_map(lambda row: row @ B, A), A @ B, rtol=1e-5)
    np.testing.assert_allclose(ops.map(lambda row: row.sum(), A), A.sum(1), rtol=1e-5)


def test_custom_gradient_replaces_the_derivative():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))  # stable where the automatic one overflows
        return ops.log(1 + e), grad

    assert float(jax.grad(log1pexp)(100.0)) == pytest.approx(1.0)
    np.testing.assert_allclose(ops.clip(A, x_min=-0.1, x_max=0.2), np.clip(A, -0.1, 0.2))


def test_indexing_updates_equal_keras():
    indices = np.array([[0, 1], [2, 3], [0, 1]])
    values = np.array([1.0, 2.0, 3.0], "float32")
    np.testing.assert_array_equal(ops.scatter(indices, values, (3, 4)),
                                  keras.ops.scatter(indices, values, (3, 4)))
    np.testing.assert_array_equal(ops.scatter_update(A, indices[:2], values[:2]),
                                  keras.ops.scatter_update(A, indices[:2], values[:2]))
    np.testing.assert_array_equal(ops.slice_update(A, (1, 1), np.zeros((2, 2), "float32")),
                                  keras.ops.slice_update(A, (1, 1), np.zeros((2, 2), "float32")))
    np.testing.assert_array_equal(ops.slice(A, (1, 0), (2, 3)), keras.ops.slice(A, (1, 0), (2, 3)))
    np.testing.assert_array_equal(ops.saturate_cast(np.array([300.0, -5.0]), "uint8"), [255, 0])


def test_attention_equals_keras():
    q, k, v = (rng.normal(size=(2, 5, 2, 4)).astype("float32") for _ in range(3))
    for kwargs in ({}, {"is_causal": True}, {"scale": 0.3}):
        np.testing.assert_allclose(ops.dot_product_attention(q, k, v, **kwargs),
                                   keras.ops.dot_product_attention(q, k, v, **kwargs), rtol=1e-5, atol=1e-6)


def test_crossentropy_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"target.shape=\(3, 4\), output.shape=\(3, 5\)"):
        ops.categorical_crossentropy(np.zeros((3, 4)), np.zeros((3, 5)))


def test_sparsemax_projects_onto_the_simplex():
    """Keras 3.15's sparsemax returns all zeros for some rows (e.g. the middle one below), so it is
    compared with Keras only on the others, and checked by hand on that one."""
    x = 2 * A
    ours = np.asarray(ops.sparsemax(x))
    np.testing.assert_allclose(ours.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ours[[0, 2]], np.asarray(keras.ops.sparsemax(x))[[0, 2]], atol=1e-6)
    top, second = np.sort(x[1])[::-1][:2]
    tau = (top + second - 1) / 2  # two values stay in the support
    np.testing.assert_allclose(np.sort(ours[1])[::-1], [top - tau, second - tau, 0, 0], atol=1e-6)
    np.testing.assert_allclose(ops.sparsemax(x, axis=0), ops.sparsemax(x.T).T, atol=1e-6)


def test_ops_and_arithmetic_on_a_symbolic_tensor_record_graph_nodes():
    """As in Keras 3: an op on a symbolic tensor is a node of the graph (tests/test_ops_graph.py has
    the models); an op that needs values says so and what to do instead."""
    import kerasbook
    from kerasbook import layers

    x = kerasbook.Input((4,))
    y = layers.Dense(3, name="hidden")(x)
    for made in (ops.relu(y), ops.concatenate([y, y], axis=-1), y + 1, y[:, 0]):
        assert made._keras_history.operation._inbound_nodes[0].parent_nodes == [y._keras_history.operation._inbound_nodes[0]]
    assert (ops.concatenate([y, y], axis=-1).shape, y[:, 0].shape) == ((None, 6), (None,))
    with pytest.raises(TypeError, match=r"ops\.convert_to_numpy needs values.*call the model on data"):
        ops.convert_to_numpy(y)
    # What only reads a symbolic tensor's shape or dtype works, as in Keras.
    assert ops.shape(y) == (None, 3) and ops.dtype(y) == "float32"
    # A Lambda layer, as before, works too.
    model = kerasbook.Model(x, layers.Lambda(lambda t: ops.relu(t) + 1)(y))
    assert model(np.ones((2, 4))).shape == (2, 3)
