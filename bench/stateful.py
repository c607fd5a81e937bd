"""Benchmarks for stateful tasks (numbers are ratios and rates; nothing here asserts a time).

1. Throughput: a per-key count in a RocksDB store with a Kafka changelog vs a stateless pass-through, both one
   container in this process over the same N messages of 100 bytes (100,000 keys); ratio count/pass-through.
   Beside them, the same two written directly against the libraries with the job's settings (bench/raw_loops.py):
   the raw consume→produce loop, and a raw count loop (rocksdict, the job's RocksDB options, batches of
   write.batch.size sent to a changelog). Their ratio is what the libraries themselves give a count against a
   pass-through; count/raw count loop is how near the job's store stack comes to it.
   With ``--rounds`` the four take turns, and each one's median run counts (the restores too, alternating
   which goes first).
   Checked: the pass-through outputs hold N messages; the count task and loop processed N and their stores
   hold the expected counts.
2. Restore: 4 tasks of one container, each with a store whose changelog partition holds ``--restore-mb`` MB
   (1 KB values under distinct keys), restored by SamzaContainer at start into empty store directories:
   once with the default restore thread pool (parallel) and once with
   ``job.container.restore.thread.pool.max.size=1`` (one store after another). The changelog is filled once.
   Timed: from ``SamzaContainer.run()`` to the first task's ``init`` (Samza restores every store before any
   task is initialised). Checked: each task's store holds every record of its changelog partition. The
   sequential run's MB/s is one store's restore rate; ratio parallel/sequential.

Results: bench/results/stateful.json and stateful_restore.json (and .png).

    python bench/stateful.py [--messages 1000000] [--rounds 1] [--restore-mb 256] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from common import (
    PASS_THROUGH_TASK,
    BenchmarkError,
    PassThroughTask,
    add_arguments,
    create_topic,
    job_config,
    make_container,
    measure_container,
    run_id,
    take_turns,
    verify_count,
)
from common import produce as produce_values
from raw_loops import raw_count_loop, raw_loop
from report import Measurement, publish

from samza_py.api import (
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    MessageCollector,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)

KEYS = 100_000
RESTORE_TASKS = 4
TIMEOUT_S = 900
VALUE_BYTES = 1024


def count_key(i: int) -> bytes:
    return f"key-{i % KEYS:08d}".encode()


def changelog_key(i: int) -> bytes:
    return f"key-{i:010d}".encode()


class CountTask(StreamTask, InitableTask, EndOfStreamListenerTask):
    """Counts messages per key in the ``counts`` store; notes what it processed and two keys' final counts."""

    processed = 0  # all tasks' messages, summed at the end of the stream
    final: ClassVar[dict[str, int | None]] = {}

    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("counts")
        # Counted on the task: a class attribute written for every message would cost the benchmark's own
        # bookkeeping a quarter of a microsecond a message (every write invalidates the class's lookup caches).
        self.seen = 0

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key = envelope.key
        self.store.put(key, (self.store.get(key) or 0) + 1)
        self.seen += 1

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        CountTask.processed += self.seen
        for i in (0, KEYS - 1):
            key = count_key(i).decode()
            CountTask.final[key] = self.store.get(key)


class RestoreMarkTask(StreamTask, InitableTask):
    """Notes when the first task is initialised (every store restored by then) and each task's record count."""

    first_init: ClassVar[tuple[float, float] | None] = None
    records: ClassVar[dict[str, int]] = {}

    def init(self, context: TaskContext) -> None:
        if RestoreMarkTask.first_init is None:
            RestoreMarkTask.first_init = (time.perf_counter(), time.process_time())
        with context.get_store("big").all() as entries:
            RestoreMarkTask.records[context.task_name] = sum(1 for _ in entries)

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        pass  # the input is empty: only the restore is measured


def base_config(bootstrap: str, source: str, task: str) -> dict[str, str]:
    # Stores need a default system; one broker, so replication factor 1.
    return job_config(bootstrap, source, task, commit_ms=10000) | {
        "job.default.system": "kafka",
        "systems.kafka.default.stream.replication.factor": "1",
    }


def throughput(bootstrap: str, messages: int, rounds: int, state_dir: Path) -> None:
    run = run_id()
    source = f"bench-{run}-in"
    print(f"producing {messages:,} messages of 100 bytes ({KEYS:,} keys) ...", flush=True)
    produce_values(bootstrap, source, messages, 100, key=count_key)

    def pass_through(round_no: int) -> Measurement:
        sink = f"bench-{run}-out-{round_no}"
        PassThroughTask.output = SystemStream("kafka", sink)
        measured = measure_container("pass-through", base_config(bootstrap, source, PASS_THROUGH_TASK), messages)
        verify_count(bootstrap, sink, messages, "pass-through")
        return measured

    def count(round_no: int) -> Measurement:
        return count_run(bootstrap, source, messages, f"bench-{run}-changelog-{round_no}",
                         state_dir / f"round-{round_no}")

    def raw_pass_through(round_no: int) -> Measurement:
        sink, label = f"bench-{run}-raw-out-{round_no}", "raw pass-through loop"
        create_topic(bootstrap, sink)
        measured = raw_loop(label, base_config(bootstrap, source, PASS_THROUGH_TASK), source, sink, 1, messages,
                            TIMEOUT_S)
        verify_count(bootstrap, sink, messages, label)
        return measured

    def raw_count(round_no: int) -> Measurement:
        changelog, label = f"bench-{run}-raw-changelog-{round_no}", "raw count loop (rocksdict + changelog)"
        create_topic(bootstrap, changelog)
        settings = count_config(bootstrap, source, changelog, state_dir / f"raw-round-{round_no}")
        seen = {count_key(i): len(range(i, messages, KEYS)) for i in (0, KEYS - 1)}  # a count of 0: never seen
        measured, counts = raw_count_loop(label, settings, "counts", source, changelog, messages,
                                          state_dir / f"raw-round-{round_no}", TIMEOUT_S, list(seen))
        expected = {key: n for key, n in seen.items() if n}
        if counts != expected:
            raise BenchmarkError(f"{label}: counts {counts}, expected {expected}")
        return measured

    medians = take_turns(rounds, [("pass-through", pass_through), ("count (RocksDB + changelog)", count),
                                  ("raw pass-through loop", raw_pass_through),
                                  ("raw count loop (rocksdict + changelog)", raw_count)])
    stateless, count_median, raw_stateless, raw_count_median = medians.values()
    for m in medians.values():
        m.peak_rss_mb = None  # this process's peak holds the input fill too: no one run's
    publish("stateful", list(medians.values()),
            {"count/pass-through": count_median.msg_per_s / stateless.msg_per_s,
             "count/raw count loop": count_median.msg_per_s / raw_count_median.msg_per_s,
             "raw count loop/raw pass-through loop": raw_count_median.msg_per_s / raw_stateless.msg_per_s},
            {"messages": messages, "value_bytes": 100, "keys": KEYS, "rounds": rounds})


def count_config(bootstrap: str, source: str, changelog: str, state_dir: Path) -> dict[str, str]:
    """The count job's config: a RocksDB store ``counts`` (string keys, integer counts) logged to ``changelog``."""
    return base_config(bootstrap, source, "__main__.CountTask") | {
        "job.logged.store.base.dir": str(state_dir),
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
        "systems.kafka.samza.key.serde": "string",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": f"kafka.{changelog}",
    }


def count_run(bootstrap: str, source: str, messages: int, changelog: str, state_dir: Path) -> Measurement:
    """The count task over ``source`` with a new store and changelog; checked against the known counts."""
    CountTask.processed = 0
    CountTask.final.clear()
    stateful = count_config(bootstrap, source, changelog, state_dir)
    count = measure_container("count (RocksDB + changelog)", stateful, messages)
    expected = {count_key(i).decode(): len(range(i, messages, KEYS)) or None for i in (0, KEYS - 1)}  # None: never seen
    if CountTask.processed != messages or CountTask.final != expected:
        raise BenchmarkError(f"count: processed {CountTask.processed:,} of {messages:,}; "
                             f"counts {CountTask.final}, expected {expected}")
    return count


def restore_run(label: str, settings: dict[str, str], per_task: int, total_mb: float) -> Measurement:
    """One container restoring every task's store into empty directories; timed to the first task's init."""
    RestoreMarkTask.first_init, RestoreMarkTask.records = None, {}
    container = make_container(settings)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    container.run()
    ended = time.perf_counter()
    if RestoreMarkTask.first_init is None:
        raise BenchmarkError(f"{label}: no task was initialised")
    init_wall, init_cpu = RestoreMarkTask.first_init
    wrong = {task: n for task, n in RestoreMarkTask.records.items() if n != per_task}
    if len(RestoreMarkTask.records) != RESTORE_TASKS or wrong:
        raise BenchmarkError(f"{label}: restored records per task {RestoreMarkTask.records}, expected "
                             f"{per_task:,} in each of {RESTORE_TASKS} tasks")
    wall = init_wall - started_wall
    return Measurement(label, per_task * RESTORE_TASKS, wall, init_cpu - started_cpu, None,
                       {"mb": round(total_mb, 1), "mb_per_s": round(total_mb / wall, 1),
                        "container_run_s": round(ended - started_wall, 2)})


def restore(bootstrap: str, megabytes: int, rounds: int, state_dir: Path) -> None:
    run = run_id()
    source, changelog = f"bench-{run}-empty", f"bench-{run}-changelog"
    per_task = megabytes * 1024  # 1 KB values
    records = per_task * RESTORE_TASKS
    total_mb = records * (VALUE_BYTES + len(changelog_key(0))) / 1e6
    print(f"producing a changelog of {RESTORE_TASKS} partitions x {megabytes} MB ({records:,} records of 1 KB) ...",
          flush=True)
    produce_values(bootstrap, changelog, records, VALUE_BYTES, RESTORE_TASKS, key=changelog_key,
                   distinct_values=True)
    create_topic(bootstrap, source, RESTORE_TASKS)  # empty and bounded: the job ends once restored
    store_dir = state_dir / "stores"

    def restore_with(label: str, extra: dict[str, str]) -> tuple[str, Callable[[int], Measurement]]:
        def one_run(round_no: int) -> Measurement:
            settings = base_config(bootstrap, source, "__main__.RestoreMarkTask") | extra | {
                "job.logged.store.base.dir": str(store_dir),
                "serializers.registry.bytes.class": "org.apache.samza.serializers.ByteSerdeFactory",
                "stores.big.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
                "stores.big.key.serde": "bytes",
                "stores.big.msg.serde": "bytes",
                "stores.big.changelog": f"kafka.{changelog}",
            }
            try:
                return restore_run(label, settings, per_task, total_mb)
            finally:
                shutil.rmtree(store_dir, ignore_errors=True)  # the next run restores into empty stores

        return label, one_run

    # Which goes first alternates (take_turns): the first run after the changelog's fill shares the machine with
    # the broker still writing it back.
    results = list(take_turns(rounds, [
        restore_with("restore parallel (defaults)", {}),
        restore_with("restore sequential (pool max 1)", {"job.container.restore.thread.pool.max.size": "1"}),
    ]).values())
    for m in results:
        print(f"{m.label}: {m.extra['mb']:,.0f} MB in {m.wall_s:.1f} s = {m.extra['mb_per_s']:,.0f} MB/s")
    parallel, sequential = results
    params: dict[str, Any] = {"tasks": RESTORE_TASKS, "mb_per_task": megabytes, "value_bytes": VALUE_BYTES,
                              "rounds": rounds}
    publish("stateful_restore", results, {"parallel/sequential": sequential.wall_s / parallel.wall_s}, params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, 1_000_000)
    parser.add_argument("--rounds", type=int, default=1,
                        help="the contenders (pass-through and count; parallel and sequential restore) take turns "
                        "this many times; each one's median run counts")
    parser.add_argument("--restore-mb", type=int, default=256,
                        help="MB of changelog per task, 4 tasks (default 256; 0 skips the restore)")
    args = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="samza-py-bench-"))
    try:
        if args.messages:
            throughput(args.bootstrap, args.messages, args.rounds, state_dir / "throughput")
        if args.restore_mb:
            restore(args.bootstrap, args.restore_mb, args.rounds, state_dir / "restore")
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
