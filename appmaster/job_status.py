"""The job's live status for the AM's page, its JSON API and ``run-job --operation status``.

The AM knows the job model and each processor's container, host, restarts and last exit status; lag,
throughput and restore progress come from each container's Prometheus endpoint (the ``jmx`` reporter),
read every few seconds in a thread of its own so a slow container never holds up the AM's loop.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client.parser import text_string_to_metric_families

from samza_py.config.config import Config
from samza_py.config.storage_config import StorageConfig
from samza_py.job.model import STANDBY, JobModel
from samza_py.job.standby import is_standby
from samza_py.metrics.prometheus_reporter import prometheus_name

if TYPE_CHECKING:
    from samza_py.application.graph_view import OperatorNode

    from .status_history import HistoryPoint

log = logging.getLogger("samza_py.appmaster.status")

SCRAPE_EVERY_S = 2.0
SCRAPE_TIMEOUT_S = 2.0

Samples = dict[tuple[str, str], float]  # (Prometheus sample name, source) → value


def fetch_samples(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT_S) as response:
        text = response.read().decode("utf-8")
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, sample.labels.get("source", ""))] = sample.value
    return samples


@dataclass(frozen=True)
class Scrape:
    """One scrape of a container's endpoint, with the one before it (same URL) for rates."""

    url: str
    at: float
    samples: Samples
    previous_at: float | None = None
    previous_samples: Samples | None = None

    def value(self, name: str, source: str) -> float | None:
        return self.samples.get((name, source))

    def rate(self, name: str, source: str) -> float | None:
        """Per second since the previous scrape of the same endpoint."""
        if self.previous_samples is None or self.previous_at is None or self.at <= self.previous_at:
            return None
        now, before = self.value(name, source), self.previous_samples.get((name, source))
        if now is None or before is None:
            return None
        return max(0.0, (now - before) / (self.at - self.previous_at))


class MetricsScraper:
    """Scrapes each processor's metrics URL every ``interval_s``; keeps the newest two scrapes of each."""

    def __init__(self, interval_s: float = SCRAPE_EVERY_S, fetch: Callable[[str], Samples] = fetch_samples,
                 clock: Callable[[], float] = time.monotonic,
                 on_scrape: Callable[[Mapping[str, Scrape]], object] | None = None) -> None:
        self.interval_s = interval_s
        self._fetch = fetch
        self._clock = clock
        self._on_scrape = on_scrape  # after each round, with every processor's newest scrape
        self.targets: dict[str, str] = {}  # processor id → URL; replaced whole by the AM's thread
        self.scrapes: dict[str, Scrape] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="samza-metrics-scraper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_s):
            self.scrape_once()

    def scrape_once(self) -> None:
        targets = dict(self.targets)
        for pid in [p for p in self.scrapes if p not in targets]:
            del self.scrapes[pid]  # a container gone or replaced: its last numbers are no longer anyone's
        for pid, url in targets.items():
            try:
                samples = self._fetch(url)
            except Exception as exc:
                # A container starting or gone: its numbers are unknown until the next good scrape.
                log.debug("cannot read metrics of processor %s at %s: %s", pid, url, exc)
                self.scrapes.pop(pid, None)
                continue
            previous = self.scrapes.get(pid)
            if previous is not None and previous.url == url:  # another URL: a new container, counters anew
                self.scrapes[pid] = Scrape(url, self._clock(), samples, previous.at, previous.samples)
            else:
                self.scrapes[pid] = Scrape(url, self._clock(), samples)
        if self._on_scrape is not None:
            self._on_scrape({pid: s for pid, s in self.scrapes.items() if pid in self.targets})


@dataclass
class ProcessorState:
    """What the AM's loop knows of one processor (its thread writes, status requests only read)."""

    container: str | None = None
    state: str = "REQUESTED"
    host: str | None = None
    last_host: str | None = None  # where the processor ran before this container
    preferred_host: str | None = None  # the host this container was asked on (host affinity), if any
    restarts: int = 0
    last_exit_status: str | None = None
    metrics_url: str | None = None


@dataclass
class JobState:
    name: str
    id: str
    app_id: str | None
    state: str = "RUNNING"
    message: str | None = None
    processors: dict[str, ProcessorState] = field(default_factory=dict)


def build_status(job: JobState, model: JobModel | None, config: Config, scrapes: Mapping[str, Scrape],
                 now_ms: int | None = None, operators: Sequence[OperatorNode] = (),
                 history: Sequence[HistoryPoint] = (), standby: Any = None) -> dict[str, Any]:
    """The status dict the page, its API and ``run-job --operation status`` show (``standby``: the AM's
    StandbyManager when the job has standbys)."""
    stores = StorageConfig(config).store_names()
    containers = []
    # The current model's processors (an earlier model's, after a repartition, are gone).
    pids = sorted(model.containers if model else job.processors, key=lambda p: (len(p), p))
    for pid in pids:
        proc = job.processors.get(pid, ProcessorState())
        scrape = scrapes.get(pid)
        source = f"samza-container-{pid}"
        tasks = []
        container_model = model.containers.get(pid) if model else None
        for name, task in sorted(container_model.tasks.items()) if container_model else ():
            if task.mode == STANDBY:
                tasks.append(_standby_task_status(name, stores, scrape))
            else:
                tasks.append(_task_status(name, task.system_stream_partitions, stores, scrape, source))
        envelopes = scrape.value(prometheus_name("process-envelopes") + "_total", source) if scrape else None
        containers.append({
            "id": pid,
            "yarn_container": proc.container,
            "host": proc.host,
            "last_host": proc.last_host,
            "preferred_host": proc.preferred_host,
            "state": proc.state,
            "restarts": proc.restarts,
            "last_exit_status": proc.last_exit_status,
            "metrics_url": proc.metrics_url,
            "process_envelopes": None if envelopes is None else int(envelopes),
            "throughput": scrape.rate(prometheus_name("process-envelopes") + "_total", source) if scrape else None,
            "mode": "standby" if container_model is not None and is_standby(container_model) else "active",
            "tasks": tasks,
        })
    return {
        "job": {"name": job.name, "id": job.id, "app_id": job.app_id, "state": job.state,
                "updated_ms": now_ms if now_ms is not None else int(time.time() * 1000), "message": job.message},
        "containers": containers,
        **({"failovers_to_standby": standby.failovers_to_standby,
            "failovers_to_any_host": standby.failovers_to_any_host} if standby is not None else {}),
        "operators": _operator_status(operators, scrapes),
        "history": [point.to_json() for point in history],
    }


def _operator_status(operators: Sequence[OperatorNode], scrapes: Mapping[str, Scrape]) -> list[dict[str, Any]]:
    """Each operator with the messages it took in every task scraped (None before any scrape has it)."""
    wanted = {prometheus_name(f"{node.op_id}-messages") + "_total": node.op_id for node in operators}
    counts: dict[str, float] = {}
    for scrape in scrapes.values():
        for (name, source), value in scrape.samples.items():
            op_id = wanted.get(name)
            if op_id is not None and source.startswith("TaskName-"):
                counts[op_id] = counts.get(op_id, 0.0) + value
    result = []
    for node in operators:
        entry = node.to_json()
        entry["messages"] = int(counts[node.op_id]) if node.op_id in counts else None
        result.append(entry)
    return result


def _standby_task_status(name: str, stores: list[str], scrape: Scrape | None) -> dict:
    """A standby task: how far each store's copy is behind its changelog (None before a scrape has it)."""
    source = f"TaskName-{name}"
    lags: dict[str, float] = {}
    for store in stores:
        lag = scrape.value(prometheus_name(f"{store}-standby-lag"), source) if scrape else None
        if lag is not None and lag >= 0:  # -1 until the copy has read its changelog's end once
            lags[store] = lag
    return {"name": name, "mode": "standby", "partitions": [], "lag": int(sum(lags.values())) if lags else None,
            "standby_lag": {store: int(lag) for store, lag in lags.items()}, "processed": None, "throughput": None,
            "restore": {}}


def _task_status(name: str, ssps: Any, stores: list[str], scrape: Scrape | None, container_source: str) -> dict:
    source = f"TaskName-{name}"
    partitions = sorted(f"{s.system}.{s.stream}.{s.partition_id}" for s in ssps)
    lag = processed = throughput = None
    restore: dict[str, Any] = {}
    if scrape is not None:
        behind = [scrape.value(prometheus_name(f"{s.system}-{s.stream}-{s.partition_id}"
                                               "-messages-behind-high-watermark"), container_source) for s in ssps]
        lag = None if not behind or any(b is None for b in behind) else int(sum(b for b in behind if b is not None))
        processed_name = prometheus_name("messages-actually-processed") + "_total"
        value = scrape.value(processed_name, source)
        processed = None if value is None else int(value)
        throughput = scrape.rate(processed_name, source)
        for store in stores:
            done = scrape.value(prometheus_name(f"{store}-restore-done"), source)
            if done is None:
                continue
            restored = scrape.value(prometheus_name(f"{store}-restored-messages") + "_total", source)
            total = scrape.value(prometheus_name(f"{store}-restore-total"), source)
            restore[store] = {"restored": int(restored or 0), "total": None if total is None else int(total),
                              "done": bool(done)}
    return {"name": name, "mode": "active", "partitions": partitions, "lag": lag, "processed": processed,
            "throughput": throughput, "restore": restore}
