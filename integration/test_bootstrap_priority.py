"""Bootstrap streams and priorities on the grid: a profiles table bootstrapped into RocksDB before any page
view (also after a kill -9 and restart), and a high-priority input drained before a low-priority one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, produce_round_robin, read_topic, run_job_command, wait_for

PROFILES_PER_PARTITION = 1500
PARTITIONS = 2


def write_config(path: Path, settings: dict[str, str]) -> Path:
    base = {
        "job.factory.class": "samza_py.job.local.ProcessJobFactory",
        "job.container.count": "1",
        "job.default.system": "kafka",
        "task.checkpoint.factory": "samza_py.checkpoint.kafka.manager.KafkaCheckpointManagerFactory",
        "task.commit.ms": "300",
        "serializers.registry.json.class": "samza_py.serializers.builtin.JsonSerdeFactory",
        "serializers.registry.string.class": "samza_py.serializers.builtin.StringSerdeFactory",
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.samza.msg.serde": "json",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "1",
    }
    base.update(settings)
    path.write_text("".join(f"{k}={v}\n" for k, v in base.items()))
    return path


def start(config: Path, cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(run_job_command(config), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))


def enrich_config(unique: str, tmp_path: Path) -> Path:
    return write_config(tmp_path / "enrich.properties", {
        "job.name": f"enrich-{unique}",
        "task.class": "integration.input_order_tasks.ProfileEnrichTask",
        "task.inputs": f"kafka.{unique}-views,kafka.{unique}-profiles",
        "enrich.output": f"kafka.{unique}-enriched",
        "stores.profiles.factory": "samza_py.storage.rocksdb.RocksDbKeyValueStorageEngineFactory",
        "stores.profiles.key.serde": "string",
        "stores.profiles.msg.serde": "json",
        # The table: read in full at every start, before any page view of the task.
        "streams.profiles.samza.system": "kafka",
        "streams.profiles.samza.physical.name": f"{unique}-profiles",
        "streams.profiles.samza.bootstrap": "true",
        "streams.profiles.samza.reset.offset": "true",
        "streams.profiles.samza.offset.default": "oldest",
        f"systems.kafka.streams.{unique}-views.samza.bounded": "true",
        f"systems.kafka.streams.{unique}-profiles.samza.bounded": "true",
    })


def test_no_page_view_is_enriched_before_every_profile_is_in_the_store_also_after_a_kill_9(
    unique: str, tmp_path: Path
) -> None:
    for topic in (f"{unique}-profiles", f"{unique}-views", f"{unique}-enriched"):
        create_topic(topic, PARTITIONS)
    profiles = PROFILES_PER_PARTITION * PARTITIONS
    # Views first, then the profiles: without the bootstrap the views' backlog would be read alongside.
    views = 40000
    produce_round_robin(f"{unique}-views", PARTITIONS, (
        json.dumps({"view_id": j, "viewed_profile_id": j % profiles}).encode() for j in range(views)))
    produce_round_robin(f"{unique}-profiles", PARTITIONS, (
        json.dumps({"profile_id": p, "name": f"member-{p}"}).encode() for p in range(profiles)))
    config = enrich_config(unique, tmp_path)

    first = start(config, tmp_path, tmp_path / "first.log")
    try:
        wait_for(lambda: count_messages(f"{unique}-enriched") >= 3000, 120, "the first enriched views")
        pids = json.loads((tmp_path / "run" / f"enrich-{unique}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)
        assert first.wait(120) != 0
    finally:
        if first.poll() is None:
            first.kill()
    before_restart = count_messages(f"{unique}-enriched")
    assert before_restart < views, "the kill came after the job was done: nothing left for the restart"

    second = start(config, tmp_path, tmp_path / "second.log")
    assert second.wait(300) == 0, (tmp_path / "second.log").read_text()[-3000:]

    enriched = [json.loads(m.value()) for m in read_topic(f"{unique}-enriched")]
    # Every view (some twice: those after the last checkpoint before the kill), each with its profile,
    # and each processed when this process had read every profile of its partition.
    assert {e["view_id"] for e in enriched} == set(range(views))
    assert all(e["profile_name"] == f"member-{(e['view_id'] % profiles)}" for e in enriched)
    assert Counter(e["profiles_read"] for e in enriched) == {PROFILES_PER_PARTITION: len(enriched)}
    assert len(enriched) > before_restart  # the restart enriched views too (after its own full re-read)


def test_a_high_priority_backlog_is_processed_before_the_low_priority_one(unique: str, tmp_path: Path) -> None:
    for topic in (f"{unique}-low", f"{unique}-high", f"{unique}-order"):
        create_topic(topic, 1)
    backlog = 3000
    produce_round_robin(f"{unique}-low", 1, (json.dumps({"n": j}).encode() for j in range(backlog)))
    produce_round_robin(f"{unique}-high", 1, (json.dumps({"n": j}).encode() for j in range(backlog)))
    config = write_config(tmp_path / "order.properties", {
        "job.name": f"order-{unique}",
        "task.class": "integration.input_order_tasks.ProcessingOrderTask",
        "task.inputs": f"kafka.{unique}-low,kafka.{unique}-high",
        "order.output": f"kafka.{unique}-order",
        f"systems.kafka.streams.{unique}-high.samza.priority": "10",
        f"systems.kafka.streams.{unique}-low.samza.bounded": "true",
        f"systems.kafka.streams.{unique}-high.samza.bounded": "true",
    })
    job = start(config, tmp_path, tmp_path / "order.log")
    assert job.wait(300) == 0, (tmp_path / "order.log").read_text()[-3000:]

    order = [json.loads(m.value())["stream"] for m in read_topic(f"{unique}-order")]
    assert Counter(order) == {f"{unique}-low": backlog, f"{unique}-high": backlog}
    # Low-priority messages may go first only while nothing of the high stream is buffered yet (the first
    # fetch); from the first high-priority message on, every one of them comes before the next low one.
    first_high = order.index(f"{unique}-high")
    print(f"low-priority messages before the first high-priority one: {first_high}")
    assert order[first_high:first_high + backlog] == [f"{unique}-high"] * backlog
    assert first_high < backlog // 10, f"{first_high} low-priority messages went first"
