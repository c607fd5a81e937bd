"""MetricsSnapshotReporter: every ``interval`` seconds, one MetricsSnapshot per registry to a stream.

Samza's format: ``{"header": {...}, "metrics": {group: {name: value}}}``, partition key = host, the
producer flushed after each round. The stream's own msg serde is used when one is configured, else the
MetricsSnapshot JSON serde. samza-py also sends one last round at stop, so a finished job's final
counts reach the stream (Samza's reporter stops without one).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from samza_py.api import SystemStream
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.system_config import SystemConfig
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.metrics.reporter import MetricsReporter, MetricsReporterFactory
from samza_py.serializers.manager import SerdeManager
from samza_py.serializers.metrics_snapshot import MetricsSnapshot, MetricsSnapshotSerde
from samza_py.serializers.serde import Serde
from samza_py.system.interfaces import SystemProducer

log = logging.getLogger(__name__)

SOURCE = "metrics-snapshot-reporter"
STOP_TIMEOUT_S = 30.0
JOB_VERSION = "0.0.1"  # Samza's header default when the job has no version of its own


def _samza_py_version() -> str:
    try:
        return package_version("samza-py")
    except PackageNotFoundError:
        return "unknown"


class MetricsSnapshotReporter(MetricsReporter):
    def __init__(
        self,
        name: str,
        header: dict[str, Any],
        stream: SystemStream,
        producer: SystemProducer,
        serde: Serde,
        interval_s: float,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.name = name
        self._header = dict(header)
        self._stream = stream
        self._producer = producer
        self._serde = serde
        self._interval_s = interval_s
        self._clock_ms = clock_ms
        self._registries: dict[str, MetricsRegistryMap] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reset_ms = clock_ms()
        self.rounds = 0

    def register(self, source: str, registry: MetricsRegistryMap) -> None:
        self._registries[source] = registry

    def start(self) -> None:
        self._producer.register(SOURCE)
        self._producer.start()
        self._reset_ms = self._clock_ms()
        self._thread = threading.Thread(target=self._run, name=f"metrics-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            self._report_logged()
        # The last round and the producer's stop happen here, so a broker that is away cannot hold up
        # the container's stop beyond the join timeout: a lost last snapshot is the price.
        self._report_logged()
        try:
            self._producer.stop()
        except Exception:
            log.exception("metrics reporter %r: stopping its producer failed", self.name)

    def _report_logged(self) -> None:
        try:
            self.report()
        except Exception:
            # One failed round (broker away) must not end reporting or the container; the next retries.
            log.exception("metrics reporter %r could not send to %s", self.name, self._stream)

    def snapshots(self) -> list[MetricsSnapshot]:
        now = self._clock_ms()
        out = []
        for source, registry in list(self._registries.items()):
            header = dict(self._header, source=source, time=now)
            header["reset-time"] = self._reset_ms
            out.append(MetricsSnapshot(header, registry.snapshot()))
        return out

    def report(self) -> None:
        host = self._header.get("host")
        for snapshot in self.snapshots():
            self._producer.send_serialized(SOURCE, self._stream, host, None, self._serde.to_bytes(snapshot))
        self._producer.flush(SOURCE)
        self.rounds += 1

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            if self._thread.is_alive():
                log.warning("metrics reporter %r did not send its last snapshot to %s within %.0f s; going on "
                            "without it", self.name, self._stream, timeout_s)
            self._thread = None


class MetricsSnapshotReporterFactory(MetricsReporterFactory):
    def get_metrics_reporter(self, name: str, container_name: str, config: Config) -> MetricsSnapshotReporter:
        metrics = MetricsConfig(config)
        stream = metrics.reporter_stream(name)
        if stream is None:
            raise ConfigException(f"metrics.reporter.{name}.stream", "is required by the snapshot reporter")
        systems = SystemConfig(config)
        factory_class = systems.factory_class(stream.system)
        # The reporter's own sends are not the job's: its producer counts into a registry of its own.
        producer = resolve_class(factory_class)().get_producer(
            stream.system, config, MetricsRegistryMap(f"{SOURCE}-{name}")
        )
        serde = SerdeManager(config).serdes(stream)[1] or MetricsSnapshotSerde()
        header = {
            "job-name": JobConfig(config).name,
            "job-id": JobConfig(config).id,
            "container-name": container_name,
            "exec-env-container-id": os.environ.get("CONTAINER_ID", os.environ.get("SKEIN_CONTAINER_ID", "")),
            "samza-epoch-id": os.environ.get("SKEIN_APPLICATION_ID", ""),
            "version": config.get_str("app.version", JOB_VERSION),
            "samza-version": _samza_py_version(),
            "host": os.environ.get("NM_HOST") or socket.gethostname(),
        }
        return MetricsSnapshotReporter(name, header, stream, producer, serde, metrics.reporter_interval_s(name))
