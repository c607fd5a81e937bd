"""MetricsConfig: ``metrics.reporters`` and each ``metrics.reporter.<n>.*``."""

from __future__ import annotations

from samza_py.api.streams import SystemStream
from samza_py.config._view import ConfigView, parse_system_stream

DEFAULT_REPORTER_INTERVAL_S = 60


class MetricsConfig(ConfigView):
    __slots__ = ()

    @property
    def reporters(self) -> list[str]:
        return self.config.get_list("metrics.reporters")

    def reporter_class(self, reporter: str) -> str | None:
        return self.config.get_str(f"metrics.reporter.{reporter}.class")

    def reporter_stream(self, reporter: str) -> SystemStream | None:
        key = f"metrics.reporter.{reporter}.stream"
        value = self.config.get_str(key)
        return None if value is None else parse_system_stream(key, value)

    def reporter_interval_s(self, reporter: str) -> int:
        return self.config.get_int(f"metrics.reporter.{reporter}.interval", DEFAULT_REPORTER_INTERVAL_S)

    def reporter_host(self, reporter: str) -> str:
        """Where a reporter that serves its metrics listens; all interfaces by default."""
        return self.config.get_str(f"metrics.reporter.{reporter}.host") or "0.0.0.0"

    def reporter_port(self, reporter: str) -> int:
        """The port it listens on; 0 = any free port."""
        return self.config.get_int(f"metrics.reporter.{reporter}.port", 0)

    @property
    def timer_enabled(self) -> bool:
        """Per-message timers (``process-ns``); samza-py defaults to off, Samza to on."""
        return self.config.get_bool("metrics.timer.enabled", False)
