"""The baselines: the same work as a job, written directly against the client libraries, with the job's settings.

* ``raw_loop``: confluent-kafka consume → produce, as the pass-through job (bench/passthrough.py, stateful.py,
  and in processes of its own for bench/scaling.py: ``python bench/raw_loops.py SETTINGS.json SOURCE SINK
  PARTITIONS MESSAGES`` runs one over the listed partitions, e.g. ``0,1``).
* ``raw_count_loop``: a per-key count in RocksDB (rocksdict) with each write also sent to a changelog, as the
  count task over a RocksDB store with a changelog (bench/stateful.py).

Each gets the Kafka client settings the job's own KafkaSystemFactory builds from the job's config, and the
count its RocksDB opened by the job's own store factory, so both sides fetch, batch and store alike whatever
samza-py's defaults are.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import rocksdict
from common import BenchmarkError
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition
from report import Measurement, measure_in_process

from samza_py.config.config import Config
from samza_py.config.storage_config import StorageConfig
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.storage.rocksdb import RocksDbKeyValueStorageEngineFactory
from samza_py.system.kafka import client_config
from samza_py.system.kafka.factory import KafkaSystemFactory

SYSTEM = "kafka"


def client_settings(settings: dict[str, str]) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """What the job's KafkaSystemFactory gives its consumer (settings, poll batch) and producer for ``settings``."""
    config = Config(settings)
    consumer = client_config.consumer_settings(
        config, SYSTEM, client_config.client_id(config, "raw-consumer"), client_config.job_ident(config))
    batch = config.get_int(f"systems.{SYSTEM}.samza.poll.batch.size", 1000)  # KafkaSystemFactory's default
    producer = KafkaSystemFactory().get_producer(SYSTEM, config, MetricsRegistryMap("raw")).settings
    return consumer, batch, producer


def printable(settings: dict[str, Any]) -> dict[str, str]:
    """Settings as recorded with the results: no callbacks, no per-run names."""
    return {k: str(v) for k, v in sorted(settings.items())
            if not callable(v) and k not in ("client.id", "group.id", "bootstrap.servers")}


class RawClients:
    """A consumer of ``source``'s partitions from their start and a producer, as the job's factory would
    configure them."""

    def __init__(self, label: str, settings: dict[str, str], source: str, partitions: Sequence[int]) -> None:
        consumer_settings, self.batch, producer_settings = client_settings(settings)
        self.label, self.source = label, source
        self.failures: list[KafkaError] = []
        # With the job's delivery.report.only.error: called for failures only.
        producer_settings["on_delivery"] = self._on_delivery
        self.consumer = Consumer(consumer_settings)
        self.consumer.assign([TopicPartition(source, p, OFFSET_BEGINNING) for p in partitions])
        self.producer = Producer(producer_settings)

    def _on_delivery(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            self.failures.append(err)

    def poll(self, deadline: float, seen: int, messages: int) -> list[Message]:
        if time.monotonic() > deadline:
            raise BenchmarkError(f"{self.label}: {seen:,} of {messages:,} messages read by the deadline")
        polled = self.consumer.consume(self.batch, 1.0)
        for msg in polled:
            if msg.error() is not None:
                raise BenchmarkError(f"{self.label}: reading {self.source}: {msg.error()}")
        return polled

    def send(self, topic: str, value: bytes | None, key: bytes | None) -> None:
        try:
            self.producer.produce(topic, value, key)
        except BufferError:  # the local queue is full: let deliveries drain, then retry once
            self.producer.poll(0.5)
            self.producer.produce(topic, value, key)

    def close(self) -> None:
        left = self.producer.flush(120)
        self.consumer.close()
        if left or self.failures:
            raise BenchmarkError(f"{self.label}: {left} sends undelivered, {len(self.failures)} failed "
                                 f"({self.failures[:1]})")


def raw_loop(label: str, settings: dict[str, str], source: str, sink: str, partitions: int | Sequence[int],
             messages: int, timeout_s: float) -> Measurement:
    """Consume ``source`` from its start (all of its ``partitions``, or those listed) and produce each message to
    ``sink`` until ``messages`` are through."""
    deadline = time.monotonic() + timeout_s
    with measure_in_process() as watch:
        clients = RawClients(label, settings, source, range(partitions) if isinstance(partitions, int) else partitions)
        send, produce, poll = clients.send, clients.producer.produce, clients.producer.poll
        seen = 0
        while seen < messages:
            polled = clients.poll(deadline, seen, messages)
            for msg in polled:
                try:
                    produce(sink, msg.value(), msg.key())
                except BufferError:
                    send(sink, msg.value(), msg.key())
            seen += len(polled)
            poll(0)
        clients.close()
    return watch.measurement(label, messages)


def raw_count_loop(label: str, settings: dict[str, str], store: str, source: str, changelog: str, messages: int,
                   store_dir: Path, timeout_s: float, probe: list[bytes]) -> tuple[Measurement, dict[bytes, int]]:
    """Count each key of ``source`` (one partition) in RocksDB: read the key's count (from the pending batch or
    the store), add one, and once ``write.batch.size`` keys are pending write them in one RocksDB batch and
    send each to ``changelog`` (key as read, count as 4 bytes). The store is opened as the job's factory opens
    the job's ``store`` (its RocksDB settings). Returns the run and the final counts of the ``probe`` keys that
    were seen."""
    storage = StorageConfig(Config(settings))
    batch_size = storage.write_batch_size(store)
    raw = RocksDbKeyValueStorageEngineFactory().create_raw_store(store, store_dir, storage, 1)
    db: rocksdict.Rdict = raw._live()  # the job's options, WAL off as the job's
    deadline = time.monotonic() + timeout_s
    with measure_in_process() as watch:
        clients = RawClients(label, settings, source, [0])
        send, produce, poll, get = clients.send, clients.producer.produce, clients.producer.poll, db.get
        pending: dict[bytes, bytes] = {}
        seen = 0
        while seen < messages:
            polled = clients.poll(deadline, seen, messages)
            for msg in polled:
                key: bytes = msg.key()  # type: ignore[assignment]  # every input message is keyed
                count = pending.get(key)
                if count is None:
                    count = get(key)
                pending[key] = ((int.from_bytes(count, "big") if count is not None else 0) + 1).to_bytes(4, "big")
                if len(pending) >= batch_size:
                    write = rocksdict.WriteBatch(raw_mode=True)
                    for key, count in pending.items():
                        write.put(key, count)
                        try:
                            produce(changelog, count, key)
                        except BufferError:
                            send(changelog, count, key)
                    db.write(write)
                    pending.clear()
            seen += len(polled)
            poll(0)
        write = rocksdict.WriteBatch(raw_mode=True)
        for key, count in pending.items():
            write.put(key, count)
            send(changelog, count, key)
        db.write(write)
        clients.close()
    try:
        return watch.measurement(label, messages), {
            key: int.from_bytes(count, "big") for key in probe if (count := db.get(key)) is not None}
    finally:
        raw.close()


if __name__ == "__main__":
    settings_path, source, sink, listed, messages = sys.argv[1:]
    partitions = [int(p) for p in listed.split(",")]
    loop = raw_loop(f"raw loop of {source} {listed}", json.loads(Path(settings_path).read_text()), source, sink,
                    partitions, int(messages), 900)
    print(f"{loop.label}: {loop.msg_per_s:,.0f} msg/s", flush=True)
