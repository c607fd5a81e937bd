"""PrometheusReporter: a container's metrics on an HTTP endpoint in Prometheus' text format.

Samza's ``JmxReporterFactory`` resolves here: Python has no JMX, and this is where a Python operator
looks. JMX names a metric ``<group>:type=<source>,name=<metric>``; here the metric name becomes the
Prometheus name (``samza_`` + the name with every character Prometheus forbids as ``_``) and the
group and source become labels, so ``process-envelopes`` of ``samza-container-0`` is
``samza_process_envelopes_total{group="org.apache.samza.container.SamzaContainerMetrics",
source="samza-container-0",...}``. Counters are counters, gauges with numeric values gauges, timers
gauges of their average in nanoseconds. ``metrics.reporter.<n>.port`` (0 = any free port) and
``metrics.reporter.<n>.host`` (default all interfaces) place the endpoint.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from samza_py.api.metrics import Counter, Gauge
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.metrics_config import MetricsConfig
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.metrics.reporter import MetricsReporter, MetricsReporterFactory

_FORBIDDEN = re.compile(r"[^a-zA-Z0-9_]")
LABELS = ("job", "container", "group", "source")


def prometheus_name(metric: str) -> str:
    """``kafka-wikipedia-raw-0-messages-behind-high-watermark`` → ``samza_kafka_wikipedia_raw_0_messages_...``."""
    return "samza_" + _FORBIDDEN.sub("_", metric)


def _number(value: Any) -> float | None:
    """Numeric gauges, and offsets (Samza keeps them as text); other text gauges have no number."""
    if isinstance(value, int | float):  # bools are ints
        return float(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return float(value)
    return None


class SamzaCollector(Collector):
    """Reads the registries at every scrape: nothing is copied on the hot path."""

    def __init__(self, job: str, container: str) -> None:
        self._job = job
        self._container = container
        self.registries: dict[str, MetricsRegistryMap] = {}

    def collect(self) -> Iterator[Metric]:
        families: dict[tuple[str, str], Any] = {}
        kinds: dict[str, str] = {}

        def family(metric_name: str, kind: str) -> Any:
            name = prometheus_name(metric_name)
            # One name, one type: a gauge named like some counter gets its own name.
            if kinds.setdefault(name, kind) != kind:
                name = f"{name}_{kind}"
            key = (name, kind)
            if key not in families:
                if kind == "counter":
                    families[key] = CounterMetricFamily(name, f"Samza counter {metric_name}", labels=LABELS)
                else:
                    families[key] = GaugeMetricFamily(name, f"Samza {kind} {metric_name}", labels=LABELS)
            return families[key]

        for source, registry in list(self.registries.items()):
            for group, metrics in list(registry.groups.items()):
                labels = [self._job, self._container, group, source]
                for metric_name, metric in list(metrics.items()):
                    if isinstance(metric, Counter):
                        family(metric_name, "counter").add_metric(labels, metric.count)
                    elif isinstance(metric, Gauge):
                        value = _number(metric.value)
                        if value is not None:
                            family(metric_name, "gauge").add_metric(labels, value)
                    else:
                        family(metric_name, "timer").add_metric(labels, metric.average_ns())
        yield from families.values()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape would flood the container log


class PrometheusReporter(MetricsReporter):
    def __init__(self, name: str, job: str, container: str, host: str, port: int, advertised_host: str) -> None:
        self.name = name
        self._host = host
        self._port = port
        self._advertised_host = advertised_host
        self._collector = SamzaCollector(job, container)
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self._collector)
        self._server: Any = None
        self.port: int | None = None

    def register(self, source: str, registry: MetricsRegistryMap) -> None:
        self._collector.registries[source] = registry

    def start(self) -> None:
        self._server = make_server(self._host, self._port, make_wsgi_app(self._registry), ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self.port = int(self._server.server_port)
        # A short poll interval: stop() waits for the serving loop to notice, and a container's stop with it.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"metrics-{self.name}", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str | None:
        return None if self.port is None else f"http://{self._advertised_host}:{self.port}/metrics"


class PrometheusReporterFactory(MetricsReporterFactory):
    def get_metrics_reporter(self, name: str, container_name: str, config: Config) -> PrometheusReporter:
        job_config, metrics = JobConfig(config), MetricsConfig(config)
        job = f"{job_config.name}-{job_config.id}"
        host, port = metrics.reporter_host(name), metrics.reporter_port(name)
        advertised = host if host not in ("0.0.0.0", "::") else os.environ.get("NM_HOST") or socket.getfqdn()
        return PrometheusReporter(name, job, container_name, host, port, advertised)
