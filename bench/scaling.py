"""Benchmark: one vs two containers (ProcessJobFactory) of the same pass-through job on a 4-partition topic.

The input is N 100-byte messages over 4 partitions (bounded, so each container ends once its partitions are
through). Each run is the job as ``run-job`` would run it -- ``ProcessJobFactory`` with ``job.container.count``
1 or 2, every container its own ``python -m samza_py.container`` process -- driven from a child process of
this script, so that the kernel's accounting of that child (its reaped containers included) gives the run's
CPU seconds, and the child's report of its reaped containers gives the largest container's peak RSS. Timed:
from submitting the job to its last container's exit (container start-up included), and, from the output's
own timestamps, from the first message out to the last.
Checked: each output topic holds exactly N messages. Ratio: 2 containers / 1 container (target at least 1.7).
Each run also records how many of the machine's cores were busy (the broker's work included): a second
container can only add speed if the first left cores idle.
Beside them, the raw consume→produce loop (bench/raw_loops.py, the job's client settings) in 1 and in 2
processes of its own, the partitions split between them, timed and checked the same way: its 2 / 1 is what
this machine and broker give a second process of the same work.

With ``--rounds`` the four take turns, and each one's median run counts.

    python bench/scaling.py [--messages 2000000] [--rounds 1] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import (
    BENCH_DIR,
    CONFIGURED_PASS_THROUGH_TASK,
    OUTPUT_KEY,
    BenchmarkError,
    add_arguments,
    bench_env,
    create_topic,
    job_config,
    produce,
    run_id,
    take_turns,
    verify_count,
)
from confluent_kafka import Consumer, TopicPartition
from report import Measurement, machine_load, measure_child, publish

from samza_py.config.config import Config
from samza_py.job.local import ProcessJobFactory
from samza_py.job.stream_job import ApplicationStatus

PARTITIONS = 4
JOB_SECONDS = "job seconds: "
CONTAINER_PEAK = "largest container peak MB: "


def report(elapsed: float) -> int:
    """In the child: print the run's seconds and its largest process's peak RSS for the parent to read."""
    print(f"{JOB_SECONDS}{elapsed:.3f}", flush=True)
    # The containers (or raw loops) are this process's reaped children; each started small (this driver), so
    # their high-water mark is their own.
    print(f"{CONTAINER_PEAK}{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}", flush=True)
    return 0


def run_job(config_path: Path, timeout_s: float) -> int:
    """In the child: run the job to its end and print how long it took from submit."""
    config = Config(json.loads(config_path.read_text()))
    job = ProcessJobFactory().get_job(config)
    started = time.perf_counter()
    job.submit()
    status = job.wait_for_finish(timeout_s)
    elapsed = time.perf_counter() - started
    if status is not ApplicationStatus.SUCCESSFUL_FINISH:
        job.kill()
        job.wait_for_finish(60)
        print(f"job ended {status.value} after {elapsed:.1f} s: {job.diagnostics}", flush=True)
        return 1
    return report(elapsed)


def run_raw_loops(spec_path: Path, timeout_s: float) -> int:
    """In the child: the raw loop in ``loops`` processes of its own, the partitions split between them; prints
    how long from starting the first to the last one's exit."""
    spec = json.loads(spec_path.read_text())
    loops, messages = spec["loops"], spec["messages"]
    share = PARTITIONS // loops
    started = time.perf_counter()
    procs = []
    for i in range(loops):
        mine = range(i * share, (i + 1) * share)
        argv = [sys.executable, str(BENCH_DIR / "raw_loops.py"), str(spec_path.with_suffix(".settings.json")),
                spec["source"], spec["sink"], ",".join(map(str, mine)),
                str(sum(len(range(p, messages, PARTITIONS)) for p in mine))]  # message i is on partition i % 4
        procs.append(subprocess.Popen(argv))
    codes = [proc.wait(timeout_s) for proc in procs]
    elapsed = time.perf_counter() - started
    if any(codes):
        print(f"raw loops exited with {codes}", flush=True)
        return 1
    return report(elapsed)


def printed(stdout: str, prefix: str) -> float:
    for line in stdout.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    raise BenchmarkError(f"the job's child printed no {prefix!r}: {stdout[-500:]}")


def job_seconds(stdout: str) -> float:
    return printed(stdout, JOB_SECONDS)


def output_span(bootstrap: str, topic: str) -> float:
    """Seconds from the first message written to ``topic`` to the last (their producers' timestamps)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-span-{run_id()}",
                         "enable.auto.commit": False})
    stamps: list[int] = []
    try:
        for partition in range(PARTITIONS):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            for offset in sorted({low, high - 1}) if high > low else []:
                consumer.assign([TopicPartition(topic, partition, offset)])
                deadline = time.monotonic() + 30
                while (msg := consumer.poll(1.0)) is None or msg.error() is not None:
                    if time.monotonic() > deadline:
                        raise BenchmarkError(f"cannot read {topic}[{partition}] at offset {offset} within 30 s")
                stamps.append(msg.timestamp()[1])
    finally:
        consumer.close()
    return (max(stamps) - min(stamps)) / 1000 if stamps else 0.0


def label_of(processes: int, raw: bool) -> str:
    return f"{processes} {'raw loop' if raw else 'container'}{'s' if processes > 1 else ''}"


def one_run(bootstrap: str, source: str, containers: int, messages: int, work_dir: Path,
            timeout_s: float, raw: bool = False) -> Measurement:
    """``containers`` containers of the job, or with ``raw`` that many raw loop processes."""
    label = label_of(containers, raw)
    sink = f"{source}-{containers}{'r' if raw else 'c'}-{run_id()}-out"
    create_topic(bootstrap, sink, PARTITIONS)
    settings = job_config(bootstrap, source, CONFIGURED_PASS_THROUGH_TASK) | {
        "job.factory.class": "samza_py.job.local.ProcessJobFactory",
        "job.container.count": str(containers),
        OUTPUT_KEY: sink,
    }
    config_path = work_dir / f"{sink}.json"
    if raw:
        config_path.with_suffix(".settings.json").write_text(json.dumps(settings))
        config_path.write_text(json.dumps({"loops": containers, "messages": messages, "source": source,
                                           "sink": sink}))
    else:
        config_path.write_text(json.dumps(settings))
    argv = [sys.executable, __file__, "--raw-child" if raw else "--child", str(config_path),
            "--timeout", str(timeout_s)]
    env = bench_env(SAMZA_PY_RUN_DIR=str(work_dir / "run"))
    with machine_load() as load:
        result = measure_child(label, messages, argv, env=env, timeout_s=timeout_s + 120, wall_from=job_seconds)
    result.peak_rss_mb = printed(result.extra["stdout_tail"], CONTAINER_PEAK)
    verify_count(bootstrap, sink, messages, label)
    span = output_span(bootstrap, sink)
    # Two containers can only go faster if one left cores idle: the broker shares this machine. Its share is
    # what the machine was busy with beyond the job's own processes.
    others = load.others(result.cpu_s)
    result.extra = {"first_to_last_output_s": round(span, 3),
                    "msg_per_s_first_to_last_output": round(messages / span, 1) if span else None,
                    "machine_busy_cores": load.busy_cores, "machine_cores": load.cores,
                    "machine_busy_cores_besides_the_job": others}
    print(f"    {load.busy_cores} of {load.cores} cores busy over the run, {others} of them besides the job's "
          f"(the broker's)", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, 2_000_000)
    parser.add_argument("--timeout", type=float, default=900, help="seconds one job run may take")
    parser.add_argument("--rounds", type=int, default=1,
                        help="the four contenders take turns this many times; each one's median run counts")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # run one job from this config (JSON)
    parser.add_argument("--raw-child", type=Path, help=argparse.SUPPRESS)  # run raw loops as this spec says
    args = parser.parse_args()
    if args.child is not None:
        sys.exit(run_job(args.child, args.timeout))
    if args.raw_child is not None:
        sys.exit(run_raw_loops(args.raw_child, args.timeout))
    source = f"bench-{run_id()}-in"
    print(f"producing {args.messages:,} messages of 100 bytes to {source} ({PARTITIONS} partitions) ...", flush=True)
    produce(args.bootstrap, source, args.messages, 100, PARTITIONS)
    with tempfile.TemporaryDirectory(prefix="samza-py-bench-") as work_dir:
        def contender(n: int, raw: bool) -> tuple[str, Callable[[int], Measurement]]:
            return label_of(n, raw), lambda _round: one_run(args.bootstrap, source, n, args.messages, Path(work_dir),
                                                 args.timeout, raw)

        medians = take_turns(args.rounds, [contender(n, raw) for raw in (False, True) for n in (1, 2)])
    one, two, raw_one, raw_two = medians.values()
    ratios = {}
    for name, (single, double) in {"containers": (one, two), "raw loops": (raw_one, raw_two)}.items():
        ratios[f"2/1 {name}"] = double.msg_per_s / single.msg_per_s
        spans = [m.extra["first_to_last_output_s"] for m in (single, double)]
        if all(spans):
            ratios[f"2/1 {name}, first to last output"] = spans[0] / spans[1]
    publish("scaling", [one, two, raw_one, raw_two], ratios,
            {"messages": args.messages, "value_bytes": 100, "partitions": PARTITIONS, "rounds": args.rounds})


if __name__ == "__main__":
    main()
