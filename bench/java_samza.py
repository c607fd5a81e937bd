"""Benchmark: the pass-through job in Java Samza 1.8 vs samza-py, each started by its own run-job.

Both read the same pre-filled topic (N × 100-byte messages, one partition) and write to their own
output topic on the same broker. Java Samza runs the StreamTask of ``bench/java_samza/`` (a Maven
project against Samza 1.8.0 from Maven Central, built on first run) with ``org.apache.samza.job.JobRunner``
and ThreadJobFactory; samza-py runs ``common.PassThroughTask`` with its run-job and ThreadJobFactory, in
a child process as well. Neither job ends on its own: this script watches the output topic until it
holds N messages, then stops the job (SIGTERM). Measured per job:

- msg/s from its first output message to its last (the messages' producer timestamps), so JVM start,
  job start and the first fetch are left out; start-up (launch to first output) is reported beside it;
- CPU seconds per million messages over the same steady window (the process's utime + stime from
  /proc, sampled at the first output and at the last); the whole run's CPU is reported beside it;
- peak RSS of the process over its whole life (wait4).

Each job runs twice: with both at their defaults, and with both tuned (``TUNED_*`` below says which
consumer settings map to which). Optional, like peers.py: without a JDK (17, or 11) and Maven, or
without Maven Central on first run, it exits with a message saying so.

    python bench/java_samza.py [--messages 2000000] [--bootstrap 127.0.0.1:9092] [--profiles defaults,tuned]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import javaproperties
from common import DEFAULT_BOOTSTRAP, PASS_THROUGH_TASK, PassThroughTask, create_topic, job_config, produce
from confluent_kafka import Consumer, TopicPartition
from report import Measurement, PeakRssWatch, publish

from samza_py.api import SystemStream

PROJECT = Path(__file__).resolve().parent / "java_samza"
TARGET = PROJECT / "target"
JAR = TARGET / "java-samza-bench.jar"
JDK_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-11-openjdk-amd64")
# As Samza's run-class.sh starts a job's JVM when JAVA_OPTS name no heap size.
JVM_OPTS = ("-Xmx768M", "-DisThreadContextMapInheritable=true")
OUTPUT_KEY = "bench.output"  # the output stream, "system.stream", for either task

# The tuned profile, each client's throttles lifted with the same settings where both clients have one:
# - samza-py needs nothing: its defaults already lift librdkafka's throttle (fetch.queue.backoff.ms 10
#   where librdkafka waits 1000 ms before fetching again once queued.min.messages are buffered; the Java
#   consumer has no such wait), so both of its profiles run at its defaults.
# - max.poll.records 1000 (Java only): the records one poll() hands to Samza's consumer proxy; Samza
#   lowers the client's 500 to 100. samza-py takes up to 1000 messages per consume() call.
# - producer batch.size 1000000 (Java only): the bytes of one partition's batch, 16 KB in the Java
#   producer, which Samza runs with one request in flight; librdkafka's default is 1000000.
# The settings both clients have under the same name and meaning (fetch.min.bytes, fetch.max.bytes,
# max.partition.fetch.bytes, linger.ms 10 in both Samzas) have the same defaults and stay at them.
TUNED_SAMZA_PY: dict[str, str] = {}
TUNED_JAVA = {"systems.kafka.consumer.max.poll.records": "1000", "systems.kafka.producer.batch.size": "1000000"}
PROFILES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "defaults": ({}, {}),
    "tuned": (TUNED_SAMZA_PY, TUNED_JAVA),
}
POLL_S = 0.02  # how often the output topic's end offset is read


class Unavailable(Exception):
    """Java Samza cannot run here (no JDK or Maven, or the build failed)."""


def find_java_home(explicit: str | None) -> Path:
    for candidate in ([explicit] if explicit else list(JDK_CANDIDATES)):
        if (Path(candidate) / "bin" / "java").is_file():
            return Path(candidate)
    raise Unavailable(f"no JDK at {explicit or ' or '.join(JDK_CANDIDATES)} (give one with --java-home; "
                      "Samza 1.8 runs on Java 11 or 17)")


def build(java_home: Path) -> None:
    """``mvn -B -q package`` unless the jar is newer than the pom and every source file."""
    sources = [PROJECT / "pom.xml", *(p for p in (PROJECT / "src").rglob("*") if p.is_file())]
    if JAR.is_file() and (TARGET / "lib").is_dir() and \
            JAR.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Unavailable("no mvn on the PATH to build bench/java_samza (Maven 3.8 or later)")
    if not (java_home / "bin" / "javac").is_file():
        raise Unavailable(f"{java_home} has no javac to build bench/java_samza with (give a JDK with --java-home)")
    print(f"building {PROJECT} with Maven (Samza 1.8.0 from Maven Central on first run) ...", flush=True)
    env = {**os.environ, "JAVA_HOME": str(java_home)}
    done = subprocess.run([mvn, "-B", "-q", "package"], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=1200)
    if done.returncode != 0:
        raise Unavailable(f"mvn package failed in {PROJECT} (is Maven Central reachable?):\n"
                          f"{(done.stdout + done.stderr)[-3000:]}")


def java_job(bootstrap: str, source: str, sink: str, overrides: Mapping[str, str]) -> dict[str, str]:
    """The Java job's properties: the least Samza 1.8's JobRunner and ThreadJobFactory need, bytes in and out."""
    return {
        # A fresh name: a fresh coordinator stream and consumer group, so no old state applies.
        "job.name": f"bench-java-{uuid.uuid4().hex[:8]}",
        "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
        "job.coordinator.system": "kafka",
        "job.coordinator.replication.factor": "1",
        "job.jmx.enabled": "false",
        "task.class": "samzapy.bench.PassThroughTask",
        "task.inputs": f"kafka.{source}",
        OUTPUT_KEY: f"kafka.{sink}",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": bootstrap,
        "systems.kafka.default.stream.replication.factor": "1",
        **overrides,
    }


def samza_py_job(bootstrap: str, source: str, sink: str, overrides: Mapping[str, str]) -> dict[str, str]:
    settings = job_config(bootstrap, source, PASS_THROUGH_TASK)
    # Not bounded: it runs until stopped, as the Java job does.
    settings.pop(f"systems.kafka.streams.{source}.samza.bounded")
    return {**settings, OUTPUT_KEY: f"kafka.{sink}", **overrides}


def write_properties(path: Path, settings: Mapping[str, str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        javaproperties.dump(dict(settings), out, timestamp=False)
    return path


def java_argv(java_home: Path, properties: Path, tmp: Path) -> list[str]:
    return [str(java_home / "bin" / "java"), *JVM_OPTS, f"-Djava.io.tmpdir={tmp}",
            "-cp", f"{JAR}{os.pathsep}{TARGET / 'lib' / '*'}", "org.apache.samza.job.JobRunner",
            "--config", "job.config.loader.factory=org.apache.samza.config.loaders.PropertiesConfigLoaderFactory",
            "--config", f"job.config.loader.properties.path={properties}"]


def samza_py_argv(properties: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--run-samza-py-job", str(properties)]


def run_samza_py_job(properties: Path) -> int:
    """In the child: samza-py's run-job, with the pass-through task sending to the job's bench.output."""
    from samza_py.job.run_job import main as run_job

    with properties.open(encoding="utf-8") as f:
        system, _, stream = javaproperties.load(f)[OUTPUT_KEY].partition(".")
    PassThroughTask.output = SystemStream(system, stream)
    return run_job(["--config-path", str(properties)])


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of ``pid`` so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    at: float  # perf_counter
    end_offset: int
    cpu_s: float


class OutputWatch:
    """The output topic's end offset (a broker request each time) and its messages' timestamps."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-watch-{uuid.uuid4().hex}",
                                  "enable.auto.commit": False})

    def end_offset(self) -> int:
        _low, high = self.consumer.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=10, cached=False)
        return int(high)

    def timestamp_ms(self, offset: int) -> int:
        self.consumer.assign([TopicPartition(self.topic, 0, offset)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = self.consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                return int(msg.timestamp()[1])
        raise TimeoutError(f"no message at {self.topic}[0] offset {offset} within 30 s")

    def close(self) -> None:
        self.consumer.close()


def stop(proc: subprocess.Popen[bytes], grace_s: float = 30) -> resource.struct_rusage:
    """SIGTERM (both run-jobs stop gracefully on it), SIGKILL after ``grace_s``; the child's rusage."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage
        time.sleep(0.1)
    proc.kill()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


def measure_job(label: str, argv: Sequence[str], cwd: Path, bootstrap: str, sink: str, count: int,
                timeout_s: float, env: Mapping[str, str] | None = None) -> Measurement:
    create_topic(bootstrap, sink)
    watch = OutputWatch(bootstrap, sink)
    log_path = cwd / f"{label.replace(' ', '_').replace('/', '_')}.log"
    print(f"{label}: running until {sink} holds {count:,} messages (log: {log_path}) ...", flush=True)
    with log_path.open("wb") as log:
        launched_wall, launched = time.time(), time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(env) if env is not None else None)
        peak = PeakRssWatch(proc.pid)
        first = halfway = last = None
        try:
            deadline = launched + timeout_s
            while last is None:
                if proc.poll() is not None:
                    raise RuntimeError(f"{label} exited with {proc.returncode} before {sink} held {count} messages")
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{label}: {sink} holds {watch.end_offset()} of {count} messages "
                                       f"after {timeout_s:.0f} s")
                end = watch.end_offset()
                if end > 0:
                    sample = Sample(time.perf_counter(), end, cpu_seconds(proc.pid))
                    if first is None:
                        first = sample
                    if halfway is None and end >= count / 2:
                        halfway = sample
                    if end >= count:
                        last = sample
                time.sleep(POLL_S)
        except BaseException:
            stop(proc, grace_s=5)
            peak.stop()
            watch.close()
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        usage = stop(proc)
        peak_mb = peak.stop()
    assert first is not None and halfway is not None
    try:
        written = watch.end_offset()
        if written != count:
            raise RuntimeError(f"{label} wrote {written} messages to {sink}, expected {count}")
        first_ms, last_ms = watch.timestamp_ms(0), watch.timestamp_ms(count - 1)
    finally:
        watch.close()
    total_cpu = usage.ru_utime + usage.ru_stime
    steady_msgs = last.end_offset - first.end_offset
    # CPU per message over the window between the two samples, scaled to the whole count (a run too short
    # to have two samples apart counts all its CPU).
    steady_cpu = (last.cpu_s - first.cpu_s) * count / steady_msgs if steady_msgs else total_cpu
    return Measurement(label, count, (last_ms - first_ms) / 1000, steady_cpu, peak_mb, {
        "start_s": round(first_ms / 1000 - launched_wall, 2),
        "total_s": round(last_ms / 1000 - launched_wall, 2),
        "total_cpu_s": round(total_cpu, 2),
        # The JVM's JIT is warm by then: nearer a long run's steady rate than the whole window's.
        "second_half_msg_per_s": round((last.end_offset - halfway.end_offset) / (last.at - halfway.at))
        if last.at > halfway.at else None,
        "exit_status": proc.returncode,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--bootstrap", default=os.environ.get("GRID_KAFKA_BOOTSTRAP", DEFAULT_BOOTSTRAP))
    parser.add_argument("--profiles", default="defaults,tuned", help="comma-separated: defaults, tuned")
    parser.add_argument("--java-home", help=f"the JDK to build and run with (default: {JDK_CANDIDATES[0]})")
    parser.add_argument("--timeout", type=float, default=900, help="seconds each job may take")
    parser.add_argument("--run-samza-py-job", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_samza_py_job:
        sys.exit(run_samza_py_job(args.run_samza_py_job))
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        parser.error(f"unknown profile(s) {unknown}: choose from {sorted(PROFILES)}")
    try:
        java_home = find_java_home(args.java_home)
        build(java_home)
    except Unavailable as exc:
        sys.exit(f"java_samza.py: Java Samza is not available, nothing measured: {exc}")

    run = uuid.uuid4().hex[:8]
    source = f"bench-{run}-in"
    print(f"producing {args.messages:,} messages of 100 bytes to {source} ...", flush=True)
    produce(args.bootstrap, source, args.messages, 100, 1)
    work = Path(tempfile.mkdtemp(prefix="java-samza-", dir=TARGET))
    py_env = {**os.environ, "SAMZA_LOG_LEVEL": os.environ.get("SAMZA_LOG_LEVEL", "WARNING")}
    measurements: list[Measurement] = []
    ratios: dict[str, float] = {}
    for profile in profiles:
        py_overrides, java_overrides = PROFILES[profile]
        java_sink, py_sink = f"bench-{run}-java-{profile}-out", f"bench-{run}-py-{profile}-out"
        java_props = write_properties(work / f"java-{profile}.properties",
                                      java_job(args.bootstrap, source, java_sink, java_overrides))
        py_props = write_properties(work / f"samza-py-{profile}.properties",
                                    samza_py_job(args.bootstrap, source, py_sink, py_overrides))
        java = measure_job(f"java samza {profile}", java_argv(java_home, java_props, work), work,
                           args.bootstrap, java_sink, args.messages, args.timeout)
        py = measure_job(f"samza-py {profile}", samza_py_argv(py_props), work, args.bootstrap, py_sink,
                         args.messages, args.timeout, env=py_env)
        measurements += [java, py]
        if java.msg_per_s > 0 and py.cpu_s_per_million > 0:
            ratios[f"samza-py/java msg/s ({profile})"] = py.msg_per_s / java.msg_per_s
            ratios[f"java/samza-py CPU per msg ({profile})"] = java.cpu_s_per_million / py.cpu_s_per_million
    for m in measurements:
        print(f"{m.label}: start {m.extra['start_s']:.1f} s, all {m.messages:,} out after {m.extra['total_s']:.1f} s, "
              f"{m.extra['total_cpu_s']:.1f} CPU s in all, second half {m.extra['second_half_msg_per_s'] or 0:,} msg/s")
    publish("java_samza", measurements, ratios, {
        "messages": args.messages, "message_bytes": 100, "partitions": 1, "bootstrap": args.bootstrap,
        "java": str(java_home), "samza": "1.8.0", "jvm_opts": " ".join(JVM_OPTS),
        "profiles": {p: {"samza-py": PROFILES[p][0], "java": PROFILES[p][1]} for p in profiles},
        "msg_per_s": "from each job's first output message to its last (producer timestamps)",
        "cpu": "utime+stime over the same steady window, per million messages",
    })


if __name__ == "__main__":
    main()
