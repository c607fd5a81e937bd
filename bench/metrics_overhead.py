"""Benchmark: what metrics reporters cost a pass-through job's throughput (ratios, never timed assertions).

One topic of N 100-byte messages is passed through by one container in this process (as in
passthrough.py), in three variants, interleaved and repeated (the order rotates every round):

* off       -- no ``metrics.reporters`` (the registries are kept either way: only reporting is measured);
* on        -- hello-samza's ``snapshot,jmx`` reporters, the snapshot reporter sending every second to a
               metrics topic of its own for the run, the Prometheus endpoint (JmxReporterFactory) up;
* on+scrape -- as ``on``, with a thread GETting the Prometheus endpoint every second (its URL read from
               ``SamzaContainer.reporters.urls``); the scraping client's cost is in the process too.

Each round divides what ``on`` and ``on+scrape`` measured by what ``off`` measured in the same round; the
medians of those ratios over the rounds are the result (target: a cost of at most 5 %). Measured per run:

* job rate  -- messages / the whole ``SamzaContainer.run()`` (start, loop, stop: what a bounded job takes);
* loop rate -- messages / the time from the task's ``init`` to its end of stream (processing only); the
               difference of the two times (``start+stop s``) shows what the reporters add once per run.

Every reporting run is checked (a failed check raises): its metrics topic must hold snapshots of the
container, and the last one's ``process-calls`` must equal the number of messages and its
``process-envelopes`` that plus the one end-of-stream envelope each input partition delivers.

    python bench/metrics_overhead.py [--messages 1000000] [--rounds 5] [--quick] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from common import (
    DEFAULT_BOOTSTRAP,
    PassThroughTask,
    create_topic,
    job_config,
    make_container,
    produce,
    timed_run,
)
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from samza_py.api import (
    EndOfStreamListenerTask,
    InitableTask,
    MessageCollector,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)
from samza_py.container.samza_container import CONTAINER_GROUP, SamzaContainer
from samza_py.serializers.metrics_snapshot import MetricsSnapshot, MetricsSnapshotSerde

PARTITIONS = 1
VARIANTS = ("off", "on", "on+scrape")
SCRAPE_EVERY_S = 1.0
FULL_MESSAGES, FULL_ROUNDS = 1_000_000, 5
QUICK_MESSAGES, QUICK_ROUNDS = 100_000, 1


class TimedPassThroughTask(PassThroughTask, InitableTask, EndOfStreamListenerTask):
    """The pass-through task, noting when it is initialised (just before the loop) and when its input ends."""

    marks: ClassVar[dict[str, float]] = {}

    def init(self, context: TaskContext) -> None:
        TimedPassThroughTask.marks["init"] = time.perf_counter()

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        TimedPassThroughTask.marks["end"] = time.perf_counter()


TASK_CLASS = f"{TimedPassThroughTask.__module__}.{TimedPassThroughTask.__qualname__}"


@dataclass
class Run:
    round: int
    variant: str
    messages: int
    seconds: float  # the whole container run
    loop_s: float  # task init to end of stream
    snapshots: int = 0
    scrapes: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def loop_rate(self) -> float:
        return self.messages / self.loop_s


# What the summary compares: name and measure (a rate: variant / off below 1 is the reporters' cost).
MEASURES: tuple[tuple[str, Callable[[Run], float]], ...] = (
    ("job rate", lambda r: r.rate),
    ("loop rate", lambda r: r.loop_rate),
)


class Scraper(threading.Thread):
    """GETs the container's Prometheus endpoint every ``interval_s`` once the container has one."""

    def __init__(self, container: SamzaContainer, interval_s: float = SCRAPE_EVERY_S) -> None:
        super().__init__(name="bench-scraper", daemon=True)
        self._container = container
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self.scrapes = 0  # GETs answered 200
        self.failures = 0

    def _url(self) -> str | None:
        while not self._stopping.is_set():
            reporters = self._container.reporters
            urls = reporters.urls if reporters is not None else []
            if urls:
                return urls[0]
            self._stopping.wait(0.01)
        return None

    def run(self) -> None:
        url = self._url()
        while url is not None and not self._stopping.is_set():
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    response.read()
                    if response.status == 200:
                        self.scrapes += 1
            except OSError:
                self.failures += 1  # the endpoint closes as the container stops
            self._stopping.wait(self._interval_s)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=30)


def reporter_config(metrics_topic: str) -> dict[str, str]:
    """hello-samza's metrics settings with a 1 s snapshot interval (aggressive, so the cost shows)."""
    return {
        "metrics.reporters": "snapshot,jmx",
        "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        "metrics.reporter.snapshot.stream": f"kafka.{metrics_topic}",
        "metrics.reporter.snapshot.interval": "1",
        "metrics.reporter.jmx.class": "org.apache.samza.metrics.reporter.JmxReporterFactory",
        "serializers.registry.metrics.class": "org.apache.samza.serializers.MetricsSnapshotSerdeFactory",
        f"systems.kafka.streams.{metrics_topic}.samza.msg.serde": "metrics",
    }


def read_snapshots(bootstrap: str, topic: str, source: str) -> list[MetricsSnapshot]:
    """The snapshots of ``source`` on the one-partition ``topic``, in the order they were sent."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        serde = MetricsSnapshotSerde()
        out: list[MetricsSnapshot] = []
        read_to = 0
        while read_to < high:
            # consume() waits for all it asks for: ask for no more than the topic holds
            batch = consumer.consume(num_messages=min(1000, high - read_to), timeout=10.0)
            if not batch:
                raise RuntimeError(f"{topic}: read to offset {read_to} of {high}, then nothing")
            for msg in batch:
                if msg.error() is not None:
                    continue
                read_to = msg.offset() + 1  # type: ignore[operator]
                value = msg.value()
                if value is None:  # the reporter never writes tombstones
                    raise RuntimeError(f"{topic}: offset {read_to - 1} holds no snapshot")
                snapshot = serde.from_bytes(value)
                if snapshot.header.get("source") == source:
                    out.append(snapshot)
        return out
    finally:
        consumer.close()


def check_snapshots(bootstrap: str, topic: str, container: SamzaContainer, messages: int) -> int:
    """Raise unless the run's metrics topic holds snapshots whose last one counted every message."""
    snapshots = read_snapshots(bootstrap, topic, container.name)
    if not snapshots:
        raise RuntimeError(f"no snapshot of {container.name} on {topic}: the snapshot reporter sent nothing")
    container_metrics = snapshots[-1].metrics.get(CONTAINER_GROUP, {})
    expected = {"process-envelopes": messages + PARTITIONS, "process-calls": messages}
    for name, count in expected.items():
        if container_metrics.get(name) != count:
            raise RuntimeError(f"the last snapshot on {topic} has {name}={container_metrics.get(name)}, "
                               f"expected {count} ({messages:,} messages, {PARTITIONS} end-of-stream)")
    return len(snapshots)


def metrics_topic_of(run_id: str, round_no: int, variant: str) -> str:
    return f"bench-{run_id}-metrics-r{round_no}-{variant.replace('+', '-')}"


def run_variant(bootstrap: str, source: str, run_id: str, round_no: int, variant: str, messages: int) -> Run:
    settings = job_config(bootstrap, source, TASK_CLASS)
    metrics_topic = metrics_topic_of(run_id, round_no, variant)
    if variant != "off":
        create_topic(bootstrap, metrics_topic)
        settings.update(reporter_config(metrics_topic))
    container = make_container(settings)
    scraper = Scraper(container) if variant == "on+scrape" else None
    if scraper is not None:
        scraper.start()
    TimedPassThroughTask.marks.clear()
    try:
        seconds = timed_run(container)
    finally:
        if scraper is not None:
            scraper.stop()
    marks = TimedPassThroughTask.marks
    run = Run(round_no, variant, messages, seconds, marks["end"] - marks["init"])
    if variant != "off":
        run.snapshots = check_snapshots(bootstrap, metrics_topic, container, messages)
    if scraper is not None:
        if scraper.scrapes == 0:
            raise RuntimeError(f"the scraper got no metrics from the Prometheus endpoint ({scraper.failures} failed)")
        run.scrapes = scraper.scrapes
    return run


def report(runs: list[Run], rounds: int) -> None:
    print()
    print(f"{'round':>5}  {'variant':<10} {'seconds':>8} {'job msg/s':>10} {'loop s':>7} {'loop msg/s':>10} "
          f"{'start+stop s':>12} {'snapshots':>9} {'scrapes':>7}")
    for r in runs:
        print(f"{r.round:>5}  {r.variant:<10} {r.seconds:>8.2f} {r.rate:>10,.0f} {r.loop_s:>7.2f} "
              f"{r.loop_rate:>10,.0f} {r.seconds - r.loop_s:>12.2f} {r.snapshots:>9} {r.scrapes:>7}")
    by = {(r.round, r.variant): r for r in runs}
    print()
    cells = "".join(f"{f'round {n}':>9}" for n in range(1, rounds + 1))
    print(f"{'ratio (variant / off)':<28}{cells}   median    cost")
    for measure, value in MEASURES:
        for variant in VARIANTS[1:]:
            ratios = [value(by[(n, variant)]) / value(by[(n, "off")]) for n in range(1, rounds + 1)]
            median = statistics.median(ratios)
            cost = 1 - median
            verdict = "ok" if cost <= 0.05 else "OVER the 5 % target"
            cells = "".join(f"{ratio:>9.3f}" for ratio in ratios)
            print(f"{f'{measure}, {variant}':<28}{cells}   {median:6.3f} {cost * 100:6.1f} %  {verdict}")


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for topic, future in admin.delete_topics(topics, operation_timeout=30).items():
        try:
            future.result(60)
        except Exception as exc:  # a leftover topic is no reason to lose the results printed above
            print(f"could not delete {topic}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, help=f"messages of 100 bytes (default {FULL_MESSAGES:,})")
    parser.add_argument("--rounds", type=int, help=f"rounds of off/on/on+scrape (default {FULL_ROUNDS})")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run ({QUICK_MESSAGES:,} messages, {QUICK_ROUNDS} round, unless given): checks "
                        "the wiring; its runs are too short for the ratios to mean much")
    parser.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    parser.add_argument("--keep-topics", action="store_true", help="leave the run's topics on the broker")
    args = parser.parse_args()
    messages = args.messages or (QUICK_MESSAGES if args.quick else FULL_MESSAGES)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)

    # Import the reporters now, so the first reporting run does not pay for it.
    importlib.import_module("samza_py.metrics.snapshot_reporter")
    importlib.import_module("samza_py.metrics.prometheus_reporter")

    run_id = uuid.uuid4().hex[:8]
    source, sink = f"bench-{run_id}-in", f"bench-{run_id}-out"
    PassThroughTask.output = SystemStream("kafka", sink)
    topics = [source, sink]
    try:
        print(f"producing {messages:,} messages of 100 bytes to {source} ...", flush=True)
        produce(args.bootstrap, source, messages, 100, PARTITIONS)
        runs: list[Run] = []
        for round_no in range(1, rounds + 1):
            shift = (round_no - 1) % len(VARIANTS)
            for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                if variant != "off":
                    topics.append(metrics_topic_of(run_id, round_no, variant))
                run = run_variant(args.bootstrap, source, run_id, round_no, variant, messages)
                print(f"round {round_no} {variant:<10} {run.rate:10,.0f} msg/s ({run.seconds:.1f} s), loop "
                      f"{run.loop_rate:10,.0f} msg/s", flush=True)
                runs.append(run)
        runs.sort(key=lambda r: (r.round, VARIANTS.index(r.variant)))
        report(runs, rounds)
    finally:
        if not args.keep_topics:
            delete_topics(args.bootstrap, topics)


if __name__ == "__main__":
    main()
