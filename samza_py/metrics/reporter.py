"""MetricsReporter: what ``metrics.reporters`` name; each gets every registry of its container."""

from __future__ import annotations

from abc import ABC, abstractmethod

from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap


class MetricsReporter(ABC):
    """Registries may be registered before or after ``start``; reporting reads them live."""

    @abstractmethod
    def register(self, source: str, registry: MetricsRegistryMap) -> None: ...

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    def url(self) -> str | None:
        """Where the reporter can be read from over HTTP, if it serves its metrics."""
        return None


class MetricsReporterFactory(ABC):
    @abstractmethod
    def get_metrics_reporter(self, name: str, container_name: str, config: Config) -> MetricsReporter: ...
