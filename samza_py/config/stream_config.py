"""StreamConfig: per-stream Samza properties, resolved through Samza's four levels of keys.

Precedence, highest first: ``streams.<id>.samza.X`` > ``systems.<s>.streams.<stream>.samza.X`` >
``systems.<s>.default.stream.samza.X`` > ``systems.<s>.samza.X``. A stream id maps to
``streams.<id>.samza.system`` (default ``job.default.system``) and ``streams.<id>.samza.physical.name``
(default the id).
"""

from __future__ import annotations

from samza_py.api.streams import SystemStream
from samza_py.config._view import ConfigView
from samza_py.config.errors import ConfigException
from samza_py.config.system_config import DEFAULT_OFFSET, checked_offset_default


class StreamConfig(ConfigView):
    __slots__ = ()

    def stream_ids(self) -> list[str]:
        """Ids with any ``streams.<id>.*`` key; as in Samza an id ends at the first dot."""
        ids = {key[len("streams.") :].split(".", 1)[0] for key in self.config if key.startswith("streams.")}
        return sorted(i for i in ids if i)

    def system_stream_of(self, stream_id: str) -> SystemStream | None:
        """The stream an id stands for, or None when it names no system and there is no default system."""
        system = self.config.get_str(f"streams.{stream_id}.samza.system") or self.config.get_str("job.default.system")
        if system is None:
            return None
        physical = self.config.get_str(f"streams.{stream_id}.samza.physical.name") or stream_id
        return SystemStream(system.strip(), physical.strip())

    def stream_id_of(self, ss: SystemStream) -> str | None:
        """The one stream id mapped to ``ss``; two ids for one stream is an error, as in Samza."""
        ids = [i for i in self.stream_ids() if self.system_stream_of(i) == ss]
        if len(ids) > 1:
            where = f"{ss.system}.{ss.stream}"
            message = f"stream ids {', '.join(ids)} all map to {where}"
            raise ConfigException(f"streams.{ids[1]}.samza.physical.name", message)
        return ids[0] if ids else None

    def property_key(self, ss: SystemStream, prop: str) -> str | None:
        """The key that sets ``samza.<prop>`` for ``ss`` (``prop`` without ``samza.``), or None."""
        keys = []
        stream_id = self.stream_id_of(ss)
        if stream_id is not None:
            keys.append(f"streams.{stream_id}.samza.{prop}")
        keys += [
            f"systems.{ss.system}.streams.{ss.stream}.samza.{prop}",
            f"systems.{ss.system}.default.stream.samza.{prop}",
            f"systems.{ss.system}.samza.{prop}",
        ]
        return self.first_set(*keys)

    def stream_property(self, ss: SystemStream, prop: str, default: str | None = None) -> str | None:
        key = self.property_key(ss, prop)
        return default if key is None else self.config[key]

    def key_serde(self, ss: SystemStream) -> str | None:
        value = self.stream_property(ss, "key.serde")
        return None if value is None else value.strip()

    def msg_serde(self, ss: SystemStream) -> str | None:
        value = self.stream_property(ss, "msg.serde")
        return None if value is None else value.strip()

    def offset_default(self, ss: SystemStream) -> str:
        key = self.property_key(ss, "offset.default")
        return DEFAULT_OFFSET if key is None else checked_offset_default(key, self.config[key])

    def reset_offset(self, ss: SystemStream) -> bool:
        key = self.property_key(ss, "reset.offset")
        return False if key is None else self.config.get_bool(key, False)

    def priority(self, ss: SystemStream) -> int:
        """Chooser priority: higher wins, ``-1`` by default."""
        key = self.property_key(ss, "priority")
        return -1 if key is None else self.config.get_int(key, -1)

    def is_bootstrap(self, ss: SystemStream) -> bool:
        key = self.property_key(ss, "bootstrap")
        return False if key is None else self.config.get_bool(key, False)
