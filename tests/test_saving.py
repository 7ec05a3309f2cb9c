"""Saving and loading within kerasbook: damaged and mismatched files, atomic saves, Lambda safety,
Keras 2 `.h5` weights, unknown classes. (Round trips with the real Keras: test_saving_interop.py.)"""

import json
import sys
import zipfile

import h5py
import numpy as np
import pytest

import kerasbook
from kerasbook import layers


def small(units=3, name="small"):
    model = kerasbook.Sequential([kerasbook.Input((4,)), layers.Dense(units, name="hidden"),
                                  layers.Dense(2, name="out")], name=name)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])
    return model


X = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)


def test_save_and_load_keep_config_weights_and_compile(tmp_path):
    model = small()
    model.compile(optimizer=kerasbook.optimizers.Adam(0.01), loss="mse")
    kerasbook.saving.save_model(model, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        with h5py.File(archive.open("model.weights.h5"), "r") as f:
            assert f["layers/dense/vars/0"].shape == (4, 3) and f["layers/dense_1/vars/1"].shape == (2,)
            assert len(f["optimizer/vars"]) == 2  # iteration and learning rate until the optimizer is built
    assert metadata["keras_version"].startswith("3.") and "date_saved" in metadata
    assert config["class_name"] == "Sequential" and config["compile_config"]["loss"] == "mse"
    loaded = kerasbook.models.load_model(tmp_path / "m.keras")
    close(loaded(X), model(X))
    assert type(loaded.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(loaded.optimizer.learning_rate.numpy()), 0.01)
    assert kerasbook.saving.load_model(tmp_path / "m.keras", compile=False).optimizer is None


def test_weights_from_weights_file_and_from_keras_file(tmp_path):
    model, other = small(), small()
    other.set_weights([w * 0 for w in other.get_weights()])
    model.save_weights(tmp_path / "w.weights.h5")
    other.load_weights(tmp_path / "w.weights.h5")
    close(other(X), model(X))
    model.save(tmp_path / "m.keras")
    third = small()
    third.set_weights([w * 0 for w in third.get_weights()])
    third.load_weights(tmp_path / "m.keras")  # as Keras allows: the weights of a whole-model file
    close(third(X), model(X))
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_damaged_and_wrong_files_say_what_is_wrong(tmp_path):
    model = small()
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match=r"notes.keras is not a .keras file: it is not a zip archive"):
        kerasbook.models.load_model(text)
    model.save(tmp_path / "good.keras")
    whole = (tmp_path / "good.keras").read_bytes()
    (tmp_path / "truncated.keras").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="truncated.keras is not a .keras file.*truncated"):
        kerasbook.models.load_model(tmp_path / "truncated.keras")
    good = zipfile.ZipFile(tmp_path / "good.keras")
    with zipfile.ZipFile(tmp_path / "incomplete.keras", "w") as archive:
        archive.writestr("config.json", good.read("config.json"))
    with pytest.raises(ValueError, match=r"incomplete.keras is not a complete .keras file: it lacks "
                                         r"\['model.weights.h5'\]"):
        kerasbook.models.load_model(tmp_path / "incomplete.keras")
    with zipfile.ZipFile(tmp_path / "badjson.keras", "w") as archive:
        archive.writestr("config.json", "{oops")
        archive.writestr("model.weights.h5", good.read("model.weights.h5"))
    with pytest.raises(ValueError, match="badjson.keras is damaged: its config.json is not valid JSON"):
        kerasbook.models.load_model(tmp_path / "badjson.keras")
    with zipfile.ZipFile(tmp_path / "badh5.keras", "w") as archive:
        archive.writestr("config.json", good.read("config.json"))
        archive.writestr("model.weights.h5", b"garbage")
    with pytest.raises(ValueError, match="badh5.keras: its model.weights.h5 is not a readable HDF5 file"):
        kerasbook.models.load_model(tmp_path / "badh5.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="holds weights only"):
        kerasbook.models.load_model(tmp_path / "w.weights.h5")
    (tmp_path / "junk.weights.h5").write_text("junk")
    with pytest.raises(ValueError, match="junk.weights.h5: it is not an HDF5 file"):
        model.load_weights(tmp_path / "junk.weights.h5")
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        kerasbook.models.load_model(tmp_path / "missing.keras")


def test_mismatched_weights_name_layer_variable_and_shapes_and_assign_nothing(tmp_path):
    small(units=3).save_weights(tmp_path / "m.weights.h5")
    wider = small(units=7)
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r'layer "hidden", variable "kernel" has shape \(4, 7\), but the '
                                         r"file holds shape \(4, 3\)"):
        wider.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(wider.get_weights(), before):
        close(a, b)  # the out layer, checked before the error was found, was not assigned either
    with pytest.warns(UserWarning, match=r'layer "hidden", variable "kernel".*skip_mismatch=True'):
        wider.load_weights(tmp_path / "m.weights.h5", skip_mismatch=True)
    close(wider.layers[0].kernel.numpy(), before[0])  # skipped ones keep their values
    shallow = kerasbook.Sequential([kerasbook.Input((4,)), layers.Dense(2, name="only")])
    with pytest.raises(ValueError, match=r'layer "only", variable "kernel" has shape \(4, 2\)'):
        shallow.load_weights(tmp_path / "m.weights.h5")
    no_bias = kerasbook.Sequential([kerasbook.Input((4,)), layers.Dense(3, use_bias=False, name="nb"),
                                    layers.Dense(2)])
    with pytest.raises(ValueError, match=r'layer "nb" has 1 variables, but the file holds 2'):
        no_bias.load_weights(tmp_path / "m.weights.h5")


class Unserializable(layers.Layer):
    def call(self, x):
        return x

    def get_config(self):
        raise RuntimeError("cannot describe myself")


def test_a_save_that_fails_midway_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    model, path = small(), tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    inputs = kerasbook.Input((4,))
    broken = kerasbook.Model(inputs, Unserializable()(layers.Dense(3)(inputs)))
    with pytest.raises(RuntimeError, match="cannot describe myself"):
        broken.save(path)  # fails while serializing the config
    assert path.read_bytes() == before

    real_writestr = zipfile.ZipFile.writestr

    def disk_full_at_the_weights(archive, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError("No space left on device")
        return real_writestr(archive, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full_at_the_weights)
    with pytest.raises(OSError, match="No space left"):
        small(units=5).save(path)  # fails with the archive half written
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no partial file left behind
    close(kerasbook.models.load_model(path)(X), model(X))
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    with pytest.raises(ValueError, match=r"must end in .keras"):
        model.save(tmp_path / "model.zip")


def _refuses_to_initialize(shape, dtype=None):
    raise RuntimeError("this weight cannot be computed")


class Unwritable(layers.Layer):
    """A layer whose weight fails when first read, i.e. while a weights file is half written."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer=_refuses_to_initialize)

    def call(self, x):
        return x * self.w


def test_a_weights_save_that_fails_midway_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "model.weights.h5"
    small().save_weights(path)
    before = path.read_bytes()
    inputs = kerasbook.Input((4,))
    broken = kerasbook.Model(inputs, Unwritable()(layers.Dense(4)(inputs)))
    for save, target in ((broken.save_weights, path), (broken.save, tmp_path / "model.keras")):
        with pytest.raises(RuntimeError, match="cannot be computed"):
            save(target)  # the Dense kernel is written, then the second layer's weight fails
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.weights.h5"]  # no partial file left behind


def test_saved_files_get_the_permissions_of_an_ordinary_file(tmp_path):
    """Not the owner-only mode of a temporary file: others who could read a file written with
    open() can read a saved model; an overwritten file keeps its mode."""
    (tmp_path / "plain.txt").write_text("")
    ordinary = (tmp_path / "plain.txt").stat().st_mode
    model = small()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    assert (tmp_path / "m.keras").stat().st_mode == ordinary
    assert (tmp_path / "m.weights.h5").stat().st_mode == ordinary
    (tmp_path / "m.keras").chmod(0o640)
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").stat().st_mode & 0o777 == 0o640


def test_a_truncated_keras_file_given_to_load_weights_is_called_truncated(tmp_path):
    model = small()
    model.save(tmp_path / "good.keras")
    whole = (tmp_path / "good.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="cut.keras is not a .keras file: it is not a zip archive "
                                         r"\(or it is truncated"):
        model.load_weights(tmp_path / "cut.keras")


def test_a_keras_file_with_damaged_bytes_is_called_damaged_not_foreign(tmp_path):
    model = kerasbook.Sequential([kerasbook.Input((40,)), layers.Dense(300), layers.Dense(2)])
    model.save(tmp_path / "good.keras")
    data = bytearray((tmp_path / "good.keras").read_bytes())
    middle = len(data) // 2  # inside the weights, the largest member
    data[middle:middle + 64] = bytes(b ^ 0x55 for b in data[middle:middle + 64])
    (tmp_path / "flipped.keras").write_bytes(bytes(data))
    for load in (kerasbook.models.load_model, model.load_weights):
        with pytest.raises(ValueError, match=r"flipped.keras is damaged: Bad CRC-32 for file 'model.weights.h5'"):
            load(tmp_path / "flipped.keras")


def halve(t):
    return t * 0.5


def test_unknown_functions_name_themselves_and_custom_objects_resolve_them(tmp_path):
    inputs = kerasbook.Input((2,))
    kerasbook.Model(inputs, layers.Dense(2, activation=halve)(inputs)).save(tmp_path / "fn.keras")
    with pytest.raises(TypeError, match=r"Could not locate function 'halve'.*custom_objects"):
        kerasbook.models.load_model(tmp_path / "fn.keras")
    loaded = kerasbook.models.load_model(tmp_path / "fn.keras", custom_objects={"halve": halve})
    assert loaded.layers[1].activation is halve


def test_lambda_bytecode_is_refused_in_safe_mode(tmp_path):
    factor = 3.0
    inputs = kerasbook.Input((2,))
    model = kerasbook.Model(inputs, layers.Lambda(lambda t, bias=0.0: t * factor + bias, name="triple")(inputs))
    model.save(tmp_path / "lambda.keras")
    with zipfile.ZipFile(tmp_path / "lambda.keras") as archive:
        record = json.loads(archive.read("config.json"))["config"]["layers"][1]["config"]["function"]
    assert record["class_name"] == "__lambda__" and set(record["config"]) == {"code", "defaults", "closure"}
    assert record["config"]["closure"] == [3.0] and record["config"]["defaults"] == [0.0]
    with pytest.raises(ValueError, match=r'Lambda layer "triple".*run code from the file.*safe_mode=False'):
        kerasbook.models.load_model(tmp_path / "lambda.keras")
    loaded = kerasbook.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    close(loaded(np.ones((1, 2), "float32")), [[3.0, 3.0]])


@kerasbook.saving.register_keras_serializable(package="Course")
def double(t):
    return t * 2


def test_lambda_of_a_registered_function_loads_in_safe_mode(tmp_path):
    inputs = kerasbook.Input((2,))
    model = kerasbook.Model(inputs, layers.Lambda(double, output_shape=(2,), arguments={})(inputs))
    model.save(tmp_path / "named.keras")
    loaded = kerasbook.models.load_model(tmp_path / "named.keras")
    close(loaded(np.ones((1, 2), "float32")), [[2.0, 2.0]])


class Shift(layers.Layer):
    def call(self, x):
        return x + 1.0


def test_unknown_classes_name_themselves_and_custom_objects_resolve_them(tmp_path):
    inputs = kerasbook.Input((2,))
    kerasbook.Model(inputs, Shift(name="shift")(inputs)).save(tmp_path / "custom.keras")
    with pytest.raises(TypeError, match=r"Could not locate class 'Shift'.*custom_objects"):
        kerasbook.models.load_model(tmp_path / "custom.keras")
    loaded = kerasbook.models.load_model(tmp_path / "custom.keras", custom_objects={"Shift": Shift})
    close(loaded(np.zeros((1, 2), "float32")), [[1.0, 1.0]])
    with kerasbook.saving.custom_object_scope({"Shift": Shift}):
        assert isinstance(kerasbook.models.load_model(tmp_path / "custom.keras").layers[1], Shift)


def test_loading_never_imports_a_module_the_file_names(tmp_path, monkeypatch):
    """A file naming a module and class (as Keras 2 configs could) must not make kerasbook import it."""
    marker = tmp_path / "imported"
    (tmp_path / "planted_module.py").write_text(f"open({str(marker)!r}, 'w').close()\nclass Payload: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    small().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config, weights = json.loads(archive.read("config.json")), archive.read("model.weights.h5")
    config["config"]["layers"][1].update(module="planted_module", class_name="Payload")
    with zipfile.ZipFile(tmp_path / "planted.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(TypeError, match="Could not locate class 'Payload'"):
        kerasbook.models.load_model(tmp_path / "planted.keras", safe_mode=False)
    assert not marker.exists() and "planted_module" not in sys.modules


def write_keras2_h5(path, groups, root_group=None):
    """A weights file in Keras 2's layout: `layer_names` at the root, `weight_names` per layer."""
    with h5py.File(path, "w") as f:
        root = f.create_group(root_group) if root_group else f
        root.attrs["layer_names"] = [name.encode() for name in groups]
        for name, weights in groups.items():
            group = root.create_group(name)
            group.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w in weights]
            for w, value in weights.items():
                group.create_dataset(f"{name}/{w}:0", data=value)


def test_keras2_h5_weights_by_order_and_by_name(tmp_path):
    rng = np.random.default_rng(3)
    values = {"fc1": {"kernel": rng.normal(size=(4, 3)), "bias": rng.normal(size=3)},
              "pool": {},  # layers without weights are listed too, and skipped
              "fc2": {"kernel": rng.normal(size=(3, 2)), "bias": rng.normal(size=2)}}
    write_keras2_h5(tmp_path / "old.h5", values)
    model = small()  # its layers are named "hidden" and "out": matched by order
    model.load_weights(tmp_path / "old.h5")
    close(model.layers[0].kernel.numpy(), values["fc1"]["kernel"])
    close(model.layers[1].bias.numpy(), values["fc2"]["bias"])
    renamed = kerasbook.Sequential([kerasbook.Input((4,)), layers.Dense(3, name="fc1"), layers.Dense(2, name="x")])
    before = renamed.layers[1].get_weights()
    renamed.load_weights(tmp_path / "old.h5", by_name=True)  # "x" is not in the file: left as it was
    close(renamed.layers[0].bias.numpy(), values["fc1"]["bias"])
    close(renamed.layers[1].kernel.numpy(), before[0])
    write_keras2_h5(tmp_path / "whole.h5", values, root_group="model_weights")  # a Keras 2 model file
    fresh = small()
    kerasbook.saving.load_legacy_h5_weights(fresh, tmp_path / "whole.h5")
    close(fresh.layers[0].kernel.numpy(), values["fc1"]["kernel"])


def test_keras2_h5_mismatch_names_the_layer_and_both_shapes(tmp_path):
    write_keras2_h5(tmp_path / "old.h5", {"fc1": {"kernel": np.ones((4, 3)), "bias": np.ones(3)},
                                          "fc2": {"kernel": np.ones((5, 2)), "bias": np.ones(2)}})
    model = small(units=5)  # only its first layer differs from the file
    before = model.get_weights()
    with pytest.raises(ValueError, match=r'layer "hidden" \(saved as "fc1"\) weight "kernel" has shape '
                                         r"\(4, 5\), but the file holds shape \(4, 3\)"):
        model.load_weights(tmp_path / "old.h5")
    for a, b in zip(model.get_weights(), before):
        close(a, b)
    with pytest.warns(UserWarning, match='layer "hidden"'):
        model.load_weights(tmp_path / "old.h5", skip_mismatch=True)
    close(model.layers[1].kernel.numpy(), np.ones((5, 2)))  # the layer that fits was loaded
    three = kerasbook.Sequential([kerasbook.Input((4,)), layers.Dense(3), layers.Dense(3), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"holds weights for 2 layers, but model .* has 3 layers with weights"):
        three.load_weights(tmp_path / "old.h5")
    small().save_weights(tmp_path / "new.weights.h5")
    with pytest.raises(ValueError, match="by_name=True applies to Keras 2 .h5 weights files only"):
        small().load_weights(tmp_path / "new.weights.h5", by_name=True)
