"""Benchmark: the same 100-byte pass-through in samza-py, Quix Streams, Faust and a raw confluent-kafka loop.

Every contender reads the same pre-filled one-partition topic from its oldest offset in a fresh consumer
group, writes each message unchanged to its own output topic, and runs in its own process:
- samza-py: one container of the pass-through job (this script's ``--contender samza`` mode),
- Quix Streams and Faust (faust-streaming): their latest releases, in a virtualenv this script builds
  under build/bench-peers/ on first use (never in the project's dependencies); their apps are in
  bench/peer_apps/,
- raw: a confluent-kafka consume→produce loop (``--contender raw``), the reference.
All get samza-py's effective Kafka client settings (``client_config.consumer_settings`` and
``producer_settings`` of the job's config): the raw loop and Quix Streams as librdkafka settings, Faust
only those aiokafka has a counterpart for (recorded in the results).

Measured, per contender: from its first consumed message (it prints a marker with its wall clock and
CPU seconds) to the moment this process saw its output topic's end offset reach N (polled every 20 ms;
the child's CPU read from /proc then), so start-up and shutdown are left out; peak RSS over the child's
whole life. Each output topic must end at exactly N messages, or the run fails.

    python bench/peers.py [--messages 1000000] [--faust-messages 100000] [--skip faust]
                          [--consumer fetch.queue.backoff.ms=100] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import confluent_kafka
from common import DEFAULT_BOOTSTRAP, PassThroughTask, create_topic, job_config, produce, run_container
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from peer_apps import marker
from report import Measurement, PeakRssWatch, publish

from samza_py.api import IncomingMessageEnvelope, MessageCollector, SystemStream, TaskCoordinator
from samza_py.config.config import Config
from samza_py.system.kafka.client_config import consumer_settings, producer_settings

BENCH_DIR = Path(__file__).resolve().parent
PEER_APPS = BENCH_DIR / "peer_apps"
PEER_VENV = BENCH_DIR.parent / "build" / "bench-peers" / "venv"
PEER_PACKAGES = ("quixstreams", "faust-streaming")
PEER_VERSIONS = ("quixstreams", "faust-streaming", "aiokafka", "confluent-kafka")
CONTENDERS = ("raw", "samza", "quix", "faust")
LABELS = {"raw": "raw confluent-kafka loop", "samza": "samza-py", "quix": "Quix Streams", "faust": "Faust"}
FAUST_DEFAULT_MAX = 100_000  # Faust is ~50x slower: by default it passes through at most this many
POLL_S = 0.02
START_DEADLINE_S = 180.0  # to the first output: interpreter, framework and consumer-group start-up
STALL_DEADLINE_S = 120.0  # without one more output message once they flow
EXIT_GRACE_S = 60.0  # for a contender that stops itself after its last output, before it is terminated

# Each framework sets these itself (identity, offset handling, callbacks); all else samza-py gives
# librdkafka is shared.
_OWN_CONSUMER_KEYS = {"bootstrap.servers", "group.id", "client.id", "error_cb", "enable.auto.commit",
                      "enable.auto.offset.store", "enable.partition.eof", "auto.offset.reset"}
_OWN_PRODUCER_KEYS = {"bootstrap.servers", "client.id", "error_cb"}
# librdkafka's defaults of keys a peer changes on its own (Quix Streams: fetch.queue.backoff.ms=100): where
# samza-py leaves such a key at librdkafka's default, the peer is given that default too.
LIBRDKAFKA_DEFAULTS: dict[str, object] = {"fetch.queue.backoff.ms": 1000}
# librdkafka key -> Faust setting. Faust's client is aiokafka: librdkafka's prefetch queue (queued.*,
# fetch.queue.backoff.ms) has no counterpart, Faust fixes aiokafka's fetch_max_wait_ms at 1500 ms and does
# not expose fetch.min.bytes, fetch.max.bytes, or idempotence outside transactions.
_FAUST_SETTINGS: dict[str, tuple[str, Any]] = {
    "max.partition.fetch.bytes": ("consumer_max_fetch_size", int),
    "linger.ms": ("producer_linger", lambda ms: float(ms) / 1000),  # Faust's is in seconds
    "batch.size": ("producer_max_batch_size", int),
    "message.max.bytes": ("producer_max_request_size", int),
    "compression.type": ("producer_compression_type", str),
}


class ContenderFailed(Exception):
    def __init__(self, label: str, why: str, output: Sequence[str] = ()) -> None:
        tail = "\n".join(output)
        super().__init__(f"{label}: {why}" + (f"\n--- its last output lines ---\n{tail}" if tail else ""))


# ---------------------------------------------------------------- settings shared by every contender


def samza_config(bootstrap: str, source: str, overrides: Mapping[str, str]) -> dict[str, str]:
    """The pass-through job's config; ``overrides`` are Java-named ``systems.kafka.consumer.*`` settings."""
    config = job_config(bootstrap, source, f"{__name__}.{MarkedPassThroughTask.__qualname__}")
    config.update({f"systems.kafka.consumer.{key}": value for key, value in overrides.items()})
    return config


def shared_settings(config: Mapping[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    """samza-py's effective librdkafka consumer and producer settings, less what each framework sets itself."""
    parsed = Config(dict(config))
    consumer = {key: value for key, value in consumer_settings(parsed, "kafka", "bench", "bench").items()
                if key not in _OWN_CONSUMER_KEYS}
    producer = {key: value for key, value in producer_settings(parsed, "kafka", "bench").items()
                if key not in _OWN_PRODUCER_KEYS}
    return consumer, producer


def quix_settings(consumer: Mapping[str, object]) -> dict[str, object]:
    return {**LIBRDKAFKA_DEFAULTS, **consumer}


def faust_settings(consumer: Mapping[str, object],
                   producer: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Faust settings for the librdkafka settings aiokafka has a counterpart for, and the keys left out."""
    mapped: dict[str, object] = {}
    left_out = []
    for key, value in {**consumer, **producer}.items():
        if key in _FAUST_SETTINGS:
            name, convert = _FAUST_SETTINGS[key]
            mapped[name] = convert(value)
        else:
            left_out.append(key)
    return mapped, sorted(left_out)


# ---------------------------------------------------------------- the peers' virtualenv


def peer_python(venv: Path, upgrade: bool) -> Path:
    """The peers' virtualenv's interpreter, built (or upgraded) first when needed; exits if pip cannot."""
    python = venv / "bin" / "python"
    if python.exists() and not upgrade:
        return python
    fresh = not python.exists()
    log = venv.parent / "pip.log"
    print(f"{'building' if fresh else 'upgrading'} the peers' virtualenv {venv} "
          f"(pip install {' '.join(PEER_PACKAGES)}; log in {log}) ...", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log.open("w") as out:
            if fresh:
                base = shutil.which("python3.11") or sys.executable
                subprocess.run([base, "-m", "venv", str(venv)], check=True, stdout=out, stderr=out, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "--upgrade", *PEER_PACKAGES], check=True,
                           stdout=out, stderr=out, timeout=1800)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        if fresh:
            shutil.rmtree(venv, ignore_errors=True)  # so that the next run tries again
        tail = log.read_text()[-1500:] if log.exists() else ""
        sys.exit(f"peers.py: could not build the peers' virtualenv {venv} ({exc}); it needs PyPI "
                 f"(pip install {' '.join(PEER_PACKAGES)}).\n{tail}\n"
                 "To compare samza-py with the raw loop alone: --skip quix --skip faust")
    return python


def peer_versions(python: Path) -> dict[str, str]:
    """The installed versions, which also shows the peers import: a broken virtualenv ends the run here."""
    probe = ("import importlib.metadata as m, json, sys, confluent_kafka, faust, quixstreams; "
             "versions = {name: m.version(name) for name in sys.argv[1:]}; "
             "versions['librdkafka (peers)'] = confluent_kafka.libversion()[0]; print(json.dumps(versions))")
    out = subprocess.run([str(python), "-c", probe, *PEER_VERSIONS], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"peers.py: the peers' virtualenv of {python} cannot run them; --upgrade-peers reinstalls them, "
                 f"or delete {python.parent.parent}:\n{out.stderr[-1500:]}")
    versions: dict[str, str] = json.loads(out.stdout)
    return versions


# ---------------------------------------------------------------- running and watching one contender


def end_offset(watcher: Consumer, topic: str) -> int:
    _low, high = watcher.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
    return int(high)


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) of a live or not yet reaped process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on: utime is field 14, stime 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exited(pid: int) -> bool:
    """Whether the child has exited, leaving it unreaped (its rusage is read by wait4 later)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def stop(pid: int, label: str) -> str:
    """Let a child that has delivered everything exit; terminate it when it does not. Says which it was."""
    for sig, wait_s in ((None, EXIT_GRACE_S), (signal.SIGTERM, 30.0), (signal.SIGKILL, 30.0)):
        if sig is not None:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if exited(pid):
                return "exited by itself" if sig is None else f"stopped by {sig.name}"
            time.sleep(0.05)
    raise ContenderFailed(label, f"process {pid} outlived SIGKILL")


def run_contender(label: str, argv: Sequence[str], sink: str, messages: int, watcher: Consumer) -> Measurement:
    """Run one contender to N output messages on ``sink``; measure from its first input to its last output."""
    spawned = time.time()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", cwd=BENCH_DIR)
    peak = PeakRssWatch(proc.pid)
    assert proc.stdout is not None
    stdout = proc.stdout
    tail: deque[str] = deque(maxlen=40)
    first: list[tuple[float, float]] = []

    def read_output() -> None:
        for line in stdout:
            tail.append(line.rstrip())
            if not first and (mark := marker.parse(line)) is not None:
                first.append(mark)

    reader = threading.Thread(target=read_output, name=f"{label}-output", daemon=True)
    reader.start()
    try:
        landed_at, landed_cpu, first_output_at = watch(label, proc.pid, sink, messages, watcher, tail)
        how = stop(proc.pid, label)
    except BaseException:
        if not exited(proc.pid):
            os.kill(proc.pid, signal.SIGKILL)
        raise
    finally:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        peak_mb = peak.stop()
        reader.join(10)
    total_cpu = usage.ru_utime + usage.ru_stime
    if how == "exited by itself" and proc.returncode != 0:
        raise ContenderFailed(label, f"exited with {proc.returncode} after its output was complete", tail)
    written = end_offset(watcher, sink)
    if written != messages:
        raise ContenderFailed(label, f"{sink} holds {written:,} messages, not {messages:,}", tail)
    if not first:
        raise ContenderFailed(label, "never printed its first-message marker", tail)
    first_at, first_cpu = first[0]
    return Measurement(
        LABELS.get(label, label), messages, landed_at - first_at,
        (landed_cpu if landed_cpu is not None else total_cpu) - first_cpu, peak_mb,
        {"startup_s": round(first_at - spawned, 2), "first_output_after_s": round(first_output_at - first_at, 3),
         "process_wall_s": round(time.time() - spawned, 2), "process_cpu_s": round(total_cpu, 2),
         "end": how, "cpu_to_last_output_from": "/proc" if landed_cpu is not None else "wait4 (whole process)"})


def watch(label: str, pid: int, sink: str, messages: int, watcher: Consumer,
          tail: deque[str]) -> tuple[float, float | None, float]:
    """Poll ``sink``'s end offset until it reaches ``messages``: (when, the child's CPU then, first output)."""
    started = time.monotonic()
    last_count, last_change = 0, started
    first_output_at: float | None = None
    while True:
        gone = exited(pid)  # before the offset read, so a child that exits after its last output passes
        count = end_offset(watcher, sink)
        now = time.time()
        if count and first_output_at is None:
            first_output_at = now
        if count >= messages:
            assert first_output_at is not None
            return now, cpu_seconds(pid), first_output_at
        if gone:
            raise ContenderFailed(label, f"exited after writing {count:,} of {messages:,} messages to {sink}", tail)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        waited = time.monotonic() - last_change
        if waited > (STALL_DEADLINE_S if count else START_DEADLINE_S):
            raise ContenderFailed(label, f"no progress for {waited:.0f} s at {count:,} of {messages:,} messages "
                                         f"on {sink}", tail)
        time.sleep(POLL_S)


# ---------------------------------------------------------------- the contenders in this process's own modes


class MarkedPassThroughTask(PassThroughTask):
    """The benchmarks' pass-through task, printing the marker at its first message."""

    marked = False

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        if not self.marked:
            self.marked = True
            marker.first_message()
        super().process(envelope, collector, coordinator)


def samza_contender(config: Mapping[str, str], sink: str) -> None:
    """One container of the job in this process; its bounded input ends it after the last message."""
    PassThroughTask.output = SystemStream("kafka", sink)
    run_container(dict(config))


def raw_contender(bootstrap: str, source: str, sink: str, group: str, messages: int,
                  consumer_config: Mapping[str, object], producer_config: Mapping[str, object]) -> None:
    consumer = Consumer({**consumer_config, "bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False, "enable.auto.offset.store": False})
    consumer.assign([TopicPartition(source, 0, OFFSET_BEGINNING)])
    producer = Producer({**producer_config, "bootstrap.servers": bootstrap})
    seen = 0
    while seen < messages:
        batch = consumer.consume(num_messages=min(1000, messages - seen), timeout=1.0)
        if batch and not seen:
            marker.first_message()
        for msg in batch:
            if msg.error() is not None:
                raise KafkaException(msg.error())
            while True:
                try:
                    producer.produce(sink, msg.value(), msg.key())
                    break
                except BufferError:
                    producer.poll(0.05)
        seen += len(batch)
        producer.poll(0)
    if (unsent := producer.flush(120)) != 0:
        raise RuntimeError(f"{unsent} messages to {sink} not delivered within 120 s")
    consumer.close()
    marker.processed(seen)


# ---------------------------------------------------------------- the benchmark


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--faust-messages", type=int, default=None,
                        help=f"Faust passes through the first this many (default: --messages, at most "
                             f"{FAUST_DEFAULT_MAX:,})")
    parser.add_argument("--bootstrap", default=os.environ.get("GRID_KAFKA_BOOTSTRAP", DEFAULT_BOOTSTRAP))
    parser.add_argument("--skip", action="append", choices=CONTENDERS, default=[])
    parser.add_argument("--consumer", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                        help="a systems.kafka.consumer.* setting of the job (Java name), given to every contender")
    parser.add_argument("--upgrade-peers", action="store_true", help="pip install --upgrade the peers first")
    parser.add_argument("--keep-topics", action="store_true", help="keep the run's input and output topics")
    parser.add_argument("--peers-venv", type=Path, default=PEER_VENV, help=f"(default {PEER_VENV})")
    # A contender's own process (run by the benchmark, not by hand).
    parser.add_argument("--contender", choices=("samza", "raw"), help=argparse.SUPPRESS)
    for name in ("--source", "--sink", "--group", "--config"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    return parser.parse_args()


def contender_argv(name: str, python: Path | None, config: Mapping[str, str], consumer: Mapping[str, object],
                   producer: Mapping[str, object], quix_consumer: Mapping[str, object],
                   faust: Mapping[str, object]) -> list[str]:
    """The command running one contender, less the arguments every contender takes (``run_contenders``)."""
    if name in ("samza", "raw"):
        settings = {"job": config, "consumer": consumer, "producer": producer}
        return [sys.executable, str(Path(__file__).resolve()), "--contender", name, "--config", json.dumps(settings)]
    if python is None:
        raise ValueError(f"{name} runs in the peers' virtualenv, which was not built")
    # Quix and Faust keep state under a directory (by default beside the working directory): in build/.
    if name == "quix":
        return [str(python), str(PEER_APPS / "quix_app.py"), "--state-dir", str(PEER_VENV.parent / "quix-state"),
                "--consumer", json.dumps(quix_consumer), "--producer", json.dumps(producer)]
    faust_settings: dict[str, object] = {**faust, "datadir": str(PEER_VENV.parent / "faust-data")}
    return [str(python), str(PEER_APPS / "faust_app.py"), "--settings", json.dumps(faust_settings)]


def run_contenders(bootstrap: str, run: str, source: str, sinks: Mapping[str, str], argvs: Mapping[str, list[str]],
                   counts: Mapping[str, int]) -> tuple[list[Measurement], list[str]]:
    """Each contender in turn, into its own new output topic: the measurements and the failures."""
    measurements: list[Measurement] = []
    failures: list[str] = []
    watcher = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-peers-{run}-watch"})
    try:
        for name, argv in argvs.items():
            sink, count = sinks[name], counts[name]
            create_topic(bootstrap, sink)
            print(f"{LABELS[name]}: passing {count:,} messages through ...", flush=True)
            own = ["--bootstrap", bootstrap, "--source", source, "--sink", sink,
                   "--group", f"bench-peers-{run}-{name}", "--messages", str(count)]
            try:
                measurements.append(run_contender(name, [*argv, *own], sink, count, watcher))
            except ContenderFailed as exc:
                print(f"FAILED: {exc}", file=sys.stderr, flush=True)
                failures.append(str(exc).splitlines()[0])
    finally:
        watcher.close()
    return measurements, failures


def delete_topics(bootstrap: str, topics: Sequence[str]) -> None:
    """The run's topics go (they hold N messages each on a shared broker); one that will not is reported."""
    admin = AdminClient({"bootstrap.servers": bootstrap})  # held: the futures fail once it is collected
    futures = admin.delete_topics(list(topics), operation_timeout=30)
    for topic, future in futures.items():
        try:
            future.result(60)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:  # never created: the run stopped first
                print(f"warning: could not delete topic {topic}: {exc}", file=sys.stderr)


def contender_main(args: argparse.Namespace) -> None:
    config: dict[str, Any] = json.loads(args.config)
    if args.contender == "samza":
        samza_contender(config["job"], args.sink)
    else:
        raw_contender(args.bootstrap, args.source, args.sink, args.group, args.messages,
                      config["consumer"], config["producer"])


def main() -> None:
    args = parse_args()
    if args.contender:
        contender_main(args)
        return
    contenders = [name for name in CONTENDERS if name not in args.skip]
    faust_messages = args.faust_messages or min(args.messages, FAUST_DEFAULT_MAX)
    if faust_messages > args.messages:
        sys.exit(f"peers.py: --faust-messages {faust_messages:,} exceeds --messages {args.messages:,}")
    python = peer_python(args.peers_venv, args.upgrade_peers) if {"quix", "faust"} & set(contenders) else None
    versions = {"samza-py": metadata.version("samza-py"), "confluent-kafka": metadata.version("confluent-kafka"),
                "librdkafka": confluent_kafka.libversion()[0]}
    if python is not None:
        versions.update({f"{name} (peers)" if name == "confluent-kafka" else name: version
                         for name, version in peer_versions(python).items()})

    run = uuid.uuid4().hex[:8]
    source = f"bench-peers-{run}-in"
    config = samza_config(args.bootstrap, source, dict(args.consumer))
    consumer, producer = shared_settings(config)
    quix_consumer = quix_settings(consumer)
    faust, faust_left_out = faust_settings(consumer, producer)
    print(f"shared consumer settings: {consumer}\nshared producer settings: {producer}", flush=True)
    print(f"producing {args.messages:,} messages of 100 bytes to {source} ...", flush=True)
    produce(args.bootstrap, source, args.messages)

    sinks = {name: f"bench-peers-{run}-{name}-out" for name in contenders}
    argvs = {name: contender_argv(name, python, config, consumer, producer, quix_consumer, faust)
             for name in contenders}
    counts = {name: faust_messages if name == "faust" else args.messages for name in contenders}
    try:
        measurements, failures = run_contenders(args.bootstrap, run, source, sinks, argvs, counts)
    finally:
        if not args.keep_topics:
            delete_topics(args.bootstrap, [source, *sinks.values()])

    rates = {m.label: m.msg_per_s for m in measurements}
    samza = rates.get(LABELS["samza"])
    ratios = {f"samza/{peer}": samza / rates[LABELS[peer]] for peer in ("quix", "faust", "raw")
              if samza and rates.get(LABELS[peer])}
    if "faust" in contenders and faust_messages != args.messages:
        print(f"note: Faust passed through the first {faust_messages:,} of the {args.messages:,} messages "
              f"(--faust-messages); its rates are over those.")
    publish("peers", measurements, ratios, {
        "messages": args.messages, "faust_messages": faust_messages, "value_bytes": 100, "partitions": 1,
        "bootstrap": args.bootstrap, "consumer_overrides": dict(args.consumer),
        "shared_consumer_settings": consumer, "shared_producer_settings": producer,
        "quix_consumer_extra_config": quix_consumer, "quix_producer_extra_config": producer,
        "faust_settings": faust, "faust_settings_without_aiokafka_counterpart": faust_left_out,
        "versions": versions, "skipped": args.skip, "failures": failures,
        "measured": "each contender in its own process, fresh consumer group, from its first consumed message "
                    "to the moment its output topic's end offset reached N (polled every 20 ms); CPU of the "
                    "child over the same span; start-up and shutdown excluded; peak RSS over the child's life",
    })
    if failures:
        sys.exit("peers.py: failed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
