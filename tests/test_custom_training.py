"""Customizing fit as Keras 3 teaches it on JAX: train_step(state, data), compute_loss, the stateless
APIs. The same code runs on kerasbook and on the real Keras 3 (the oracle): every override must be
called, and after the same steps from the same weights on the same data, weights and losses agree.
"""

import jax
import numpy as np
import pytest

import kerasbook

import keras  # the oracle (JAX backend, see conftest.py)

TOL = dict(rtol=1e-5, atol=1e-5)


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 8)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


def both(build):
    """`build(k)` for kerasbook and for Keras, the kerasbook model given Keras's initial weights."""
    ours, theirs = build(kerasbook), build(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_same_weights(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, **TOL)


def assert_same_history(h_ours, h_theirs):
    assert sorted(h_ours.history) == sorted(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], **TOL)


# -- the guide "Customizing what happens in fit() with JAX", its examples as written ------------
def guide_custom_train_step(k, calls):
    """The guide's first example: a functional model of a Model subclass that overrides
    compute_loss_and_updates and train_step, compiled with a loss and a metric."""

    class CustomModel(k.Model):
        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y,
                                     training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            calls.append("train_step")
            trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                this_metric_vars = metrics_variables[
                    len(new_metrics_vars):len(new_metrics_vars) + len(metric.variables)]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, loss)
                else:
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, y, y_pred)
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            state = (trainable_variables, non_trainable_variables, optimizer_variables, new_metrics_vars)
            return logs, state

    inputs = k.Input(shape=(8,))
    outputs = k.layers.Dense(1)(k.layers.Dense(16, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_the_guides_custom_train_step_is_called_and_trains_as_in_keras():
    x, y = regression_data()
    ours_calls, theirs_calls = [], []
    ours = guide_custom_train_step(kerasbook, ours_calls)
    theirs = guide_custom_train_step(keras, theirs_calls)
    assert isinstance(ours, kerasbook.Model) and type(ours).__name__ == "CustomModel"
    ours.set_weights(theirs.get_weights())
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert ours_calls and theirs_calls  # traced under jit: called once per compiled batch shape
    assert sorted(h_ours.history) == ["loss", "mae"]
    assert_same_history(h_ours, h_theirs)
    assert_same_weights(ours, theirs)


def guide_lower_level(k, calls):
    """The guide's 'going lower-level' example: no loss in compile, the model's own metrics."""

    class CustomModel(k.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = k.metrics.Mean(name="loss")
            self.mae_metric = k.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = k.losses.MeanSquaredError()

        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y,
                                     training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            return self.loss_fn(y, y_pred), (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            calls.append("train_step")
            trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            loss_tracker_vars = metrics_variables[:len(self.loss_tracker.variables)]
            mae_metric_vars = metrics_variables[len(self.loss_tracker.variables):]
            loss_tracker_vars = self.loss_tracker.stateless_update_state(loss_tracker_vars, loss)
            mae_metric_vars = self.mae_metric.stateless_update_state(mae_metric_vars, y, y_pred)
            logs = {self.loss_tracker.name: self.loss_tracker.stateless_result(loss_tracker_vars),
                    self.mae_metric.name: self.mae_metric.stateless_result(mae_metric_vars)}
            state = (trainable_variables, non_trainable_variables, optimizer_variables,
                     loss_tracker_vars + mae_metric_vars)
            return logs, state

        def test_step(self, state, data):
            calls.append("test_step")
            x, y = data
            trainable_variables, non_trainable_variables, metrics_variables = state
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=False)
            loss = self.loss_fn(y, y_pred)
            loss_tracker_vars = metrics_variables[:len(self.loss_tracker.variables)]
            mae_metric_vars = metrics_variables[len(self.loss_tracker.variables):]
            loss_tracker_vars = self.loss_tracker.stateless_update_state(loss_tracker_vars, loss)
            mae_metric_vars = self.mae_metric.stateless_update_state(mae_metric_vars, y, y_pred)
            logs = {self.loss_tracker.name: self.loss_tracker.stateless_result(loss_tracker_vars),
                    self.mae_metric.name: self.mae_metric.stateless_result(mae_metric_vars)}
            return logs, (trainable_variables, non_trainable_variables, loss_tracker_vars + mae_metric_vars)

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = k.Input(shape=(8,))
    model = CustomModel(inputs, k.layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    return model


def test_the_guides_lower_level_step_with_its_own_metrics_and_test_step_match_keras():
    x, y = regression_data()
    ours_calls, theirs_calls = [], []
    ours = guide_lower_level(kerasbook, ours_calls)
    theirs = guide_lower_level(keras, theirs_calls)
    ours.set_weights(theirs.get_weights())
    kwargs = dict(batch_size=16, epochs=3, shuffle=False, verbose=0, validation_data=(x[:20], y[:20]))
    assert_same_history(ours.fit(x, y, **kwargs), theirs.fit(x, y, **kwargs))
    assert_same_weights(ours, theirs)
    assert {"train_step", "test_step"} <= set(ours_calls)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), **TOL)
    # the metrics' variables hold the last evaluation, as in Keras
    np.testing.assert_allclose(ours.mae_metric.result(), theirs.mae_metric.result(), **TOL)


def overriding_compute_loss_and_metrics(k, calls):
    """Only compute_loss and compute_metrics overridden: the built-in steps call them."""

    class PenalizedModel(k.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.penalty_tracker = k.metrics.Mean(name="penalty")

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            calls.append("compute_loss")
            loss = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            return loss + 0.1 * k.ops.mean(k.ops.abs(y_pred))

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            calls.append("compute_metrics")
            self.penalty_tracker.update_state(k.ops.mean(k.ops.abs(y_pred)))
            return super().compute_metrics(x, y, y_pred, sample_weight)

    inputs = k.Input(shape=(8,))
    outputs = k.layers.Dense(1, kernel_regularizer=k.regularizers.L2(0.01))(inputs)
    model = PenalizedModel(inputs, outputs)
    model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def test_compute_loss_and_compute_metrics_overrides_are_used_by_fit_and_evaluate():
    x, y = regression_data()
    ours_calls, theirs_calls = [], []
    ours = overriding_compute_loss_and_metrics(kerasbook, ours_calls)
    theirs = overriding_compute_loss_and_metrics(keras, theirs_calls)
    ours.set_weights(theirs.get_weights())
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics] == \
        ["loss", "compile_metrics", "penalty"]
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert {"compute_loss", "compute_metrics"} <= set(ours_calls)
    assert sorted(h_ours.history) == ["loss", "mae", "penalty"]
    assert_same_history(h_ours, h_theirs)
    assert_same_weights(ours, theirs)
    ours_eval = ours.evaluate(x, y, verbose=0, return_dict=True)
    theirs_eval = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(ours_eval) == sorted(theirs_eval)
    for key in theirs_eval:
        np.testing.assert_allclose(ours_eval[key], theirs_eval[key], **TOL)


def test_a_predict_step_override_is_used_by_predict():
    def build(k):
        class Doubling(k.Model):
            def predict_step(self, state, data):
                outputs, non_trainable_variables = super().predict_step(state, data)
                return outputs * 2.0, non_trainable_variables

        inputs = k.Input(shape=(8,))
        return Doubling(inputs, k.layers.Dense(2)(inputs))

    ours, theirs = both(build)
    x, _ = regression_data(10)
    np.testing.assert_allclose(ours.predict(x, batch_size=4, verbose=0),
                               theirs.predict(x, batch_size=4, verbose=0), **TOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), 2 * np.asarray(ours(x)), **TOL)


def test_a_subclassed_model_with_call_and_a_custom_train_step():
    """A model written with call (no functional graph), trained by its own step."""

    def build(k):
        class Tiny(k.Model):
            def __init__(self):
                super().__init__()
                self.dense = k.layers.Dense(1)

            def call(self, x):
                return self.dense(x)

            def train_step(self, state, data):
                trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
                x, y = data

                def loss_fn(tv):
                    y_pred, _ = self.stateless_call(tv, non_trainable_variables, x)
                    return k.ops.mean((y - y_pred) ** 2)

                loss, grads = jax.value_and_grad(loss_fn)(trainable_variables)
                trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                    optimizer_variables, grads, trainable_variables)
                return {"loss": loss}, (trainable_variables, non_trainable_variables, optimizer_variables,
                                        metrics_variables)

        model = Tiny()
        model(np.zeros((1, 8), "float32"))
        model.compile(optimizer=k.optimizers.SGD(0.1))
        return model

    ours, theirs = both(build)
    x, y = regression_data()
    kernel, bias = ours.get_weights()
    h_ours = ours.fit(x, y, batch_size=64, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=64, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    # The step returns {"loss": ...} but never updates the model's loss tracker. Keras then reports
    # the tracker (0.0, since its name matches the step's log); kerasbook reports what the step
    # returned, the loss the student computed (one batch an epoch: the loss before the first step).
    assert h_theirs.history["loss"] == [0.0, 0.0]
    np.testing.assert_allclose(h_ours.history["loss"][0], np.mean((y - (x @ kernel + bias)) ** 2), **TOL)


# -- "Writing a training loop from scratch in JAX", as the guide writes it ------------------------
def loop_from_scratch(k, x, y, weights):
    inputs = k.Input(shape=(8,), name="digits")
    x1 = k.layers.Dense(16, activation="relu")(inputs)
    outputs = k.layers.Dense(3, name="predictions")(x1)
    model = k.Model(inputs=inputs, outputs=outputs)
    if weights is not None:
        model.set_weights(weights)
    optimizer = k.optimizers.Adam(learning_rate=1e-3)
    loss_fn = k.losses.CategoricalCrossentropy(from_logits=True)
    train_acc_metric = k.metrics.CategoricalAccuracy()

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(trainable_variables, non_trainable_variables, x)
        loss = loss_fn(y, y_pred)
        return loss, (y_pred, non_trainable_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        trainable_variables, non_trainable_variables, optimizer_variables, metric_variables = state
        x, y = data
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y)
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        metric_variables = train_acc_metric.stateless_update_state(metric_variables, y, y_pred)
        return loss, (trainable_variables, non_trainable_variables, optimizer_variables, metric_variables)

    optimizer.build(model.trainable_variables)
    state = (model.trainable_variables, model.non_trainable_variables, optimizer.variables,
             train_acc_metric.variables)  # Variables, as the guide passes them
    if k is keras:  # Keras 3.15 on JAX 0.10 no longer takes Variables as jit arguments: their values
        state = tuple([v.value for v in group] for group in state)
    losses = []
    for step in range(4):
        batch = (x[step * 16:(step + 1) * 16], y[step * 16:(step + 1) * 16])
        loss, state = train_step(state, batch)
        losses.append(float(loss))
    accuracy = float(train_acc_metric.stateless_result(state[3]))
    trainable_variables, non_trainable_variables, optimizer_variables, metric_variables = state
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
        variable.assign(value)
    return model, losses, accuracy


def test_the_training_loop_from_scratch_runs_unchanged_and_matches_keras():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]
    start = loop_from_scratch(keras, x, y, None)[0]  # a fresh Keras model's weights, for both
    theirs, theirs_losses, theirs_accuracy = loop_from_scratch(keras, x, y, start.get_weights())
    ours, ours_losses, ours_accuracy = loop_from_scratch(kerasbook, x, y, start.get_weights())
    np.testing.assert_allclose(ours_losses, theirs_losses, **TOL)
    assert ours_accuracy == pytest.approx(theirs_accuracy)
    assert_same_weights(ours, theirs)


# -- the stateless APIs, one at a time ------------------------------------------------------------
def test_stateless_call_returns_keras_values_new_statistics_and_losses():
    def build(k):
        inputs = k.Input(shape=(8,))
        x = k.layers.Dense(4, activity_regularizer="l2", kernel_regularizer="l1")(inputs)
        return k.Model(inputs, k.layers.BatchNormalization()(x))

    ours, theirs = both(build)
    x, _ = regression_data(4)
    results = []
    for model in (ours, theirs):
        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]
        two = model.stateless_call(tv, ntv, x, training=True)
        three = model.stateless_call(tv, ntv, x, training=True, return_losses=True)
        assert len(two) == 2 and len(three) == 3
        results.append(three)
    (out_a, ntv_a, losses_a), (out_b, ntv_b, losses_b) = results
    np.testing.assert_allclose(out_a, out_b, **TOL)
    for a, b in zip(ntv_a, ntv_b, strict=True):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(sum(map(float, losses_a)), sum(map(float, losses_b)), **TOL)
    with pytest.raises(ValueError, match=r"trainable_variables.*length 1, but expected 4"):
        ours.stateless_call([tv[0]], ntv, x)


def test_an_activity_regularizer_is_divided_by_the_batch_size_as_in_keras():
    ours, theirs = both(lambda k: k.Sequential([k.Input((3,)), k.layers.Dense(2, activity_regularizer="l2")]))
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    ours(x), theirs(x)
    np.testing.assert_allclose(float(sum(ours.losses)), float(sum(theirs.losses)), **TOL)
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
    y = np.ones((4, 2), "float32")
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), **TOL)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_optimizer_stateless_apply_equals_keras_and_leaves_variables_alone(name):
    rng = np.random.default_rng(2)
    values = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]
    results = []
    for k in (kerasbook, keras):
        variables = [k.Variable(v) for v in values]
        optimizer = k.optimizers.get(name)
        optimizer.build(variables)
        trainable, optimizer_values = [v.value for v in variables], [v.value for v in optimizer.variables]
        for step in range(3):
            grads = [np.full(v.shape, 0.1 * (step + 1), "float32") for v in values]
            trainable, optimizer_values = optimizer.stateless_apply(optimizer_values, grads, trainable)
        np.testing.assert_array_equal(variables[0].numpy(), values[0])  # untouched
        results.append((trainable, optimizer_values))
    (ours_t, ours_o), (theirs_t, theirs_o) = results
    for a, b in zip(ours_t + ours_o, theirs_t + theirs_o, strict=True):
        np.testing.assert_allclose(a, b, **TOL)


def test_stateless_apply_with_lists_of_the_wrong_length_names_both_counts():
    variables = [kerasbook.Variable(np.ones((2,), "float32")), kerasbook.Variable(np.ones((3,), "float32"))]
    optimizer = kerasbook.optimizers.Adam()
    with pytest.raises(ValueError, match="must be built"):
        optimizer.stateless_apply([], [np.ones(2)], [np.ones(2)])
    optimizer.build(variables)
    values = [v.value for v in optimizer.variables]
    with pytest.raises(ValueError, match=r"`trainable_variables`.*received a list of 1, but expected 2"):
        optimizer.stateless_apply(values, [np.ones(2), np.ones(3)], [np.ones(2)])
    with pytest.raises(ValueError, match=r"`optimizer_variables`.*received a list of 3, but expected 6"):
        optimizer.stateless_apply(values[:3], [np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match=r"`grads`.*received a list of 1, but expected 2"):
        optimizer.stateless_apply(values, [np.ones(2)], [np.ones(2), np.ones(3)])


def test_metric_stateless_update_result_and_reset_equal_keras():
    y_true = np.array([[0.0], [1.0], [2.0]], "float32")
    y_pred = np.array([[0.5], [1.0], [1.0]], "float32")
    results = []
    for k in (kerasbook, keras):
        metric = k.metrics.MeanAbsoluteError()
        values = [v.value for v in metric.variables]
        values = metric.stateless_update_state(values, y_true, y_pred)
        values = metric.stateless_update_state(values, y_true[:1], y_pred[:1], sample_weight=[2.0])
        result = float(metric.stateless_result(values))
        reset = metric.stateless_reset_state()
        assert float(metric.result()) == 0.0  # the real variables never moved
        results.append((result, [np.asarray(v) for v in values], [np.asarray(v) for v in reset]))
    assert results[0][0] == pytest.approx(results[1][0])
    for a, b in zip(results[0][1] + results[0][2], results[1][1] + results[1][2], strict=True):
        np.testing.assert_allclose(a, b)


def test_model_metrics_and_their_variables_are_those_keras_gives_a_custom_step():
    x, y = regression_data(8)

    def single(k, metrics):
        inputs = k.Input((8,))
        model = k.Model(inputs, k.layers.Dense(1)(inputs))
        model.compile("sgd", "mse", metrics=metrics)
        return model

    def two_outputs(k):
        inputs = k.Input((8,))
        model = k.Model(inputs, [k.layers.Dense(1, name="a")(inputs), k.layers.Dense(1, name="b")(inputs)])
        model.compile("sgd", ["mse", "mse"], metrics=[["mae"], ["mae"]])
        return model

    for build, targets in ((lambda k: single(k, None), y), (lambda k: single(k, ["mae"]), y),
                           (two_outputs, [y, y])):
        ours, theirs = both(build)
        ours.fit(x, targets, verbose=0, shuffle=False)
        theirs.fit(x, targets, verbose=0, shuffle=False)
        assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics]
        assert len(ours.metrics_variables) == len(theirs.metrics_variables)
        ours_result, theirs_result = ours.get_metrics_result(), theirs.get_metrics_result()
        assert sorted(ours_result) == sorted(theirs_result)
        for key in theirs_result:
            np.testing.assert_allclose(ours_result[key], theirs_result[key], **TOL)


def test_compute_loss_equals_keras_with_added_and_regularization_losses():
    def build(k):
        inputs = k.Input((8,))
        outputs = k.layers.Dense(1, kernel_regularizer="l2", activity_regularizer="l1")(inputs)
        model = k.Model(inputs, outputs)
        model.compile("sgd", "mse")
        return model

    ours, theirs = both(build)
    x, y = regression_data(8)
    for model in (ours, theirs):
        model(x)
    np.testing.assert_allclose(float(ours.compute_loss(x, y, ours(x))),
                               float(theirs.compute_loss(x, y, theirs(x))), **TOL)


# -- mistakes are named, never silently ignored -----------------------------------------------------
def test_a_keras_2_train_step_signature_is_refused_at_the_start_of_fit_with_the_jax_one():
    class Keras2Style(kerasbook.Model):
        def train_step(self, data):
            raise AssertionError("never reached")

    inputs = kerasbook.Input((8,))
    model = Keras2Style(inputs, kerasbook.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = regression_data(8)
    with pytest.raises(TypeError, match=r"Keras2Style.train_step takes \(data\).*Keras 2.*"
                                        r"train_step\(self, state, data\).*\(logs, state\)"):
        model.fit(x, y, verbose=0)


def test_a_train_step_returning_something_else_than_logs_and_state_names_what_it_returned():
    class LogsOnly(kerasbook.Model):
        def train_step(self, state, data):
            logs, state = super().train_step(state, data)
            return logs

    class ShortState(kerasbook.Model):
        def train_step(self, state, data):
            logs, state = super().train_step(state, data)
            return logs, state[:3]

    x, y = regression_data(8)
    for cls, message in ((LogsOnly, r"LogsOnly.train_step must return \(logs, state\).*"
                                    r"it returned a dict with keys \['loss'\]"),
                         (ShortState, r"ShortState.train_step must return \(logs, state\).*"
                                      r"its state is a tuple of 3 items")):
        inputs = kerasbook.Input((8,))
        model = cls(inputs, kerasbook.layers.Dense(1)(inputs))
        model.compile("sgd", "mse")
        with pytest.raises(ValueError, match=message):
            model.fit(x, y, verbose=0)


def test_a_custom_metric_whose_result_is_its_variable_reports_the_steps_value():
    """`def result(self): return self.largest` is common in Keras's examples: read inside a step,
    the metric must give the value the step computed, not the variable's own (still zero)."""

    def build(k):
        class LargestError(k.metrics.Metric):
            def __init__(self, name="largest_error", **kwargs):
                super().__init__(name=name, **kwargs)
                self.largest = self.add_variable(shape=(), initializer="zeros", name="largest")

            def update_state(self, y_true, y_pred, sample_weight=None):
                self.largest.assign(k.ops.maximum(self.largest, k.ops.max(k.ops.abs(y_true - y_pred))))

            def result(self):
                # Keras 3.15 on JAX 0.10 fails to return a Variable from a compiled step; kerasbook reads it
                return self.largest if k is kerasbook else self.largest.value

        class WithLargestError(k.Model):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.largest_error = LargestError()

            def compute_metrics(self, x, y, y_pred, sample_weight=None):
                self.largest_error.update_state(y, y_pred)
                return super().compute_metrics(x, y, y_pred, sample_weight)

        inputs = k.Input((8,))
        model = WithLargestError(inputs, k.layers.Dense(1)(inputs))
        model.compile("sgd", "mse")
        return model

    ours, theirs = both(build)
    x, y = regression_data()
    h_ours = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert min(h_ours.history["largest_error"]) > 0
    assert_same_history(h_ours, h_theirs)
    metric = ours.largest_error
    values = metric.stateless_update_state(metric.stateless_reset_state(), y, np.zeros_like(y))
    np.testing.assert_allclose(metric.stateless_result(values), np.abs(y).max(), **TOL)
