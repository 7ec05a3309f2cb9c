"""`keras.utils.FeatureSpace`: a table of mixed columns (numbers, categories, strings) -> one vector.

    feature_space = keras.utils.FeatureSpace(
        features={"age": "float_normalized", "city": "string_categorical", "zip": "integer_hashed"},
        crosses=[("city", "zip")], output_mode="concat")
    feature_space.adapt(train_dict)          # learns means, vocabularies, bin edges
    x = feature_space(train_dict)            # (samples, encoded width) float32, for fit

Each feature has a preprocessing layer (`preprocessors[name]`: Normalization, Rescaling,
Discretization, StringLookup, IntegerLookup, Hashing, or your own); categories are then one-hot
encoded (a CategoryEncoding of the right width) unless their `output_mode` is "int"; crossed
features are hashed pairs (`crossers[name]`: HashedCrossing). In "concat" mode the encoded features
are joined in Keras's order (features sorted by name, then crosses sorted by name); in "dict" mode
they come as `{name: array}`.

How it differs from Keras's (which is a Layer run in tf.data and in a TensorFlow graph):
- It is not a Layer, and calling it takes NumPy data (a dict of arrays or lists, one sample or a
  batch) and returns NumPy arrays: the lookups and hashes it uses run on NumPy, before a model.
- `adapt` takes a dict of arrays or lists (Keras also takes a tf.data.Dataset).
- `get_encoded_features()` gives an Input of the encoded width (a dict of them in "dict" mode) to
  build the trained model on, as Keras's structured-data examples do
  (`keras.Model(encoded_features, outputs)`); Keras's is the preprocessing graph's output itself, so
  a model from `get_inputs()` cannot include the preprocessing here: encode data with
  `feature_space(data)` before `fit` and `predict`.
"""

import numpy as np

from kerasbook.core.saving.serialization import deserialize_keras_object, serialize_keras_object

FEATURE_DTYPES = {"float32", "int32", "string"}


class Cross:
    """Features crossed together (see HashedCrossing): `crossing_dim` bins, one-hot or "int"."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode}")
        self.feature_names, self.crossing_dim, self.output_mode = tuple(feature_names), crossing_dim, output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature: its input dtype ("float32", "int32", "string"), its preprocessing layer, and how
    its output is encoded: "float" (as is), "one_hot", or "int" (the layer's integer output)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                             f"'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        self.preprocessor = deserialize_keras_object(preprocessor) if isinstance(preprocessor, dict) else preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Identity:
    """The preprocessor of a "float" feature: the values as they are (float32)."""

    def __init__(self, name=None):
        self.name = name

    def __call__(self, x):
        return np.asarray(x, dtype="float32")

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _layers():
    from kerasbook.core import layers
    return layers


class FeatureSpace:
    """Preprocess and encode a table of features (see the module's docstring). Arguments as Keras's:
    `features` maps each name to a type ("float", "float_normalized", "float_rescaled",
    "float_discretized", "integer_categorical", "string_categorical", "integer_hashed",
    "string_hashed") or to a `FeatureSpace.<type>(...)`/`FeatureSpace.feature(...)`; `crosses` lists
    tuples of names (or `FeatureSpace.cross(...)`); `crossing_dim`, `hashing_dim` and
    `num_discretization_bins` are the defaults for crosses, hashed and discretized features.
    """

    # -- the feature types, as Keras's class methods ----------------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        return Feature("float32", Identity(f"{name or 'float'}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        layer = _layers().Rescaling(scale=scale, offset=offset, name=f"{name or 'float_rescaled'}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_normalized(cls, name=None):
        layer = _layers().Normalization(axis=-1, name=f"{name or 'float_normalized'}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        layer = _layers().Discretization(num_bins=None if bin_boundaries is not None else num_bins,
                                         bin_boundaries=bin_boundaries,
                                         name=f"{name or 'float_discretized'}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        layer = _layers().IntegerLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                                        name=f"{name or 'integer_categorical'}_preprocessor")
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        layer = _layers().StringLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                                       name=f"{name or 'string_categorical'}_preprocessor")
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("string", _layers().Hashing(num_bins=num_bins, name=f"{name or 'string_hashed'}_preprocessor"),
                       output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("int32", _layers().Hashing(num_bins=num_bins, name=f"{name or 'integer_hashed'}_preprocessor"),
                       output_mode)

    # -- building --------------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode}")
        self.name, self.output_mode = name or "feature_space", output_mode
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, value) for key, value in features.items()}
        self.crosses = [self._standardize_cross(cross, set(features)) for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.preprocessors = {key: feature.preprocessor for key, feature in self.features.items()}
        self.crossers = {cross.name: _layers().HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(feature.get("config", feature))
        makers = {"float": lambda: self.float(name=name),
                  "float_normalized": lambda: self.float_normalized(name=name),
                  "float_rescaled": lambda: self.float_rescaled(name=name),
                  "float_discretized": lambda: self.float_discretized(self.num_discretization_bins, name=name),
                  "integer_categorical": lambda: self.integer_categorical(name=name),
                  "string_categorical": lambda: self.string_categorical(name=name),
                  "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
                  "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name)}
        if feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    def _standardize_cross(self, cross, known):
        if isinstance(cross, dict):
            cross = Cross.from_config(cross.get("config", cross))
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        if any(key not in known for key in cross):
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {cross}")
        return Cross(cross, crossing_dim=self.crossing_dim)

    # -- adapting --------------------------------------------------------------------------------
    def _adaptable(self):
        """The features whose preprocessor still has something to learn from data."""
        names = []
        for name, layer in self.preprocessors.items():
            if getattr(layer, "input_mean", None) is not None:  # a Normalization given its mean
                continue
            if getattr(layer, "_has_input_vocabulary", False):
                continue
            if isinstance(layer, _layers().Discretization) and layer.num_bins is None:
                continue  # given its bin_boundaries (Keras would try to adapt it, and fail)
            if hasattr(layer, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Learn each preprocessor's statistics (means, vocabularies, bin edges) from `dataset`, a dict
        of arrays or lists with one entry per feature."""
        if not isinstance(dataset, dict):
            raise ValueError("kerasbook's FeatureSpace.adapt() takes a dict of arrays/lists (Keras also takes "
                             f"a tf.data.Dataset). Received instead: {dataset} (of type {type(dataset)})")
        for name in self._adaptable():
            self.preprocessors[name].adapt(self._column(name, dataset[name]))
        self._is_adapted = True
        self._set_up_encoders()

    def _column(self, name, values):
        """One feature's values as a (samples, 1) array of its dtype."""
        dtype = self.features[name].dtype
        values = np.asarray(values, dtype=object if dtype == "string" else dtype)
        if dtype == "string":
            values = values.astype(str)
        return values.reshape(-1, 1) if values.ndim < 2 else values

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._adaptable():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True
            self._set_up_encoders()

    def _set_up_encoders(self):
        """A CategoryEncoding for each one-hot feature or cross, as wide as its preprocessor's output."""
        self.one_hot_encoders = {}
        specs = {**{name: (self.features[name], self.preprocessors[name]) for name in self.features},
                 **{name: (self.crosses_by_name[name], self.crossers[name]) for name in self.crossers}}
        for name, (spec, layer) in specs.items():
            if spec.output_mode == "one_hot":
                self.one_hot_encoders[name] = _layers().CategoryEncoding(
                    num_tokens=self._cardinality(name, layer), output_mode="multi_hot")

    @staticmethod
    def _cardinality(name, layer):
        layers = _layers()
        if isinstance(layer, (layers.IntegerLookup, layers.StringLookup)):
            return layer.vocabulary_size()
        if isinstance(layer, layers.CategoryEncoding):
            return layer.num_tokens
        if isinstance(layer, layers.Discretization):
            return layer.num_bins if layer.num_bins is not None else len(layer.bin_boundaries) + 1
        if isinstance(layer, (layers.HashedCrossing, layers.Hashing)):
            return layer.num_bins
        raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and "
                         "the dimensionality of its output space is not known, thus it cannot be one-hot "
                         "encoded. Try using `output_mode='int'`.")

    # -- encoding --------------------------------------------------------------------------------
    def __call__(self, data):
        """Encode `data`, a dict with one entry per feature: a batch (arrays or lists of samples) or one
        sample (scalars). Returns a float32 array `(samples, width)` ("concat"; `(width,)` for one
        sample) or `{name: array}` ("dict")."""
        self._check_if_adapted()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data} (of type "
                             f"{type(data)}")
        one_sample = all(np.ndim(value) == 0 for value in data.values())
        preprocessed = {name: np.asarray(self.preprocessors[name](self._column(name, data[name])))
                        for name in self.features}
        crossed = {cross.name: np.asarray(self.crossers[cross.name]([preprocessed[n] for n in cross.feature_names]))
                   for cross in self.crosses}
        merged = self._merge({**preprocessed, **crossed})
        if one_sample:
            return merged[0] if self.output_mode == "concat" else {k: v[0] for k, v in merged.items()}
        return merged

    def _merge(self, outputs):
        """One-hot encode what needs it; then concatenate in Keras's order, or keep as a dict."""
        order = sorted(self.features) + sorted(self.crossers)
        encoded = {}
        for name in order:
            value = outputs[name]
            if name in self.one_hot_encoders:
                value = np.asarray(self.one_hot_encoders[name](value))
            encoded[name] = value
        if self.output_mode == "dict":
            return encoded
        for name in order:
            if encoded[name].dtype.kind in "iuUSO":
                raise ValueError(f"Cannot concatenate features because feature '{name}' has not been encoded "
                                 f"(it has dtype {encoded[name].dtype}). Consider using `output_mode='dict'`.")
        return np.concatenate([encoded[name].astype("float32") for name in order], axis=-1)

    # -- the model's entry -----------------------------------------------------------------------
    def _widths(self):
        """Each encoded feature's width: the one-hot's, else its preprocessor's last axis (1)."""
        self._check_if_adapted()
        return {name: (self.one_hot_encoders[name].num_tokens if name in self.one_hot_encoders else 1)
                for name in sorted(self.features) + sorted(self.crossers)}

    def get_encoded_features(self):
        """An Input standing for the encoded features, to start the trained model at (a dict of Inputs
        in "dict" mode); see the module's docstring for how it differs from Keras's."""
        from kerasbook.core.layers.input_layer import Input
        widths = self._widths()
        if self.output_mode == "concat":
            return Input(shape=(sum(widths.values()),), name="encoded_features")
        return {name: Input(shape=(width,), dtype="float32" if name in self.one_hot_encoders or
                            self._float_feature(name) else "int64", name=name) for name, width in widths.items()}

    def _float_feature(self, name):
        return name in self.features and self.features[name].output_mode == "float"

    def get_inputs(self):
        """`{name: Input}` for the raw features, as Keras's (shape (1,), the feature's dtype). A model
        cannot take strings here: for string features this raises, pointing to `feature_space(data)`."""
        from kerasbook.core.layers.input_layer import Input
        self._check_if_adapted()
        strings = [name for name, feature in self.features.items() if feature.dtype == "string"]
        if strings:
            raise ValueError(f"The features {strings} are strings, which kerasbook models cannot take as inputs: "
                             "encode the data with `feature_space(data)` and build the model on "
                             "`feature_space.get_encoded_features()`.")
        return {name: Input(shape=(1,), dtype=feature.dtype, name=name) for name, feature in self.features.items()}

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self):
        return {"features": {name: {"class_name": "Feature", "config": feature.get_config()}
                             for name, feature in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [{"class_name": "Cross", "config": cross.get_config()} for cross in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        kinds = ", ".join(f"{name}: {type(feature.preprocessor).__name__}" for name, feature in self.features.items())
        return f"<FeatureSpace {self.output_mode} ({kinds}; crosses {list(self.crossers) or 'none'})>"

