"""Benchmarks for stateful tasks (numbers are ratios and rates; nothing here asserts a time).

1. Throughput: a per-key count in a RocksDB store with a Kafka changelog vs a stateless pass-through,
   both one container in this process over the same N messages of 100 bytes (100,000 distinct keys).
2. Restore: a changelog partition holding ~1 GB (1 KB values under distinct keys) restored into an
   empty RocksDB store; prints MB/s.

    python bench/stateful.py [--messages 1000000] [--restore-mb 1024] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from common import DEFAULT_BOOTSTRAP, PASS_THROUGH_TASK, PassThroughTask, job_config, run_container
from common import produce as produce_values

from samza_py.api import (
    IncomingMessageEnvelope,
    InitableTask,
    MessageCollector,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)
from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import TaskStorageManager
from samza_py.system.kafka.factory import KafkaSystemFactory

KEYS = 100_000


class CountTask(StreamTask, InitableTask):
    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("counts")

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key = envelope.key
        self.store.put(key, (self.store.get(key) or 0) + 1)


def produce(bootstrap: str, topic: str, count: int, value_size: int) -> None:
    """Small values go under 100,000 repeating keys, large ones (a changelog) under distinct keys."""
    def key(i: int) -> bytes:
        return f"key-{i % KEYS if value_size <= 100 else i:08d}".encode()

    produce_values(bootstrap, topic, count, value_size, key=key)


def base_config(bootstrap: str, source: str, task: str) -> dict[str, str]:
    # Stores and checkpoints need a default system; one broker, so replication factor 1.
    return job_config(bootstrap, source, task, commit_ms=10000) | {
        "job.default.system": "kafka",
        "systems.kafka.default.stream.replication.factor": "1",
    }


def throughput(bootstrap: str, messages: int, state_dir: Path) -> None:
    run = uuid.uuid4().hex[:8]
    source = f"bench-{run}-in"
    print(f"producing {messages:,} messages of 100 bytes ({KEYS:,} keys) ...", flush=True)
    produce(bootstrap, source, messages, 100)
    PassThroughTask.output = SystemStream("kafka", f"bench-{run}-out")
    stateless_s = run_container(base_config(bootstrap, source, PASS_THROUGH_TASK))
    stateful = base_config(bootstrap, source, "__main__.CountTask")
    stateful.update({
        "job.logged.store.base.dir": str(state_dir),
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
        "systems.kafka.samza.key.serde": "string",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": f"kafka.bench-{run}-changelog",
    })
    stateful_s = run_container(stateful)
    print(f"stateless pass-through : {messages / stateless_s:12,.0f} msg/s ({stateless_s:.1f} s)")
    print(f"stateful count (RocksDB + changelog): {messages / stateful_s:12,.0f} msg/s ({stateful_s:.1f} s)")
    print(f"ratio stateful/stateless: {stateless_s / stateful_s:.2f}")


def restore(bootstrap: str, megabytes: int, state_dir: Path) -> None:
    run = uuid.uuid4().hex[:8]
    changelog = f"bench-{run}-changelog"
    records = megabytes * 1024  # 1 KB values
    print(f"producing a {megabytes} MB changelog ({records:,} records of 1 KB) ...", flush=True)
    produce(bootstrap, changelog, records, 1024)
    config = Config({
        "job.name": "bench-restore",
        "job.logged.store.base.dir": str(state_dir),
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.producer.bootstrap.servers": bootstrap,
        "serializers.registry.bytes.class": "org.apache.samza.serializers.ByteSerdeFactory",
        "stores.big.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.big.key.serde": "bytes",
        "stores.big.msg.serde": "bytes",
        "stores.big.changelog": f"kafka.{changelog}",
    })
    factory = KafkaSystemFactory()
    producer = factory.get_producer("kafka", config, MetricsRegistryMap("bench"))
    producer.start()
    admin = factory.get_admin("kafka", config)
    storage = TaskStorageManager("Partition 0", 0, config, SerdeManager(config), {"kafka": producer},
                                 {"kafka": admin}, MetricsRegistryMap("bench"), 1)
    started = time.perf_counter()
    storage.open_and_restore({})
    elapsed = time.perf_counter() - started
    total_bytes = records * (1024 + 12)
    storage.close()
    producer.stop()
    print(f"restore: {records:,} records, {total_bytes / 1e6:,.0f} MB in {elapsed:.1f} s = "
          f"{total_bytes / 1e6 / elapsed:,.0f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--restore-mb", type=int, default=1024)
    parser.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    args = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="samza-py-bench-"))
    try:
        if args.messages:
            throughput(args.bootstrap, args.messages, state_dir / "throughput")
        if args.restore_mb:
            restore(args.bootstrap, args.restore_mb, state_dir / "restore")
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
