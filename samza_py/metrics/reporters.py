"""The reporters a container runs, built from ``metrics.reporters`` and ``metrics.reporter.<n>.class``."""

from __future__ import annotations

import logging

from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.metrics_config import MetricsConfig
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.metrics.reporter import MetricsReporter, MetricsReporterFactory

log = logging.getLogger(__name__)


def build_reporters(config: Config, container_name: str) -> dict[str, MetricsReporter]:
    """Reporter name → reporter, in the order ``metrics.reporters`` lists them."""
    metrics = MetricsConfig(config)
    reporters: dict[str, MetricsReporter] = {}
    for name in metrics.reporters:
        key = f"metrics.reporter.{name}.class"
        class_name = metrics.reporter_class(name)
        if class_name is None:
            raise ConfigException(key, "is required by metrics.reporters")
        factory = resolve_class(class_name)()
        if not isinstance(factory, MetricsReporterFactory):
            raise ConfigException(key, f"{class_name} is not a MetricsReporterFactory")
        reporters[name] = factory.get_metrics_reporter(name, container_name, config)
    return reporters


class MetricsReporters:
    """All of a container's reporters as one: registries go to each, start/stop reach each."""

    def __init__(self, reporters: dict[str, MetricsReporter]) -> None:
        self.reporters = reporters

    def register(self, source: str, registry: MetricsRegistryMap) -> None:
        for reporter in self.reporters.values():
            reporter.register(source, registry)

    def start(self) -> None:
        for name, reporter in self.reporters.items():
            reporter.start()
            if reporter.url:
                log.info("metrics reporter %r serves %s", name, reporter.url)

    def stop(self) -> None:
        for name, reporter in self.reporters.items():
            try:
                reporter.stop()
            except Exception:
                # Metrics must not decide how a container ends; the failure is logged with its reporter.
                log.exception("stopping metrics reporter %r failed", name)

    @property
    def urls(self) -> list[str]:
        return [r.url for r in self.reporters.values() if r.url]
