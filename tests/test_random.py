"""kerasbook.core.random: determinism, distributions (against keras.random), SeedGenerator under a
StatelessScope and jit, and `deferred`'s order-independence."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import keras  # the oracle
from kerasbook.core import initializers, random
from kerasbook.core.engine.state import StatelessScope
from kerasbook.core.engine.variables import Variable

N = 20_000


@pytest.mark.parametrize("name,kwargs", [
    ("normal", {"mean": 1.0, "stddev": 2.0}), ("uniform", {"minval": -1.0, "maxval": 3.0}),
    ("truncated_normal", {"mean": -1.0, "stddev": 0.5}), ("randint", {"minval": 2, "maxval": 9}),
    ("gamma", {"alpha": 2.0}), ("beta", {"alpha": 2.0, "beta": 5.0}),
    ("binomial", {"counts": 10, "probabilities": 0.3}),
])
def test_distribution_statistics_equal_keras(name, kwargs):
    ours = np.asarray(getattr(random, name)((N,), seed=1, **kwargs))
    theirs = np.asarray(getattr(keras.random, name)((N,), seed=1, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05 * theirs.std())
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.03)
    if name in ("uniform", "truncated_normal", "randint"):  # bounded: the same range
        np.testing.assert_allclose([ours.min(), ours.max()], [theirs.min(), theirs.max()],
                                   atol=0.01 * theirs.std())


def test_truncated_normal_stays_within_two_standard_deviations():
    values = np.asarray(random.truncated_normal((N,), mean=3.0, stddev=0.5, seed=0))
    assert values.min() >= 2.0 and values.max() <= 4.0


def test_int_seed_repeats_and_different_seeds_differ():
    for draw in (lambda s: random.normal((50,), seed=s), lambda s: random.uniform((50,), seed=s),
                 lambda s: random.shuffle(np.arange(50), seed=s),
                 lambda s: random.categorical(np.zeros((2, 5)), 30, seed=s)):
        np.testing.assert_array_equal(draw(3), draw(3))
        assert not np.array_equal(draw(3), draw(4))


def test_global_generator_is_deterministic_after_set_seed_and_advances():
    random.set_seed(5)
    first, second = random.normal((100,)), random.normal((100,))
    assert not np.array_equal(first, second)
    random.set_seed(5)
    np.testing.assert_array_equal(first, random.normal((100,)))
    np.testing.assert_array_equal(second, random.normal((100,)))
    random.set_seed(6)
    assert not np.array_equal(first, random.normal((100,)))


def test_seed_generator_advances_and_repeats_from_the_same_seed():
    generator = random.SeedGenerator(1337, name="noise")
    assert generator.state.name == "seed_generator_state" and generator.state.dtype == "uint32"
    assert generator.state.shape == (2,) and not generator.state.trainable
    a, b = random.uniform((5,), seed=generator), random.uniform((5,), seed=generator)
    assert not np.allclose(a, b) and list(generator.state.numpy()) == [1337, 2]
    replay = random.SeedGenerator(1337)
    np.testing.assert_array_equal(a, random.uniform((5,), seed=replay))
    assert generator.get_config() == {"seed": 1337, "name": "noise"}
    assert keras.random.SeedGenerator(1337, name="noise").get_config() == generator.get_config()
    assert random.SeedGenerator.from_config(generator.get_config()).get_config() == generator.get_config()
    with pytest.raises(ValueError, match="SeedGenerator: `seed` must be an int"):
        random.SeedGenerator("7")


def test_seed_generator_inside_a_stateless_scope_leaves_its_variable_alone():
    generator = random.SeedGenerator(7)
    before = generator.state.numpy().copy()
    with StatelessScope({generator.state: generator.state.value}) as scope:
        first = random.normal((3,), seed=generator)
        second = random.normal((3,), seed=generator)
    np.testing.assert_array_equal(generator.state.numpy(), before)
    np.testing.assert_array_equal(scope.get(generator.state), before + np.array([0, 2], "uint32"))
    assert not np.allclose(first, second)


def test_seed_generator_gives_new_numbers_at_every_jitted_call():
    generator = random.SeedGenerator(11)

    @jax.jit
    def noisy(x, seed_state):
        with StatelessScope({generator.state: seed_state}) as scope:
            y = random.dropout(x, 0.5, seed=generator)
        return y, scope.get(generator.state)

    state = generator.state.value
    first, state = noisy(jnp.ones((64,)), state)
    second, state = noisy(jnp.ones((64,)), state)
    assert not np.array_equal(first, second) and list(np.asarray(state)) == [11, 2]
    np.testing.assert_array_equal(generator.state.numpy(), [11, 0])


def test_unseeded_draws_are_refused_under_jit_as_in_keras():
    with pytest.raises(ValueError, match="seed=None was called inside a traced function"):
        jax.jit(lambda x: x + random.normal((2,)))(jnp.zeros((2,)))
    assert random.normal((2,)).shape == (2,)  # outside a trace it is fine


def test_dropout_scales_kept_values_like_keras():
    x = np.ones((4000,), "float32")
    ours = np.asarray(random.dropout(x, 0.25, seed=1))
    theirs = np.asarray(keras.random.dropout(x, 0.25, seed=1))
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-6)  # {0, 1 / 0.75}
    assert abs((ours == 0).mean() - 0.25) < 0.03
    channels = np.asarray(random.dropout(np.ones((8, 5, 30), "float32"), 0.5, noise_shape=(None, 1, 30),
                                         seed=2))
    assert (channels == channels[:, :1, :]).all()  # one mask shared along the axis of size 1
    with pytest.raises(ValueError, match=r"rate` must be in \[0, 1\), received rate=1.0"):
        random.dropout(x, 1.0)


def test_seeds_may_be_a_keras_style_tensor_or_a_jax_key():
    tensor = np.array([4, 2], "uint32")
    np.testing.assert_array_equal(random.normal((4,), seed=tensor), random.normal((4,), seed=tensor))
    key = jax.random.key(0)
    np.testing.assert_array_equal(random.uniform((4,), seed=key), jax.random.uniform(key, (4,)))
    with pytest.raises(ValueError, match="`seed` must be"):
        random.normal((2,), seed=np.zeros((3,), "uint32"))


def test_categorical_follows_the_logits():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], "float32"))
    samples = np.asarray(random.categorical(logits, 5000, seed=0))
    assert samples.shape == (2, 5000) and samples.dtype == np.int32
    np.testing.assert_allclose(np.bincount(samples[0], minlength=3) / 5000, [0.7, 0.2, 0.1], atol=0.03)
    np.testing.assert_allclose(np.bincount(samples[1], minlength=3) / 5000, [0.1, 0.1, 0.8], atol=0.03)


def test_shuffle_permutes_along_an_axis():
    x = np.arange(20).reshape(10, 2)
    shuffled = np.asarray(random.shuffle(x, seed=3))
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, x)) and not np.array_equal(shuffled, x)


def test_deferred_draws_do_not_depend_on_the_order_they_run_in():
    def two_weights(read_order):
        random.set_seed(11)
        later = [random.deferred(lambda: (random.normal((3,)), initializers.GlorotUniform()((2, 2))))
                 for _ in range(2)]
        values = {i: later[i]() for i in read_order}
        return values, random.normal((3,))  # the global position after both were deferred

    (forward, after_forward), (backward, after_backward) = two_weights([0, 1]), two_weights([1, 0])
    for i in (0, 1):
        for mine, theirs in zip(forward[i], backward[i]):
            np.testing.assert_array_equal(mine, theirs)
    assert not np.array_equal(forward[0][0], forward[1][0])  # each captured its own position
    assert not np.array_equal(forward[0][0], forward[0][1].ravel()[:3])
    np.testing.assert_array_equal(after_forward, after_backward)


def test_lazy_variables_get_the_same_initial_values_whatever_the_read_order():
    def variables(read_order):
        random.set_seed(21)
        made = [Variable(initializers.HeNormal(), shape=(3, 4)) for _ in range(3)]
        return {i: made[i].numpy() for i in read_order}

    forward, shuffled = variables([0, 1, 2]), variables([2, 0, 1])
    for i in range(3):
        np.testing.assert_array_equal(forward[i], shuffled[i])
    assert not np.array_equal(forward[0], forward[1])
