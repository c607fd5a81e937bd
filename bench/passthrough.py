"""Benchmark: a stateless pass-through job vs a raw confluent-kafka consume→produce loop with the same settings.

For each input -- unkeyed and keyed, on 1 and 4 partitions, N messages of 100 bytes -- in the same run:

* raw      -- a confluent-kafka loop: consume a batch, produce each message on (key and value as read), flush
              at the end. Its consumer and producer get the settings the job's own KafkaSystemFactory builds
              from the job's config (``client_config.consumer_settings`` and the job producer's settings), so
              both sides fetch and batch alike whatever samza-py's defaults are;
* job      -- the pass-through StreamTask, ``collector.send(OutgoingMessageEnvelope(output, key, message))``,
              one container in this process (ThreadJobFactory's container) over the bounded input. Keyed
              input carries user ids of 10-24 characters, different for every message, read with
              ``systems.kafka.samza.key.serde=string`` as a Samza job would: the key is a str and also the
              partition key (output partition: abs(Java hashCode) % partitions, as Java Samza sends it);
* send_to  -- as job, with ``collector.send_to(output, key, message)`` (no envelope), when the collector has it;
* process  -- the job's container as its own program (``python -m samza_py.container``, as
              ProcessJobFactory and YARN start it, with the GC policy of a process that runs containers):
              its rate, CPU and peak RSS (target: at most 100 MB).

Every output topic is checked to hold exactly N messages. Ratios: job/raw and process/raw (unkeyed and
keyed) and keyed/unkeyed (job, process), per partition count; with ``--rounds`` the contenders take turns
and each one's median run counts. Results: bench/results/passthrough.json and .png.

    python bench/passthrough.py [--messages 2000000] [--partitions 1,4] [--rounds 1] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    CONFIGURED_PASS_THROUGH_TASK,
    OUTPUT_KEY,
    PASS_THROUGH_TASK,
    PassThroughTask,
    add_arguments,
    bench_env,
    create_topic,
    job_config,
    measure_container,
    produce,
    run_id,
    take_turns,
    user_id,
    verify_count,
)
from raw_loops import SYSTEM, client_settings, printable, raw_loop
from report import Measurement, measure_child, publish

from samza_py.api import IncomingMessageEnvelope, MessageCollector, SystemStream, TaskCoordinator
from samza_py.config.config import Config
from samza_py.container.collector import TaskInstanceCollector
from samza_py.job.local import local_job_model

HAS_SEND_TO = hasattr(TaskInstanceCollector, "send_to")
STRING_KEYS = {
    "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
    f"systems.{SYSTEM}.samza.key.serde": "string",
}


class SendToPassThroughTask(PassThroughTask):
    """The pass-through task sending with ``collector.send_to``: no OutgoingMessageEnvelope per message."""

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        collector.send_to(self.output, envelope.key, envelope.message)  # type: ignore[attr-defined]


def in_process(measurement: Measurement) -> Measurement:
    # This process's peak RSS holds every earlier run and the input fill: no one contender's.
    measurement.peak_rss_mb = None
    return measurement


def container_process(label: str, settings: dict[str, str], messages: int, work_dir: Path,
                      timeout_s: float) -> Measurement:
    """The job's one container run as the container program in a child process (its own CPU and peak RSS)."""
    settings = settings | {"task.class": CONFIGURED_PASS_THROUGH_TASK}
    model = work_dir / f"{settings['job.name']}-model.json"
    model.write_text(local_job_model(Config(settings)).to_json())
    env = bench_env(SAMZA_CONTAINER_ID="0", SAMZA_JOB_MODEL_URL=f"file://{model}")
    return measure_child(label, messages, [sys.executable, "-m", "samza_py.container"], env=env, timeout_s=timeout_s)


def one_input(bootstrap: str, run: str, partitions: int, keyed: bool, messages: int, rounds: int,
              timeout_s: float, work_dir: Path, results: dict[str, Measurement]) -> None:
    kind = "keyed" if keyed else "unkeyed"
    source = f"bench-{run}-{kind}-{partitions}p"
    print(f"producing {messages:,} {kind} messages of 100 bytes to {source} ({partitions} partitions) ...",
          flush=True)
    produce(bootstrap, source, messages, 100, partitions, key=user_id if keyed else None)
    names = ["raw", "job"] + (["send_to"] if keyed and HAS_SEND_TO else []) + ["process"]

    def contender(name: str) -> tuple[str, Callable[[int], Measurement]]:
        label = f"{name} {kind} {partitions}p"

        def one_run(round_no: int) -> Measurement:
            sink = f"{source}-{name}-{round_no}-out"
            create_topic(bootstrap, sink, partitions)
            settings = job_config(bootstrap, source, PASS_THROUGH_TASK) | (STRING_KEYS if keyed else {})
            if name == "raw":
                result = in_process(raw_loop(label, settings, source, sink, partitions, messages, timeout_s))
            elif name == "process":
                result = container_process(label, settings | {OUTPUT_KEY: sink}, messages, work_dir, timeout_s)
            else:
                PassThroughTask.output = SystemStream(SYSTEM, sink)
                if name == "send_to":
                    settings["task.class"] = f"{__name__}.{SendToPassThroughTask.__qualname__}"
                result = in_process(measure_container(label, settings, messages))
            verify_count(bootstrap, sink, messages, label)
            return result

        return label, one_run

    results.update(take_turns(rounds, [contender(name) for name in names]))


def ratios_of(results: dict[str, Measurement], partitions: list[int]) -> dict[str, float]:
    ratios: dict[str, float] = {}

    def ratio(name: str, top: str, bottom: str) -> None:
        if top in results and bottom in results:
            ratios[name] = results[top].msg_per_s / results[bottom].msg_per_s

    for p in partitions:
        ratio(f"job/raw unkeyed {p}p", f"job unkeyed {p}p", f"raw unkeyed {p}p")
        ratio(f"job/raw keyed {p}p", f"job keyed {p}p", f"raw keyed {p}p")
        ratio(f"keyed/unkeyed job {p}p", f"job keyed {p}p", f"job unkeyed {p}p")
        ratio(f"send_to/raw keyed {p}p", f"send_to keyed {p}p", f"raw keyed {p}p")
        ratio(f"send_to keyed/job unkeyed {p}p", f"send_to keyed {p}p", f"job unkeyed {p}p")
        ratio(f"process/raw unkeyed {p}p", f"process unkeyed {p}p", f"raw unkeyed {p}p")
        ratio(f"process/raw keyed {p}p", f"process keyed {p}p", f"raw keyed {p}p")
        ratio(f"keyed/unkeyed process {p}p", f"process keyed {p}p", f"process unkeyed {p}p")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, 2_000_000)
    parser.add_argument("--partitions", default="1,4", help="input partition counts to run (default 1,4)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each contender per input, interleaved; the median run counts (default 1)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds any one run may take")
    args = parser.parse_args()
    partitions = [int(p) for p in args.partitions.split(",")]
    run = run_id()
    results: dict[str, Measurement] = {}
    with tempfile.TemporaryDirectory(prefix="samza-py-bench-") as work_dir:
        for p in partitions:
            for keyed in (False, True):
                one_input(args.bootstrap, run, p, keyed, args.messages, args.rounds, args.timeout, Path(work_dir),
                          results)
    if not HAS_SEND_TO:
        print("(this collector has no send_to: that variant was left out)")
    params: dict[str, Any] = {"messages": args.messages, "value_bytes": 100, "partitions": partitions,
                              "rounds": args.rounds,
                              "keys": "user ids of 10-24 characters, string key serde in the job",
                              "send_to": HAS_SEND_TO}
    consumer, batch, producer = client_settings(job_config(args.bootstrap, "any", PASS_THROUGH_TASK))
    params.update(consumer_settings=printable(consumer), poll_batch=batch, producer_settings=printable(producer))
    publish("passthrough", list(results.values()), ratios_of(results, partitions), params)


if __name__ == "__main__":
    main()
