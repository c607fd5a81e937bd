"""The ``wikipedia`` system: a generated stand-in for hello-samza's IRC feed of Wikipedia edits.

Each stream is an IRC channel (``#en.wikipedia``, ``#en.wiktionary``, ``#en.wikinews``) with one
partition (0). Offsets are the decimal line numbers of the channel, so checkpoints work and a restart
resumes where the job stopped. Messages are the raw lines as ``str`` (key None): configure no serde.

Config, for a system named ``wikipedia``:

- ``systems.wikipedia.samza.factory=samza_py.examples.wikipedia.feed_system.WikipediaSystemFactory``
- ``systems.wikipedia.seed`` (1): same seed, same lines on every run
- ``systems.wikipedia.rate.per.second`` (20): lines per second per channel; 0 = as fast as possible
- ``systems.wikipedia.max.messages`` (unset): a channel ends after this many lines (offsets 0..N-1),
  then hands out one end-of-stream envelope
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from samza_py.api import MetricsRegistry, OutgoingMessageEnvelope, SystemStreamPartition
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.examples.wikipedia.feed_consumer import FeedSettings, WikipediaFeedConsumer
from samza_py.system.interfaces import (
    StreamSpec,
    SystemAdmin,
    SystemConsumer,
    SystemFactory,
    SystemProducer,
    SystemStreamMetadata,
    SystemStreamPartitionMetadata,
)

__all__ = [
    "FeedProgress",
    "FeedSettings",
    "ReadOnlySystemError",
    "WikipediaFeedAdmin",
    "WikipediaFeedConsumer",
    "WikipediaFeedProducer",
    "WikipediaSystemFactory",
    "settings_from_config",
]


def settings_from_config(system: str, config: Mapping[str, str]) -> FeedSettings:
    cfg = config if isinstance(config, Config) else Config(config)
    prefix = f"systems.{system}."
    seed = cfg.get_int(prefix + "seed", 1)
    rate = cfg.get_float(prefix + "rate.per.second", 20.0)
    if rate < 0:
        raise ConfigException(prefix + "rate.per.second", f"must be 0 (unpaced) or more, got {rate:g}")
    limit = cfg.get_str(prefix + "max.messages")
    max_messages = None if limit is None else cfg.get_int(prefix + "max.messages", 0)
    if max_messages is not None and max_messages < 0:
        raise ConfigException(prefix + "max.messages", f"must be 0 or more, got {max_messages}")
    return FeedSettings(seed, rate, max_messages)


class FeedProgress:
    """Lines generated so far per stream, shared by one factory's consumers and admin (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._upcoming: dict[str, int] = {}

    def advance(self, stream: str, upcoming: int) -> None:
        with self._lock:
            if upcoming > self._upcoming.get(stream, 0):
                self._upcoming[stream] = upcoming

    def upcoming(self, stream: str) -> int:
        with self._lock:
            return self._upcoming.get(stream, 0)


class WikipediaFeedAdmin(SystemAdmin):
    """Every channel exists and has partition 0; its upcoming offset is the number of lines generated."""

    def __init__(self, system: str, progress: FeedProgress) -> None:
        self.system = system
        self.progress = progress

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        result = {}
        for stream in streams:
            upcoming = self.progress.upcoming(stream)
            newest = str(upcoming - 1) if upcoming else None
            partition = SystemStreamPartitionMetadata("0", newest, str(upcoming))
            result[stream] = SystemStreamMetadata(stream, {0: partition})
        return result

    def get_offsets_after(self, offsets: Mapping[SystemStreamPartition, str]) -> dict[SystemStreamPartition, str]:
        return {ssp: str(int(offset) + 1) for ssp, offset in offsets.items()}

    def create_stream(self, spec: StreamSpec) -> bool:
        return False  # channels are not created: every name already is one

    def offset_comparator(self, a: str, b: str) -> int:
        return (int(a) > int(b)) - (int(a) < int(b))


class ReadOnlySystemError(RuntimeError):
    pass


class WikipediaFeedProducer(SystemProducer):
    """The container builds a producer for every configured system, so this one exists, but refuses to send."""

    def __init__(self, system: str) -> None:
        self.system = system

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def flush(self, source: str) -> None:
        pass

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        raise ReadOnlySystemError(
            f"system {self.system!r} is the generated Wikipedia feed and only reads: cannot send to "
            f"{envelope.system_stream.stream!r} (send to a Kafka system instead)"
        )


class WikipediaSystemFactory(SystemFactory):
    def __init__(self) -> None:
        # The container builds admin and consumers from one factory: they share what was generated.
        self.progress = FeedProgress()

    def get_consumer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemConsumer:
        return WikipediaFeedConsumer(system_name, settings_from_config(system_name, config), registry,
                                     on_progress=self.progress.advance)

    def get_producer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemProducer:
        return WikipediaFeedProducer(system_name)

    def get_admin(self, system_name: str, config: Config) -> SystemAdmin:
        settings_from_config(system_name, config)  # fail at start on a bad setting, not at the first poll
        return WikipediaFeedAdmin(system_name, self.progress)
