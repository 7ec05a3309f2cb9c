"""Wrong input refused early with a message that names the problem (issue 16): data against a model's
Input in call, fit, evaluate and predict. Keras 3 is the oracle for the exception type and for the
inputs it accepts (a rank off by a trailing axis of size 1)."""

import time

import keras as real_keras
import numpy as np
import pytest

import kerasbook as keras
from kerasbook import layers


def mnist_like(lib):
    inputs = lib.Input((28, 28))
    outputs = lib.layers.Dense(10)(lib.layers.Flatten()(inputs))
    return lib.Model(inputs, outputs, name="digits")


def four_to_ten(lib):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(10)], name="ten")
    model.compile(optimizer="sgd", loss="mse")
    return model


WRONG = [  # (model, data, the hint kerasbook gives)
    (mnist_like, np.zeros((2, 784)), r"x\.reshape\(\(-1, 28, 28\)\)"),
    (mnist_like, np.zeros((2, 28, 27)), r"the other axes of the data must be \(28, 28\)"),
    (mnist_like, np.zeros((28, 28)), r"one sample without its batch axis: x\[None\]"),
    (four_to_ten, np.zeros((2, 3, 4)), r"the other axes of the data must be \(4,\)"),
    (four_to_ten, np.zeros((4,)), r"one sample without its batch axis"),
    (four_to_ten, np.zeros((2, 5)), r"The first axis is the batch"),
]


def expect_refusal(call, keras_call, pattern, model_name, expected, received):
    with pytest.raises(ValueError) as ours:
        call()
    message = str(ours.value)
    assert f'Model "{model_name}" expects its input 0' in message, message
    assert f"to have shape {expected}" in message and f"received data of shape {received}" in message
    assert __import__("re").search(pattern, message), message
    with pytest.raises(ValueError):  # Keras 3 refuses the same data, with the same exception type
        keras_call()


@pytest.mark.parametrize("make, x, hint", WRONG, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("how", ["call", "predict", "evaluate", "fit"])
def test_data_that_does_not_fit_the_input_is_refused_by_every_entry(make, x, hint, how):
    ours, theirs = make(keras), make(real_keras)
    for model in (ours, theirs):
        if not getattr(model, "compiled", False) and how in ("fit", "evaluate"):
            model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((len(x), 10))
    run = {"call": lambda m: m(x), "predict": lambda m: m.predict(x, verbose=0),
           "evaluate": lambda m: m.evaluate(x, y, verbose=0), "fit": lambda m: m.fit(x, y, verbose=0)}[how]
    expected = tuple(ours.inputs[0].shape)
    expect_refusal(lambda: run(ours), lambda: run(theirs), hint, ours.name, expected, x.shape)


def test_fit_refuses_before_any_weight_changes():
    model = four_to_ten(keras)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="expects its input 0"):
        model.fit(np.ones((8, 3, 4)), np.ones((8, 3, 10)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_trailing_axis_of_size_one_is_adjusted_as_keras_does():
    for x, make in ((np.ones((5,)), lambda lib: lib.Sequential([lib.Input((1,)), lib.layers.Dense(2)])),
                    (np.ones((5, 3, 1)), lambda lib: lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)]))):
        theirs = make(real_keras)
        ours = make(keras)
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6)
        np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6)


def test_several_inputs_are_checked_each_by_name():
    a, b = keras.Input((3,), name="left"), keras.Input((5,), name="right")
    model = keras.Model([a, b], layers.Concatenate()([a, b]), name="pair")
    assert model([np.ones((2, 3)), np.ones((2, 5))]).shape == (2, 8)
    with pytest.raises(ValueError, match=r'Model "pair" expects its input 1 \("right"\) to have shape '
                                         r"\(None, 5\).*received data of shape \(2, 4\)"):
        model([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r'input 0 \("left"\)'):
        model({"left": np.ones((2, 4)), "right": np.ones((2, 5))})


def test_any_batch_size_and_free_axes_are_accepted():
    model = keras.Sequential([keras.Input((None, 4)), layers.Dense(2)])
    for shape in ((1, 7, 4), (3, 2, 4), (9, 1, 4)):
        assert model(np.ones(shape)).shape == shape[:2] + (2,)
    built_by_data = keras.Sequential([layers.Dense(2)])
    built_by_data(np.ones((3, 4)))  # its Input records batch 3; other batch sizes still fit
    assert built_by_data.predict(np.ones((10, 4)), verbose=0).shape == (10, 2)


def test_the_check_runs_once_per_input_signature_not_per_call():
    """Repeated calls on one signature cost what they cost before the check: it runs while JAX
    traces the compiled call. Compared with the graph run alone (the check patched out)."""
    from kerasbook.core.models import input_check
    model = mnist_like(keras)
    x = np.ones((3, 28, 28), "float32")
    checked = []
    original = input_check.conform
    input_check.conform = lambda *args: checked.append(1) or original(*args)
    try:
        for _ in range(50):
            model(x)
        model.predict(x, verbose=0)
    finally:
        input_check.conform = original
    assert 1 <= len(checked) <= 3, len(checked)  # one trace for the call, one or two for predict

    def best(repeat=200):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeat):
                model(x)
            times.append((time.perf_counter() - start) / repeat)
        return min(times)
    assert best() < 1e-3  # an eager call stays well under a millisecond


# -- layer arguments, checked when the layer is made -------------------------------------------

# (code, the argument the message must name). Each is a mistake; Keras 3 refuses those not in
# KERAS_ACCEPTS with the same exception type.
MISTAKES = [
    ("layers.Dense(0)", "units"), ("layers.Dense(-3)", "units"), ("layers.Dense(2.5)", "units"),
    ("layers.Dense('3')", "units"), ("layers.Dense(None)", "units"),
    ("layers.Conv2D(-4, 3)", "filters"), ("layers.Conv2D(0, 3)", "filters"), ("layers.Conv2D(4, 0)", "kernel_size"),
    ("layers.Conv2D(4, -1)", "kernel_size"), ("layers.Conv2D(4, (3, 3, 3))", "kernel_size"),
    ("layers.Conv2D(4, 3, strides=0)", "strides"), ("layers.Conv2D(4, 3, strides=-1)", "strides"),
    ("layers.Conv2D(4, 3, dilation_rate=0)", "dilation_rate"), ("layers.Conv2D(4, 3, padding='full')", "padding"),
    ("layers.Conv2D(4, 3, data_format='channels_middle')", "data_format"), ("layers.Conv2D(4, 3, groups=0)", "groups"),
    ("layers.Conv1D(4, 3, padding='causal', strides=0)", "strides"), ("layers.Conv1D(0, 3)", "filters"),
    ("layers.Conv3D(4, (1, 2))", "kernel_size"), ("layers.Conv2DTranspose(-1, 3)", "filters"),
    ("layers.Conv2DTranspose(4, 3, strides=0)", "strides"), ("layers.SeparableConv2D(0, 3)", "filters"),
    ("layers.SeparableConv2D(4, 3, depth_multiplier=0)", "depth_multiplier"),
    ("layers.DepthwiseConv2D(3, depth_multiplier=0)", "depth_multiplier"), ("layers.DepthwiseConv2D(0)", "kernel_size"),
    ("layers.MaxPooling2D(0)", "pool_size"), ("layers.MaxPooling2D(2, strides=0)", "strides"),
    ("layers.MaxPooling2D(-2)", "pool_size"), ("layers.MaxPooling2D(2, padding='full')", "padding"),
    ("layers.AveragePooling1D(0)", "pool_size"), ("layers.MaxPooling2D((2, 2, 2))", "pool_size"),
    ("layers.GlobalAveragePooling2D(data_format='nhwc')", "data_format"),
    ("layers.Dropout(1.5)", "rate"), ("layers.Dropout(-0.1)", "rate"), ("layers.Dropout('half')", "rate"),
    ("layers.SpatialDropout2D(2.0)", "rate"), ("layers.GaussianDropout(1.5)", "rate"),
    ("layers.GaussianNoise(-1.0)", "stddev"), ("layers.AlphaDropout(1.5)", "rate"),
    ("layers.Embedding(-1, 8)", "input_dim"), ("layers.Embedding(10, 0)", "output_dim"),
    ("layers.Embedding(0, 8)", "input_dim"), ("layers.Embedding(10, -8)", "output_dim"),
    ("layers.LSTM(-2)", "units"), ("layers.LSTM(0)", "units"), ("layers.GRU(0)", "units"),
    ("layers.SimpleRNN(-1)", "units"), ("layers.LSTM(4, dropout=1.5)", "dropout"),
    ("layers.LSTM(4, recurrent_dropout=-0.5)", "recurrent_dropout"), ("layers.LSTMCell(0)", "units"),
    ("layers.ConvLSTM2D(0, 3)", "filters"), ("layers.ConvLSTM2D(4, 3, strides=0)", "strides"),
    ("layers.BatchNormalization(momentum=1.5)", "momentum"), ("layers.BatchNormalization(epsilon=-1)", "epsilon"),
    ("layers.LayerNormalization(epsilon=-1.0)", "epsilon"), ("layers.GroupNormalization(groups=0)", "groups"),
    ("layers.BatchNormalization(axis='last')", "axis"), ("layers.Concatenate(axis='x')", "axis"),
    ("layers.RepeatVector(0)", "n"), ("layers.Reshape((-1, -1))", "target_shape"),
    ("layers.Reshape((0, 3))", "target_shape"), ("layers.Permute((0, 1))", "dims"), ("layers.Permute((1, 1))", "dims"),
    ("layers.UpSampling2D(0)", "size"), ("layers.ZeroPadding2D(-1)", "padding"), ("layers.Cropping2D(-1)", "cropping"),
    ("layers.UpSampling2D(2, interpolation='cubic_spline')", "interpolation"),
    ("layers.Dense(3, dtype='flaot32')", "flaot32"), ("keras.Input((3,), dtype='int3')", "int3"),
    ("keras.Input((-3,))", "shape"),
]
# Mistakes Keras 3 lets through (each fails later, or computes nonsense): kerasbook refuses them.
KERAS_ACCEPTS = {"layers.MaxPooling2D(2, strides=0)", "layers.MaxPooling2D(2, padding='full')",
                 "layers.LSTM(4, dropout=1.5)", "layers.LSTM(4, recurrent_dropout=-0.5)",
                 "layers.BatchNormalization(momentum=1.5)", "layers.BatchNormalization(epsilon=-1)",
                 "layers.LayerNormalization(epsilon=-1.0)", "layers.Concatenate(axis='x')",
                 "layers.Reshape((0, 3))", "layers.ZeroPadding2D(-1)",
                 "layers.UpSampling2D(2, interpolation='cubic_spline')", "layers.ConvLSTM2D(0, 3)",
                 "layers.ConvLSTM2D(4, 3, strides=0)"}


def _made(code, lib):
    namespace = {"layers": lib.layers, "keras": lib}
    return eval(code, namespace)  # noqa: S307 (the test's own literal code)


@pytest.mark.parametrize("code, argument", MISTAKES, ids=[code for code, _ in MISTAKES])
def test_a_wrong_layer_argument_fails_at_construction_naming_layer_and_argument(code, argument):
    with pytest.raises((ValueError, TypeError)) as ours:
        _made(code, keras)
    message = str(ours.value)
    layer_class = code.split("(")[0].split(".")[-1]
    assert (layer_class in message or "Input" in message) and argument in message, message
    if code in KERAS_ACCEPTS:
        _made(code, real_keras)
    else:
        with pytest.raises(Exception) as theirs:
            _made(code, real_keras)
        assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


def test_the_messages_say_what_was_expected_and_received():
    cases = {"layers.Conv2D(-4, 3)": r'Conv2D layer "conv2d\w*": received an invalid value for `filters`, '
                                     r"expected a positive integer\. Received: filters=-4",
             "layers.Conv2D(4, 3, strides=0)": r"the `strides` argument must be a tuple of 2 integers\. Received "
                                               r"strides=0, including values \[0\] that do not satisfy `value >= 1`",
             "layers.Dropout(1.5)": r"Expected a float value between 0 and 1\. Received: rate=1\.5",
             "layers.Dense(3, dtype='flaot32')": r"Invalid dtype: 'flaot32'\. Did you mean 'float32'\? Valid dtypes: "
                                                 r"bfloat16, bool, complex64, float16, float32",
             "layers.LSTM(-2)": r"^LSTM layer: received an invalid value for `units`",
             "layers.LSTM(4, dropout=1.5)": r"^LSTM layer: invalid value received for argument `dropout`"}
    for code, pattern in cases.items():
        with pytest.raises(ValueError, match=pattern):
            _made(code, keras)


def test_good_arguments_in_every_accepted_form_still_build():
    assert layers.Conv2D(4, (3, 1), strides=(2, 1), dilation_rate=1, padding="SAME").padding == "same"
    assert layers.Conv2D(np.int64(4), 3).filters == 4
    assert layers.DepthwiseConv2D(3).get_config()["depth_multiplier"] == 1
    assert layers.ZeroPadding2D(((1, 2), (3, 4))).padding == ((1, 2), (3, 4))
    assert layers.ZeroPadding1D((1, 2)).padding == ((1, 2),)
    assert layers.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    assert layers.Dropout(0).rate == 0 and layers.Dropout(1.0).rate == 1.0
    assert layers.BatchNormalization(axis=[1, 2]).axis == [1, 2]
    assert layers.Reshape((-1, 3)).target_shape == (-1, 3)
    assert layers.Dense(3, dtype="float16").dtype == "float16"
    assert layers.UpSampling2D(2, interpolation="bilinear").interpolation == "bilinear"


def test_pooling_an_input_smaller_than_its_window_fails_when_built():
    with pytest.raises(ValueError, match=r'"max_pooling2d\w*".*an input of spatial size \(1, 1\) is smaller than '
                                         r"pool_size=\(2, 2\) with padding='valid'"):
        layers.MaxPooling2D(2)(keras.Input((1, 1, 1)))
    assert layers.MaxPooling2D(2, padding="same")(keras.Input((1, 1, 1))).shape == (None, 1, 1, 1)
    assert layers.MaxPooling2D(2)(keras.Input((2, 3, 1))).shape == (None, 1, 1, 1)


# -- the arguments of fit, evaluate and predict ----------------------------------------------------

FIT_MISTAKES = [  # (keyword arguments, pattern of the message)
    ({"validation_split": 1.5}, r"`validation_split` must be a number in \[0, 1\).*Received: validation_split=1\.5"),
    ({"validation_split": -0.5}, r"Received: validation_split=-0\.5"),
    ({"batch_size": -3}, r"fit\(\): `batch_size` must be a positive integer.*Received: batch_size=-3"),
    ({"batch_size": 0}, r"Received: batch_size=0"), ({"batch_size": 2.5}, r"Received: batch_size=2\.5"),
    ({"epochs": -1}, r"`epochs` must be an integer >= 0"), ({"epochs": "3"}, r"Received: epochs='3'"),
    ({"initial_epoch": -1}, r"`initial_epoch` must be an integer >= 0"),
    ({"steps_per_epoch": 0}, r"`steps_per_epoch` must be a positive integer"),
    ({"validation_split": 0.2, "validation_steps": -1}, r"`validation_steps` must be a positive integer"),
    ({"validation_split": 0.2, "validation_batch_size": 0}, r"`validation_batch_size` must be a positive"),
    ({"validation_split": 0.2, "validation_freq": 0}, r"`validation_freq` must be a positive integer"),
    ({"class_weight": [1.0, 2.0]}, r"`class_weight` must be a dict from class index to weight"),
    ({"class_weight": {0: -1.0, 1: 1.0}}, r"class 0 has -1\.0"),
    ({"class_weight": {"cat": 1.0}}, r"the key 'cat' is not one"),
    ({"sample_weight": np.ones((10, 3))}, r"`sample_weight` has shape \(10, 3\), but the targets y have shape "
                                          r"\(10,\): give one weight per sample, shape \(10,\)"),
    ({"sample_weight": np.ones(7)}, r"sample_weight: 7 samples"),
]


def classifier():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("kwargs, pattern", FIT_MISTAKES, ids=[str(k) for k, _ in FIT_MISTAKES])
def test_a_wrong_fit_argument_is_refused_before_anything_compiles(kwargs, pattern, monkeypatch):
    import jax
    model = classifier()
    before = model.get_weights()
    compiled = []
    jit = jax.jit
    monkeypatch.setattr(jax, "jit", lambda *args, **kw: compiled.append(1) or jit(*args, **kw))
    with pytest.raises(ValueError, match=pattern):
        model.fit(np.ones((10, 4)), np.zeros(10, "int32"), verbose=0, **kwargs)
    assert compiled == []  # the trainer compiles its steps with jax.jit: none was made
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", ["evaluate", "predict"])
@pytest.mark.parametrize("kwargs", [{"batch_size": -1}, {"batch_size": 0}, {"steps": 0}, {"steps": -2}])
def test_evaluate_and_predict_refuse_wrong_batch_sizes_and_steps(method, kwargs):
    model = classifier()
    data = (np.ones((10, 4)), np.zeros(10, "int32")) if method == "evaluate" else (np.ones((10, 4)),)
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"{method}\(\): `{name}` must be a positive integer.*Received: "
                                         rf"{name}={kwargs[name]}"):
        getattr(model, method)(*data, verbose=0, **kwargs)


def test_good_fit_arguments_still_train():
    model = classifier()
    history = model.fit(np.ones((10, 4)), np.zeros(10, "int32"), batch_size=4, epochs=2, validation_split=0.2,
                        class_weight={0: 1.0, 1: 2.0}, validation_freq=[2], verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 1
    model.fit(np.ones((10, 4)), np.zeros(10, "int32"), sample_weight=np.ones((10, 1)), epochs=0, verbose=0)
    assert model.evaluate(np.ones((10, 4)), np.zeros(10, "int32"), sample_weight=np.ones(10), verbose=0) >= 0


# -- a list of numbers, a negative learning rate, a loss that stops being a number ---------------

def test_a_list_of_numbers_is_not_a_batch():
    with pytest.raises(ValueError, match=r'Layer "dense\w*" \(Dense\) was called on a Python list of numbers, '
                                         r"\[1, 2, 3\]\..*np\.array\(\[\[1, 2, 3\]\]\) is one sample"):
        layers.Dense(3)([1, 2, 3])
    with pytest.raises(ValueError, match=r"np\.array\(\[\[1, 2\], \[3, 4\]\]\) is a batch of 2 sample"):
        layers.Dense(3)([[1, 2], [3, 4]])
    assert layers.Dense(3)(np.array([[1, 2, 3]], "float32")).shape == (1, 3)
    a, b = keras.Input((2,)), keras.Input((2,))
    assert layers.Add()([a, b]).shape == (None, 2)  # a list of tensors is still several inputs


@pytest.mark.parametrize("rate", [-0.1, -1, float("nan"), "fast"])
def test_a_learning_rate_that_is_not_a_number_above_zero_is_refused_at_construction(rate):
    with pytest.raises(ValueError, match=r'(Adam|SGD) optimizer "\w+": `learning_rate` must be a number >= 0'):
        keras.optimizers.Adam(rate)
    optimizer = keras.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="`learning_rate` must be a number >= 0"):
        optimizer.learning_rate = rate
    assert float(keras.optimizers.SGD(0).learning_rate.numpy()) == 0.0
    assert callable(keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))._learning_rate)


def test_a_loss_that_turns_inf_or_nan_is_reported_once_with_its_causes():
    import warnings
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e6), loss="mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(np.ones((32, 4)) * 1e3, np.ones((32, 1)), epochs=5, verbose=0)
    assert not np.isfinite(history.history["loss"][-1])
    messages = [str(w.message) for w in caught if "The loss became" in str(w.message)]
    assert len(messages) == 1, messages
    assert "learning rate too large" in messages[0] and "TerminateOnNaN" in messages[0]
    assert caught[0].filename == __file__  # it points at the fit call
    calm = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    calm.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calm.fit(np.ones((32, 4)), np.ones((32, 1)), epochs=2, verbose=0)
    assert not [w for w in caught if "The loss became" in str(w.message)]


def test_no_divergence_warning_when_terminate_on_nan_already_reports_it():
    import warnings
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e6), loss="mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(np.ones((32, 4)) * 1e3, np.ones((32, 1)), epochs=5, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN()])
    assert not [w for w in caught if "The loss became" in str(w.message)]
