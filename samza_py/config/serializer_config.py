"""SerializerConfig: serde names (``serializers.registry.<name>.class``) and Samza's predefined ones."""

from __future__ import annotations

from samza_py.config._view import ConfigView

# Names Samza resolves without a registry entry; aliases.py maps these Java names to samza-py's serdes.
PREDEFINED_SERDES: dict[str, str] = {
    "byte": "org.apache.samza.serializers.ByteSerdeFactory",
    "integer": "org.apache.samza.serializers.IntegerSerdeFactory",
    "json": "org.apache.samza.serializers.JsonSerdeFactory",
    "long": "org.apache.samza.serializers.LongSerdeFactory",
    "string": "org.apache.samza.serializers.StringSerdeFactory",
    "double": "org.apache.samza.serializers.DoubleSerdeFactory",
}


class SerializerConfig(ConfigView):
    __slots__ = ()

    def registered_names(self) -> list[str]:
        return self.names_between("serializers.registry.", ".class")

    def serde_factory_classes(self) -> dict[str, str]:
        """Every usable serde name -> factory class name; a registration overrides a predefined name."""
        result = dict(PREDEFINED_SERDES)
        for name in self.registered_names():
            result[name] = self.config[f"serializers.registry.{name}.class"].strip()
        return result

    def serde_factory_class(self, name: str) -> str | None:
        return self.serde_factory_classes().get(name)

    def is_known(self, name: str) -> bool:
        return self.serde_factory_class(name) is not None
