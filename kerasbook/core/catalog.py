"""Looking up a built-in object by name: what `initializers.get("he_normal")` and
`regularizers.get("l2")` share."""


class Catalog:
    """Classes of one kind (initializers, regularizers), by Keras's snake-case names and class names."""

    def __init__(self, kind, classes, names):
        self.kind = kind
        self.classes = {cls.__name__: cls for cls in classes}
        self.names = names

    def get(self, identifier):
        """None, a name, a class name, a Keras config dict, an object, or a function."""
        if identifier is None:
            return None
        if isinstance(identifier, str):
            cls = self.names.get(identifier) or self.classes.get(identifier)
            if cls is None:
                raise ValueError(f"Unknown {self.kind} {identifier!r}. Known: {sorted(self.names)}.")
            return cls()
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, type):  # a class, e.g. initializers.get(GlorotUniform): an instance
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} {identifier!r}.")

    @staticmethod
    def serialize(obj):
        if obj is None:
            return None
        from kerasbook.core.saving.serialization import serialize_keras_object
        return serialize_keras_object(obj)

    def deserialize(self, config, custom_objects=None):
        if isinstance(config, str):
            return self.get(config)
        cls = self.classes.get(config["class_name"])
        if cls is None:  # a custom class: registered or passed in custom_objects
            from kerasbook.core.saving.serialization import deserialize_keras_object
            return deserialize_keras_object(config, custom_objects)
        return cls.from_config(config.get("config", {}))
