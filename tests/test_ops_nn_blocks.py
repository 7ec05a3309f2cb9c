"""The ops that move pixels and blocks around (adaptive pooling, depth_to_space / space_to_depth,
unfold / fold, rearrange) and polar / view, against the real keras package: same numbers, shapes and
dtypes; symbolic calls record op nodes named as Keras names them (issue 17: ops coverage)."""

import numpy as np
import pytest

import keras  # the oracle (tests/conftest.py selects its JAX backend)
import kerasbook
from kerasbook.core import ops

RNG = np.random.RandomState(0)
IMAGES = RNG.rand(2, 7, 9, 4).astype("float32")
FIRST = np.ascontiguousarray(np.moveaxis(IMAGES, -1, 1))

CALLS = [
    ("adaptive_average_pool", (IMAGES, (3, 4)), {}),
    ("adaptive_max_pool", (IMAGES, (3, 4)), {}),
    ("adaptive_average_pool", (FIRST, 5), {"data_format": "channels_first"}),
    ("adaptive_max_pool", (IMAGES[:, :, 0], 4), {}),  # 1-D
    ("adaptive_average_pool", (RNG.rand(1, 5, 6, 7, 2).astype("float32"), (2, 3, 4)), {}),  # 3-D
    ("depth_to_space", (IMAGES, 2), {}),
    ("depth_to_space", (FIRST, 2), {"data_format": "channels_first"}),
    ("space_to_depth", (IMAGES[:, :6, :8], 2), {}),
    ("space_to_depth", (FIRST[:, :, :6, :8], 2), {"data_format": "channels_first"}),
    ("unfold", (FIRST, 3), {"dilation": 2, "padding": 1, "stride": 2}),
    ("unfold", (FIRST, (2, 3)), {}),
    ("polar", (IMAGES, IMAGES * 3), {}),
    ("view", (IMAGES, "int32"), {}),
    ("rearrange", (IMAGES, "b h w c -> b c h w"), {}),
    ("rearrange", (IMAGES, "b h w c -> h (b w) c"), {}),
    ("rearrange", (IMAGES[:, :6, :8], "b (h h1) (w w1) c -> b h w (c h1 w1)"), {"h1": 2, "w1": 2}),
    ("rearrange", (IMAGES[:, :6, :8], "b (h1 h) (w1 w) c -> (b h1 w1) h w c"), {"h1": 2, "w1": 2}),
]


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_equals_keras(name, args, kwargs):
    ours = np.asarray(getattr(ops, name)(*args, **kwargs))
    theirs = np.asarray(getattr(keras.ops, name)(*args, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kernel,dilation,padding,stride", [(3, 1, 1, 2), ((2, 3), 2, 0, 1)])
def test_fold_puts_unfolded_blocks_back_as_keras_does(kernel, dilation, padding, stride):
    columns = np.asarray(keras.ops.unfold(FIRST, kernel, dilation, padding, stride))
    ours = ops.fold(columns, (7, 9), kernel, dilation, padding, stride)
    np.testing.assert_allclose(ours, keras.ops.fold(columns, (7, 9), kernel, dilation, padding, stride), atol=1e-5)


def test_pixel_shuffles_undo_each_other():
    np.testing.assert_array_equal(ops.space_to_depth(ops.depth_to_space(IMAGES, 2), 2), IMAGES)


def test_symbolic_calls_record_nodes_named_as_keras():
    """Class names as Keras's; shapes as Keras computes them on data (Keras 3.15's symbolic adaptive
    pooling gives (None, 6, 3, 3, 4) for (None, 6, 8, 4) images, and its symbolic rearrange needs a
    known batch size)."""
    kerasbook.backend.clear_session()
    data = RNG.rand(2, 6, 8, 4).astype("float32")
    for call in [lambda k, x: k.ops.adaptive_average_pool(x, (3, 3)), lambda k, x: k.ops.depth_to_space(x, 2),
                 lambda k, x: k.ops.rearrange(x, "b h w c -> b (h w) c")]:
        ours, theirs = call(kerasbook, kerasbook.Input((6, 8, 4))), call(keras, keras.Input((6, 8, 4), batch_size=2))
        assert type(ours._keras_history.operation).__name__ == type(theirs._keras_history.operation).__name__
        assert tuple(ours.shape[1:]) == tuple(call(keras, data).shape[1:])


def test_ctc_loss_and_greedy_decoding_equal_keras():
    logits = RNG.normal(size=(3, 12, 6)).astype("float32")
    target = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [5, 4, 3, 2]], "int32")
    lengths, steps = np.array([3, 2, 4]), np.array([12, 9, 10])
    np.testing.assert_allclose(ops.ctc_loss(target, logits, lengths, steps),
                               keras.ops.ctc_loss(target, logits, lengths, steps), rtol=1e-5)
    np.testing.assert_allclose(ops.ctc_loss(target + 1, logits, lengths, steps, mask_index=0),
                               keras.ops.ctc_loss(target + 1, logits, lengths, steps, mask_index=0), rtol=1e-5)
    for merge in (True, False):
        ours = ops.ctc_decode(logits, steps, merge_repeated=merge, mask_index=2)
        theirs = keras.ops.ctc_decode(logits, steps, merge_repeated=merge, mask_index=2)
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    with pytest.raises(NotImplementedError, match="greedy"):
        ops.ctc_decode(logits, steps, strategy="beam_search")


def test_a_model_with_rearrange_records_it_as_keras_and_loads_both_ways(tmp_path):
    """Keras keeps rearrange's pattern and sizes in the node's arguments, not in the op's config."""
    import json

    def build(k):
        x = k.Input((6, 8, 3), batch_size=2)  # (Keras 3.15's symbolic rearrange needs the batch size)
        return k.Model(x, k.ops.rearrange(x, "b (h h1) w c -> b h (w c h1)", h1=2))

    def op_records(model):
        return [(r["class_name"], r["config"], r["inbound_nodes"]) for r in json.loads(json.dumps(
            model.get_config()))["layers"] if r["module"].startswith("keras.src.ops")]
    data = RNG.rand(2, 6, 8, 3).astype("float32")
    kerasbook.backend.clear_session()
    keras.backend.clear_session()  # both name their tensors from the same counters
    ours, theirs = build(kerasbook), build(keras)
    assert op_records(ours) == op_records(theirs)
    expected = np.asarray(theirs(data))
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "ours.keras")(data), expected)
    np.testing.assert_array_equal(kerasbook.models.load_model(tmp_path / "theirs.keras")(data), expected)
