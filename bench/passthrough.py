"""Benchmark: a stateless pass-through job vs a raw confluent-kafka consume→produce loop.

Both read the same topic of N 100-byte messages in the same run and write to their own output
topic; the job runs one container in this process (ThreadJobFactory's container) with a bounded
input, so it ends when it has passed everything through. Prints both rates and their ratio.

    python bench/passthrough.py [--messages 2000000] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import time
import uuid

from common import DEFAULT_BOOTSTRAP, PASS_THROUGH_TASK, PassThroughTask, job_config, produce, run_container
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from samza_py.api import SystemStream

PARTITIONS = 1


def raw_loop(bootstrap: str, source: str, sink: str, count: int) -> float:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(source, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 10, "enable.idempotence": True})
    started = time.perf_counter()
    seen = 0
    while seen < count:
        for msg in consumer.consume(num_messages=1000, timeout=1.0):
            if msg.error() is not None:
                continue
            while True:
                try:
                    producer.produce(sink, msg.value(), msg.key())
                    break
                except BufferError:
                    producer.poll(0.05)
            seen += 1
            if seen % 1000 == 0:
                producer.poll(0)
    producer.flush(120)
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def samza_job(bootstrap: str, source: str, sink: str) -> float:
    PassThroughTask.output = SystemStream("kafka", sink)
    return run_container(job_config(bootstrap, source, PASS_THROUGH_TASK))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    source = f"bench-{run}-in"
    print(f"producing {args.messages:,} messages of 100 bytes to {source} ...", flush=True)
    produce(args.bootstrap, source, args.messages, 100, PARTITIONS)

    raw_s = raw_loop(args.bootstrap, source, f"bench-{run}-raw-out", args.messages)
    job_s = samza_job(args.bootstrap, source, f"bench-{run}-job-out")
    raw_rate, job_rate = args.messages / raw_s, args.messages / job_s
    print(f"raw confluent-kafka loop : {raw_rate:12,.0f} msg/s ({raw_s:.1f} s)")
    print(f"samza-py pass-through job: {job_rate:12,.0f} msg/s ({job_s:.1f} s)")
    print(f"ratio job/raw            : {job_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
