"""Every layer kerasbook exports, beside its twin in the real Keras 3: the same constructor signature,
the same outputs for the same weights and inputs (within 1e-4), the same output shapes (on arrays and on
symbolic tensors) and the same config, key by key and value by value.

The cases are a table: one entry (or a list of entries) per name in `kerasbook.layers`. A layer added
to kerasbook without an entry here fails `test_every_layer_has_a_case` with its name. Random layers are
compared in inference here (where they pass their input through, or crop at the centre); their training
statistics are compared in `test_random_layers_training_statistics` and, for the two noise layers whose
standard deviation is easy to get wrong, in `test_noise_dropout_statistics_equal_keras`.
"""

import inspect
from dataclasses import dataclass, field

import numpy as np
import pytest

import kerasbook

import keras  # the oracle


@dataclass
class Case:
    """How to make a layer in either package and what to feed it.

    `make(L)` builds the layer from a `layers` module (kerasbook's or Keras's); `inputs` is a shape
    (one float input), a list of shapes (a list given as the first argument), or a function of a NumPy
    generator returning the arrays; `spread` passes a list of inputs as separate positional arguments
    (MultiHeadAttention's query, value)."""
    make: object
    inputs: object = None
    spread: bool = False
    call: dict = field(default_factory=dict)
    label: str = ""
    atol: float = 1e-4


def same(*args, inputs=None, spread=False, call=None, label="", **kwargs):
    """A case whose layer is made with the same arguments in both packages, by the entry's name."""
    return Case(make=lambda L, name: getattr(L, name)(*args, **kwargs), inputs=inputs, spread=spread,
                call=call or {}, label=label or ",".join([repr(a) for a in args] +
                                                          [f"{k}={v!r}" for k, v in kwargs.items()]))


def built(make, inputs=None, spread=False, call=None, label=""):
    """A case whose layer needs other layers as arguments (wrappers, RNN cells)."""
    return Case(make=lambda L, name: make(L), inputs=inputs, spread=spread, call=call or {}, label=label)


def ints(shape, high):
    return lambda rng: rng.integers(0, high, size=shape)


def images(shape):
    """Pixel values in [0, 255], as image layers expect by default."""
    return lambda rng: (rng.uniform(size=shape) * 255).astype("float32")


SEQ = (2, 5, 3)          # batch, time, features
IMG = (2, 6, 6, 3)       # batch, height, width, channels
VOL = (2, 4, 4, 4, 2)    # batch, depth, height, width, channels
POOL = {1: (2, 6, 3), 2: (2, 6, 6, 3), 3: VOL}

CASES = {
    "Layer": same(),  # the base class: no call, config only
    "InputLayer": built(lambda L: L.InputLayer(shape=(3,)), label="shape=(3,)"),
    "Activation": same("softmax", inputs=(2, 5)),
    "ActivityRegularization": same(l1=0.1, l2=0.01, inputs=(2, 5)),
    "Dense": [same(4, activation="relu", inputs=(2, 3)), same(4, use_bias=False, inputs=(2, 5, 3))],
    "Embedding": same(10, 4, inputs=ints((2, 5), 10)),
    "Identity": same(inputs=(2, 3)),
    "Lambda": built(lambda L: L.Lambda(lambda x: x * 2 + 1), inputs=(2, 3)),
    "Masking": same(0.0, inputs=lambda rng: np.where(rng.uniform(size=(2, 5, 3)) < 0.3, 0.0,
                                                       rng.normal(size=(2, 5, 3))).astype("float32")),
    "Dropout": same(0.5, seed=1, inputs=(2, 6)),
    "SpatialDropout1D": same(0.5, inputs=SEQ),
    "SpatialDropout2D": same(0.5, inputs=IMG),
    "SpatialDropout3D": same(0.5, inputs=VOL),
    "GaussianNoise": same(0.3, inputs=(2, 6)),
    "GaussianDropout": same(0.3, inputs=(2, 6)),
    "AlphaDropout": same(0.3, inputs=(2, 6)),
    "Flatten": same(inputs=IMG),
    "Reshape": same((6, 3), inputs=(2, 3, 6)),
    "Permute": same((2, 1), inputs=SEQ),
    "RepeatVector": same(3, inputs=(2, 4)),
    "Cropping1D": same((1, 2), inputs=(2, 6, 3)),
    "Cropping2D": [same(inputs=IMG), same(((1, 0), (2, 1)), inputs=IMG)],
    "Cropping3D": same(inputs=(2, 4, 4, 4, 2)),
    "UpSampling1D": same(2, inputs=SEQ),
    "UpSampling2D": [same(inputs=IMG), same((2, 3), interpolation="bilinear", inputs=IMG)],
    "UpSampling3D": same(inputs=VOL),
    "ZeroPadding1D": same(2, inputs=SEQ),
    "ZeroPadding2D": same(inputs=IMG),
    "ZeroPadding3D": same(inputs=VOL),
    "Add": same(inputs=[(2, 4), (2, 4)]),
    "Subtract": same(inputs=[(2, 4), (2, 4)]),
    "Multiply": same(inputs=[(2, 4), (2, 4)]),
    "Average": same(inputs=[(2, 4), (2, 4)]),
    "Maximum": same(inputs=[(2, 4), (2, 4)]),
    "Minimum": same(inputs=[(2, 4), (2, 4)]),
    "Concatenate": same(axis=1, inputs=[(2, 3, 4), (2, 2, 4)]),
    "Dot": same(axes=(1, 1), normalize=True, inputs=[(2, 4), (2, 4)]),
    "Conv1D": same(4, 3, padding="causal", dilation_rate=2, inputs=(2, 8, 3)),
    "Conv2D": [same(4, 3, strides=2, padding="same", activation="relu", inputs=IMG),
               same(6, 3, groups=3, inputs=(2, 6, 6, 6))],
    "Conv3D": same(3, 2, inputs=VOL),
    "Conv1DTranspose": same(4, 3, strides=2, inputs=(2, 5, 3)),
    "Conv2DTranspose": same(4, 3, strides=2, padding="same", inputs=IMG),
    "Conv3DTranspose": same(2, 2, strides=2, inputs=VOL),
    "DepthwiseConv1D": same(3, depth_multiplier=2, inputs=(2, 8, 3)),
    "DepthwiseConv2D": same(3, depth_multiplier=2, padding="same", inputs=IMG),
    "SeparableConv1D": same(4, 3, inputs=(2, 8, 3)),
    "SeparableConv2D": same(4, 3, depth_multiplier=2, inputs=IMG),
    "BatchNormalization": same(momentum=0.9, inputs=IMG),
    "LayerNormalization": same(inputs=SEQ),
    "GroupNormalization": [same(groups=2, inputs=(2, 5, 4)), same(groups=-1, inputs=(2, 5, 4))],
    "UnitNormalization": same(inputs=(2, 5)),
    "SimpleRNN": same(4, return_sequences=True, inputs=SEQ),
    "LSTM": [same(4, inputs=SEQ), same(4, return_state=True, go_backwards=True, inputs=SEQ)],
    "GRU": [same(4, inputs=SEQ), same(4, reset_after=False, return_sequences=True, inputs=SEQ)],
    "SimpleRNNCell": built(lambda L: L.RNN(L.SimpleRNNCell(4)), inputs=SEQ, label="in RNN"),
    "LSTMCell": built(lambda L: L.RNN(L.LSTMCell(4)), inputs=SEQ, label="in RNN"),
    "GRUCell": built(lambda L: L.RNN(L.GRUCell(4)), inputs=SEQ, label="in RNN"),
    "RNN": [built(lambda L: L.RNN(L.LSTMCell(4), return_sequences=True), inputs=SEQ, label="LSTMCell"),
            built(lambda L: L.RNN([L.SimpleRNNCell(4), L.GRUCell(3)]), inputs=SEQ, label="stacked cells")],
    "StackedRNNCells": built(lambda L: L.RNN(L.StackedRNNCells([L.LSTMCell(4), L.SimpleRNNCell(3)])),
                             inputs=SEQ, label="in RNN"),
    "Bidirectional": built(lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True)), inputs=SEQ),
    "TimeDistributed": built(lambda L: L.TimeDistributed(L.Dense(3)), inputs=SEQ),
    "ConvLSTM1D": same(2, 3, inputs=(2, 3, 6, 2)),
    "ConvLSTM2D": same(2, 3, padding="same", return_sequences=True, inputs=(2, 3, 5, 5, 2)),
    "ConvLSTM3D": same(2, 2, inputs=(2, 2, 3, 3, 3, 2)),
    "ReLU": same(max_value=1.0, negative_slope=0.1, threshold=0.2, inputs=(2, 6)),
    "LeakyReLU": same(negative_slope=0.2, inputs=(2, 6)),
    "PReLU": same(alpha_initializer="ones", inputs=(2, 6)),
    "ELU": same(alpha=0.5, inputs=(2, 6)),
    "Softmax": same(axis=1, inputs=SEQ),
    "Attention": same(use_scale=True, inputs=[(2, 3, 4), (2, 5, 4)]),
    "AdditiveAttention": same(inputs=[(2, 3, 4), (2, 5, 4)]),
    "MultiHeadAttention": same(2, 4, inputs=[(2, 3, 6), (2, 5, 6)], spread=True),
    "Rescaling": same(1 / 255, offset=-0.5, inputs=images(IMG)),
    "Resizing": same(4, 5, inputs=images(IMG)),
    "CenterCrop": same(4, 3, inputs=images(IMG)),
    "RandomCrop": same(4, 3, seed=1, inputs=images(IMG)),
    "RandomFlip": same(seed=1, inputs=images(IMG)),
    "RandomRotation": same(0.2, seed=1, inputs=images(IMG)),
    "RandomZoom": same(0.2, seed=1, inputs=images(IMG)),
    "RandomTranslation": same(0.2, 0.1, seed=1, inputs=images(IMG)),
    "RandomContrast": same(0.3, seed=1, inputs=images(IMG)),
    "RandomBrightness": same(0.3, seed=1, inputs=images(IMG)),
    "Normalization": same(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 0.25], inputs=(2, 3)),
    "CategoryEncoding": same(6, output_mode="count", inputs=ints((2, 4), 6)),
    "Discretization": same(bin_boundaries=[-1.0, 0.0, 1.0], inputs=(2, 5)),
    "RMSNormalization": [same(inputs=SEQ), same(axis=[1, 2], epsilon=1e-3, inputs=SEQ)],
    "EinsumDense": [same("ab,bc->ac", 4, bias_axes="c", inputs=(2, 3)),
                    same("abc,cde->abde", (5, 2, 3), bias_axes="de", activation="relu", inputs=SEQ),
                    same("...b,bc->...c", 4, inputs=SEQ), same("abc,cd->abd", (None, 4), inputs=SEQ),
                    same("ab...,bc->ac...", 4, bias_axes="c", inputs=(2, 5, 3, 2))],
    "GroupQueryAttention": [same(4, 4, 2, inputs=[(2, 3, 6), (2, 5, 6)], spread=True),
                            same(3, 6, 2, use_gate=True, sliding_window=2, inputs=[(2, 4, 6), (2, 4, 6)],
                                 spread=True, call={"use_causal_mask": True}),
                            same(2, 4, 1, use_bias=False, inputs=[(2, 3, 6), (2, 5, 6)], spread=True,
                                 call={"return_attention_scores": True})],
    "RandomInvert": same(0.5, seed=1, inputs=images(IMG)),
    "RandomGrayscale": same(0.3, seed=1, inputs=images(IMG)),
    "Solarization": same(0.2, (0.1, 0.5), value_range=(0, 1), seed=1, inputs=lambda rng: rng.uniform(size=IMG)
                         .astype("float32")),
    "RandomPosterization": same(3, seed=1, inputs=images(IMG)),
    "RandomSaturation": same(0.5, seed=1, inputs=images(IMG)),
    "RandomHue": same(0.5, value_range=(0, 1), seed=1, inputs=images(IMG)),
    "RandomColorDegeneration": same((0.2, 0.8), seed=1, inputs=images(IMG)),
    "RandomSharpness": same(0.5, seed=1, inputs=images(IMG)),
    "RandomColorJitter": same(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=(0.4, 0.6),
                              hue_factor=0.2, seed=1, inputs=images(IMG)),
    "AutoContrast": [same(inputs=lambda rng: (rng.uniform(size=IMG) * 100 + 50).astype("float32")),
                     same(value_range=(0, 1), inputs=lambda rng: np.concatenate(  # one flat channel
                         [rng.uniform(size=IMG[:3] + (2,)), np.full(IMG[:3] + (1,), 0.5)], -1).astype("float32"))],
}
for _rank, _shape in POOL.items():
    for _kind in ("AdaptiveAveragePooling", "AdaptiveMaxPooling"):  # bins that overlap, and equal ones
        CASES[f"{_kind}{_rank}D"] = [same(4, inputs=_shape), same((2,) * _rank, data_format="channels_first",
                                                                  inputs=_shape)]
for _rank, _shape in POOL.items():
    for _kind in ("MaxPooling", "AveragePooling"):
        CASES[f"{_kind}{_rank}D"] = same(2, strides=1, padding="same", inputs=_shape)
    for _kind in ("GlobalMaxPooling", "GlobalAveragePooling"):
        CASES[f"{_kind}{_rank}D"] = same(keepdims=True, inputs=_shape)

# Keras's other names for the same classes: checked to be the same class as in Keras, not run again.
ALIASES = {f"{short}{rank}D": f"{long}{rank}D" for rank in (1, 2, 3) for short, long in (
    ("MaxPool", "MaxPooling"), ("AvgPool", "AveragePooling"), ("GlobalMaxPool", "GlobalMaxPooling"),
    ("GlobalAvgPool", "GlobalAveragePooling"), ("Convolution", "Conv"))}
ALIASES.update({f"Convolution{rank}DTranspose": f"Conv{rank}DTranspose" for rank in (1, 2, 3)})
ALIASES.update({f"SeparableConvolution{rank}D": f"SeparableConv{rank}D" for rank in (1, 2)})

# Keras 3.15 cannot make these without TensorFlow (not installed here): their outputs are checked
# against every example Keras documents for them in tests/test_layers_lookup.py and
# tests/test_layers_preprocessing.py; here only their signatures are compared with Keras's.
NEEDS_TENSORFLOW_IN_KERAS = {"StringLookup", "IntegerLookup", "TextVectorization", "Hashing", "HashedCrossing"}


def exported_layers():
    """Every layer class `kerasbook.layers` exports, by its public name."""
    return sorted(name for name, value in vars(kerasbook.layers).items()
                  if inspect.isclass(value) and issubclass(value, kerasbook.layers.Layer)
                  and not name.startswith("_"))


def all_cases():
    for name, cases in sorted(CASES.items()):
        for case in cases if isinstance(cases, list) else [cases]:
            yield pytest.param(name, case, id=f"{name}({case.label})" if case.label else name)


def test_every_layer_has_a_case():
    covered, exported = set(CASES) | set(ALIASES) | NEEDS_TENSORFLOW_IN_KERAS, set(exported_layers())
    missing = sorted(exported - covered)
    assert not missing, f"layers without a conformance case (add them to CASES): {missing}"
    assert not covered - exported


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_are_the_same_classes_as_in_keras(alias):
    assert getattr(kerasbook.layers, alias) is getattr(kerasbook.layers, ALIASES[alias])
    assert getattr(keras.layers, alias) is getattr(keras.layers, ALIASES[alias])


def test_every_layer_has_a_keras_twin():
    assert not [name for name in exported_layers() if not hasattr(keras.layers, name)]


@pytest.fixture(scope="module", autouse=True)
def without_disk_cache():
    """Hundreds of tiny programs: reading each from the shared on-disk compilation cache waits on its
    file lock (other test runs hold it) longer than compiling it, so this module compiles in memory."""
    where = kerasbook.backend.compilation_cache_dir()
    kerasbook.backend.set_compilation_cache(False)
    yield
    kerasbook.backend.set_compilation_cache(where if where is not None else False)


# -- arrays ---------------------------------------------------------------------------------------
def make_inputs(case):
    rng = np.random.default_rng(7)
    if callable(case.inputs):
        return case.inputs(rng)
    if isinstance(case.inputs, list):
        return [rng.normal(size=shape).astype("float32") for shape in case.inputs]
    return rng.normal(size=case.inputs).astype("float32")


def call(layer, inputs, case, **kwargs):
    if case.spread:
        return layer(*inputs, **case.call, **kwargs)
    return layer(inputs, **case.call, **kwargs)


def symbolic_inputs(k, inputs):
    """`k.Input`s with the arrays' shapes, batch unknown."""
    if isinstance(inputs, list):
        return [symbolic_inputs(k, x) for x in inputs]
    return k.Input(batch_shape=(None,) + inputs.shape[1:], dtype=str(inputs.dtype))


def as_list(outputs):
    return [np.asarray(o) for o in outputs] if isinstance(outputs, (list, tuple)) else [np.asarray(outputs)]


def shapes(outputs):
    return [tuple(o.shape) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def make_twins(name, case):
    """Both layers, made after both packages' name counters are reset: auto names compare equal."""
    kerasbook.backend.clear_session()
    keras.backend.clear_session(free_memory=False)  # names only: a garbage collection costs 1 s a case
    return case.make(kerasbook.layers, name), case.make(keras.layers, name)


def plain(value):
    """Tuples as lists (JSON has only lists), and NumPy scalars as Python numbers."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def assert_same_config(ours, theirs, ignore=()):
    a, b = plain(ours.get_config()), plain(theirs.get_config())
    assert sorted(a) == sorted(b), f"keys only in kerasbook: {set(a) - set(b)}; only in Keras: {set(b) - set(a)}"
    for key in sorted(set(a) - set(ignore)):
        assert a[key] == b[key], f"config[{key!r}]: kerasbook {a[key]!r}, Keras {b[key]!r}"


@pytest.mark.parametrize("name,case", list(all_cases()))
def test_layer_equals_keras(name, case):
    ours, theirs = make_twins(name, case)
    assert isinstance(ours, getattr(kerasbook.layers, name)) or name.endswith(("Cell", "Cells"))
    if case.inputs is None:  # nothing to call: the base Layer, InputLayer
        assert_same_config(ours, theirs)
        if name == "InputLayer":
            assert ours.output.shape == tuple(theirs.output.shape)
        return
    x = make_inputs(case)
    # A symbolic call first: it builds the layer (kerasbook's weights get their values only when read,
    # so set_weights below is their first value) and gives the output shapes with the batch unknown.
    symbolic = call(ours, symbolic_inputs(kerasbook, x), case)
    assert shapes(symbolic) == shapes(call(theirs, symbolic_inputs(keras, x), case))
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    expected = call(theirs, x, case, training=False)
    got = call(ours, x, case, training=False)
    assert shapes(got) == shapes(expected)
    for a, b in zip(as_list(got), as_list(expected), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, atol=case.atol, rtol=1e-4)
    # Lambda: Keras stores the function's bytecode, which differs between the two calls' closures.
    assert_same_config(ours, theirs, ignore={"function"} if name == "Lambda" else ())


# -- constructor signatures -----------------------------------------------------------------------
def parameters(cls):
    """(name, default) of each named constructor argument, in order (not `self`, `*args`, `**kwargs`)."""
    return [(p.name, p.default) for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", exported_layers())
def test_signature_equals_keras(name):
    """Names, order and defaults of `__init__`'s arguments, so positional calls mean the same."""
    ours, theirs = parameters(getattr(kerasbook.layers, name)), parameters(getattr(keras.layers, name))
    assert [p for p, _ in ours] == [p for p, _ in theirs]
    assert plain([d for _, d in ours]) == plain([d for _, d in theirs])


# -- random layers in training: the same statistics as Keras ------------------------------------------
def training_outputs(layer, x):
    return np.asarray(layer(x, training=True), dtype="float64")


def summary_statistics(outputs):
    """(mean, standard deviation, fraction of exact zeros) over every value."""
    return outputs.mean(), outputs.std(), np.mean(outputs == 0)


RANDOM_IN_TRAINING = {
    "Dropout": (lambda L: L.Dropout(0.3, seed=3), (4000, 16)),
    "SpatialDropout1D": (lambda L: L.SpatialDropout1D(0.3, seed=3), (4000, 4, 8)),
    "SpatialDropout2D": (lambda L: L.SpatialDropout2D(0.3, seed=3), (4000, 2, 2, 8)),
    "SpatialDropout3D": (lambda L: L.SpatialDropout3D(0.3, seed=3), (4000, 2, 2, 2, 8)),
    "GaussianNoise": (lambda L: L.GaussianNoise(0.4, seed=3), (4000, 16)),
    "RandomFlip": (lambda L: L.RandomFlip(seed=3), (1000, 4, 4, 1)),
    "RandomRotation": (lambda L: L.RandomRotation(0.25, seed=3), (1000, 6, 6, 1)),
    "RandomZoom": (lambda L: L.RandomZoom(0.3, seed=3), (1000, 6, 6, 1)),
    "RandomTranslation": (lambda L: L.RandomTranslation(0.3, 0.3, seed=3), (1000, 6, 6, 1)),
    "RandomContrast": (lambda L: L.RandomContrast(0.5, seed=3), (1000, 6, 6, 1)),
    "RandomBrightness": (lambda L: L.RandomBrightness(0.4, seed=3), (1000, 6, 6, 1)),
    # one draw changes a whole image here, so the share of changed images needs more of them
    "RandomInvert": (lambda L: L.RandomInvert(0.8, seed=3), (8000, 4, 4, 1)),
    "RandomGrayscale": (lambda L: L.RandomGrayscale(0.3, seed=3), (8000, 4, 4, 3)),
    "Solarization": (lambda L: L.Solarization(0.3, 0.6, value_range=(0, 1), seed=3), (8000, 4, 4, 1)),
    "RandomPosterization": (lambda L: L.RandomPosterization((2, 6), seed=3), (8000, 4, 4, 1)),
    "RandomSaturation": (lambda L: L.RandomSaturation((0.2, 0.7), seed=3), (8000, 4, 4, 3)),
    "RandomHue": (lambda L: L.RandomHue(0.6, seed=3), (8000, 4, 4, 3)),
    "RandomColorDegeneration": (lambda L: L.RandomColorDegeneration(0.8, seed=3), (8000, 4, 4, 3)),
    "RandomSharpness": (lambda L: L.RandomSharpness(0.9, seed=3), (8000, 4, 4, 3)),
    "RandomColorJitter": (lambda L: L.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.4,
                                                        hue_factor=0.3, seed=3), (8000, 4, 4, 3)),
}


@pytest.mark.parametrize("name", sorted(RANDOM_IN_TRAINING))
def test_random_layers_training_statistics(name):
    """Over many copies of one input: the same mean output at each position (within 0.04 of the
    input's range) and the same overall spread as Keras's layer gives."""
    make, shape = RANDOM_IN_TRAINING[name]
    one = np.random.default_rng(5).uniform(size=(1,) + shape[1:]).astype("float32")
    if name.startswith("Random"):
        one = one * 255  # image layers expect [0, 255]
    x = np.repeat(one, shape[0], axis=0)
    ours, theirs = training_outputs(make(kerasbook.layers), x), training_outputs(make(keras.layers), x)
    scale = float(one.max() - one.min())
    np.testing.assert_allclose(ours.mean(axis=0), theirs.mean(axis=0), atol=0.04 * scale)
    assert abs(ours.std(axis=0).mean() - theirs.std(axis=0).mean()) < 0.04 * scale
    assert abs(np.mean(ours == 0) - np.mean(theirs == 0)) < 0.02


def gaussian_dropout_with_wrong_factor(rate):
    """A GaussianDropout whose noise has standard deviation rate / (1 - rate) instead of its square
    root: what the statistics below must be able to tell apart from the real one."""
    layer = kerasbook.layers.GaussianDropout(rate, seed=11)
    layer.stddev = rate / (1 - rate)
    return layer


def alpha_dropout_with_wrong_factor(rate):
    """An AlphaDropout that forgets the affine correction's scale (`a = 1`)."""
    class Wrong(kerasbook.layers.AlphaDropout):
        def call(self, inputs, training=False):
            kept = kerasbook.random.uniform(inputs.shape, seed=self.seed_generator) >= self.rate
            return np.float32(1.0) * kerasbook.ops.where(kept, inputs, self._ALPHA_P) - self._ALPHA_P * self.rate
    return Wrong(rate, seed=11)


def same_noise_statistics(ours, theirs, x):
    """Whether two noise layers give outputs of the same mean and standard deviation (within 2%,
    over 400,000 values: the sampling error is about 0.2%)."""
    a, b = summary_statistics(training_outputs(ours, x)), summary_statistics(training_outputs(theirs, x))
    return abs(a[0] - b[0]) < 0.02 * max(1.0, abs(b[0])) and abs(a[1] - b[1]) < 0.02 * b[1]


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
@pytest.mark.parametrize("name", ["GaussianDropout", "AlphaDropout"])
def test_noise_dropout_statistics_equal_keras(name, rate):
    """GaussianDropout multiplies by noise of mean 1 and standard deviation sqrt(rate / (1 - rate));
    AlphaDropout keeps standard-normal inputs standard normal. Both checked against Keras's layer on
    the same inputs, and the check is shown to fail for a layer with a wrong factor."""
    rng = np.random.default_rng(2)
    x = np.ones((4000, 100), "float32") if name == "GaussianDropout" else \
        rng.normal(size=(4000, 100)).astype("float32")
    ours = getattr(kerasbook.layers, name)(rate, seed=11)
    theirs = getattr(keras.layers, name)(rate, seed=11)
    assert same_noise_statistics(ours, theirs, x)
    if name == "GaussianDropout":  # the standard deviation Keras documents
        np.testing.assert_allclose(training_outputs(ours, x).std(), (rate / (1 - rate)) ** 0.5, rtol=0.02)
    else:  # the dropped values share one value, Keras's
        dropped = lambda out: np.unique(out, return_counts=True)[0][np.argmax(np.unique(out, return_counts=True)[1])]
        np.testing.assert_allclose(dropped(training_outputs(ours, x)), dropped(training_outputs(theirs, x)),
                                   rtol=1e-5)
    wrong = gaussian_dropout_with_wrong_factor(rate) if name == "GaussianDropout" else \
        alpha_dropout_with_wrong_factor(rate)
    assert not same_noise_statistics(wrong, theirs, x)


# -- Keras's options kerasbook lacks: accepted at their defaults, refused otherwise ----------------------
@pytest.mark.parametrize("make,words", [
    (lambda: kerasbook.layers.Dense(3, lora_rank=4), 'Dense layer "dense".*lora_rank'),
    (lambda: kerasbook.layers.Embedding(5, 3, quantization_config={"mode": "int8"}), "Embedding.*quantization"),
    (lambda: kerasbook.layers.BatchNormalization(renorm=True), "BatchNormalization.*renorm"),
    (lambda: kerasbook.layers.LSTM(3, use_cudnn=True), "LSTM.*cuDNN"),
    (lambda: kerasbook.layers.InputLayer(shape=(3,), ragged=True), "InputLayer.*ragged"),
])
def test_options_kerasbook_lacks_are_refused_naming_the_layer(make, words):
    kerasbook.backend.clear_session()
    with pytest.raises(NotImplementedError, match=words):
        make()


def test_keras_defaults_of_those_options_are_accepted():
    kerasbook.layers.Dense(3, lora_rank=None, lora_alpha=None, quantization_config=None)
    kerasbook.layers.GRU(3, use_cudnn="auto")
    kerasbook.layers.LSTM(3, use_cudnn=False)
    kerasbook.layers.Dense(3, autocast=True)


# -- RNN given a list of cells ----------------------------------------------------------------------
def test_stacked_cells_return_states_per_cell_and_load_in_keras(tmp_path):
    x = np.random.default_rng(3).normal(size=SEQ).astype("float32")
    made = [k.layers.RNN([k.layers.SimpleRNNCell(4), k.layers.LSTMCell(3)], return_state=True)
            for k in (kerasbook, keras)]
    theirs = made[1](x)
    made[0](x)
    made[0].set_weights(made[1].get_weights())
    ours = made[0](x)
    # [output, [h of the SimpleRNNCell], [h, c of the LSTMCell]], as Keras
    assert len(ours) == len(theirs) == 3
    assert [np.shape(s) for s in ours[1]] == [(2, 4)] and [np.shape(s) for s in ours[2]] == [(2, 3)] * 2
    for a, b in zip(tree_leaves(ours), tree_leaves(theirs), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    stacked = kerasbook.layers.RNN([kerasbook.layers.GRUCell(4), kerasbook.layers.GRUCell(2)])
    model = kerasbook.Sequential([kerasbook.Input(SEQ[1:]), stacked])
    model.save(tmp_path / "stacked.keras")
    loaded = keras.models.load_model(tmp_path / "stacked.keras")
    assert type(loaded.layers[0].cell).__name__ == "StackedRNNCells"
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def tree_leaves(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in tree_leaves(item)]
    return [structure]
