"""Checkpoint v2 records and which checkpoint version is read, as Samza 1.8 writes and reads them."""

from __future__ import annotations

import json

import pytest

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.kafka.log import CheckpointError, CheckpointLog
from samza_py.checkpoint.serde import CheckpointFormatError, checkpoint_key_bytes, checkpoint_value_bytes
from samza_py.checkpoint.serde_v2 import checkpoint_v2_value_bytes, parse_checkpoint_v2_value
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.task_config import TaskConfig
from samza_py.config.validation import validate

SSP = SystemStreamPartition.of
GROUPER = "org.apache.samza.container.grouper.stream.GroupByPartitionFactory"
TOPIC = "__samza_checkpoint_ver_1_for_j_1"

# A v2 record as Samza 1.8's CheckpointV2Serde writes it: one input partition and one store whose Kafka
# changelog marker is itself JSON in a string.
V2_VALUE = (
    b'{"checkpoint-id":"1614147487244-33577","input-offsets":{"kafka.topic.0":"199"},'
    b'"state-checkpoint-markers":{"org.apache.samza.storage.KafkaChangelogStateBackendFactory":'
    b'{"counts":"{\\"version\\":1,\\"changelog-ssp\\":{\\"system\\":\\"kafka\\",\\"partition\\":0,'
    b'\\"stream\\":\\"counts-changelog\\",\\"keyBucket\\":-1},\\"changelog-offset\\":\\"41\\"}"}},'
    b'"version":2}'
)
V2_KEY = (
    b'{"systemstreampartition-grouper-factory":"org.apache.samza.container.grouper.stream.GroupByPartitionFactory",'
    b'"taskName":"Partition 0","type":"checkpoint-v2"}'
)
V1_VALUE = (  # the same checkpoint in v1, as Samza 1.x writes it (with keyBucket)
    b'{"SystemStreamPartition [kafka, topic, 0]":{"system":"kafka","stream":"topic","partition":"0",'
    b'"offset":"199","keyBucket":"-1"},"SystemStreamPartition [kafka, counts-changelog, 0]":{"system":"kafka",'
    b'"stream":"counts-changelog","partition":"0","offset":"1614147487244-33577:41","keyBucket":"-1"}}'
)
EXPECTED = Checkpoint({
    SSP("kafka", "topic", 0): "199",
    SSP("kafka", "counts-changelog", 0): "1614147487244-33577:41",
})
STORES = {("kafka", "counts-changelog"): "counts"}


def test_v2_value_from_samzas_bytes() -> None:
    assert parse_checkpoint_v2_value(V2_VALUE) == EXPECTED


def test_v2_value_written_byte_for_byte_as_samza_writes_it() -> None:
    assert checkpoint_v2_value_bytes(EXPECTED, STORES) == V2_VALUE


def test_v2_key_bytes() -> None:
    assert checkpoint_key_bytes("Partition 0", GROUPER, "checkpoint-v2") == V2_KEY


def test_v2_without_stores_has_a_fresh_checkpoint_id_and_no_markers() -> None:
    value = json.loads(checkpoint_v2_value_bytes(Checkpoint({SSP("kafka", "a.b", 3): "7"}), {}))
    assert value["input-offsets"] == {"kafka.a.b.3": "7"}
    assert value["state-checkpoint-markers"] == {} and value["version"] == 2
    millis, nano_id = value["checkpoint-id"].split("-")
    assert int(millis) > 1_600_000_000_000 and 0 <= int(nano_id) < 1_000_000
    # A stream name with a dot reads back whole.
    assert parse_checkpoint_v2_value(json.dumps(value).encode()).offsets == {SSP("kafka", "a.b", 3): "7"}


def test_v2_empty_changelog_marker_is_null_and_reads_back_as_no_offset() -> None:
    checkpoint = Checkpoint({SSP("kafka", "counts-changelog", 0): "5-6:-1"})
    data = checkpoint_v2_value_bytes(checkpoint, STORES)
    assert b'\\"changelog-offset\\":null' in data
    assert parse_checkpoint_v2_value(data).offsets == {SSP("kafka", "counts-changelog", 0): "5-6:null"}


def test_v2_markers_of_other_state_backends_are_left_out() -> None:
    data = json.dumps({"checkpoint-id": "1-2", "input-offsets": {"kafka.t.1": "3"}, "version": 2,
                       "state-checkpoint-markers": {"org.apache.samza.storage.blobstore.BlobStoreStateBackendFactory":
                                                    {"s": "blob-id"}}}).encode()
    assert parse_checkpoint_v2_value(data).offsets == {SSP("kafka", "t", 1): "3"}


@pytest.mark.parametrize("data", [
    b"[]", b'{"input-offsets":{},"state-checkpoint-markers":{}}',
    b'{"checkpoint-id":"1-2","input-offsets":{"kafka-t-0":"1"},"state-checkpoint-markers":{}}',
    b'{"checkpoint-id":"1-2","input-offsets":{"kafka.t.0":1},"state-checkpoint-markers":{}}',
])
def test_bad_v2_values(data: bytes) -> None:
    with pytest.raises(CheckpointFormatError):
        parse_checkpoint_v2_value(data)


def key(kind: str, task: str = "Partition 0", grouper: str = GROUPER) -> bytes:
    return checkpoint_key_bytes(task, grouper, kind)


def v1(offset: str) -> bytes:
    return checkpoint_value_bytes(Checkpoint({SSP("kafka", "topic", 0): offset}))


def v2(offset: str) -> bytes:
    return checkpoint_v2_value_bytes(Checkpoint({SSP("kafka", "topic", 0): offset}), {}, "1-1")


def read(versions: list[int], records: list[tuple[bytes, bytes | None, int]], max_age_ms: int = 600000
         ) -> dict[str, str | None]:
    log = CheckpointLog(TOPIC, GROUPER, True, versions, max_age_ms)
    for k, value, timestamp in records:
        log.apply(k, value, timestamp)
    return {task: c.offsets[SSP("kafka", "topic", 0)] for task, c in log.latest().items()}


def test_java_samza_18_records_read_with_either_version() -> None:
    records = [(key("checkpoint"), V1_VALUE, 1000), (V2_KEY, V2_VALUE, 1001)]
    for versions in ([1], [2], [2, 1], [1, 2]):
        log = CheckpointLog(TOPIC, GROUPER, True, versions, 600000)
        for k, value, timestamp in records:
            log.apply(k, value, timestamp)
        assert log.latest() == {"Partition 0": EXPECTED}, versions


def test_read_versions_select_the_record() -> None:
    both = [(key("checkpoint"), v1("10"), 1000), (key("checkpoint-v2"), v2("20"), 1000)]
    assert read([1], both) == {"Partition 0": "10"}  # Samza 1.8's default
    assert read([2], both) == {"Partition 0": "20"}
    assert read([2, 1], both) == {"Partition 0": "20"}
    assert read([1, 2], both) == {"Partition 0": "10"}
    only_v1 = [(key("checkpoint"), v1("10"), 1000)]
    assert read([2], only_v1) == {}
    assert read([2, 1], only_v1) == {"Partition 0": "10"}


def test_the_preferred_version_wins_until_the_other_is_much_newer() -> None:
    records = [(key("checkpoint-v2"), v2("20"), 1000), (key("checkpoint"), v1("30"), 5000)]
    assert read([2, 1], records, max_age_ms=10000) == {"Partition 0": "20"}
    # The job stopped writing v2: a v1 written more than task.live.checkpoint.max.age later wins.
    assert read([2, 1], records, max_age_ms=3000) == {"Partition 0": "30"}


def test_last_record_per_task_wins_and_unknown_types_are_skipped() -> None:
    records = [
        (key("checkpoint"), v1("1"), 1), (key("checkpoint", "Partition 1"), v1("5"), 2),
        (key("checkpoint"), v1("2"), 3), (key("checkpoint-v3"), b"not json", 4), (None, v1("9"), 5),
    ]
    assert read([1], records) == {"Partition 0": "2", "Partition 1": "5"}
    assert read([1], [*records, (key("checkpoint", "Partition 1"), None, 6)]) == {"Partition 0": "2"}


def test_grouper_mismatch_fails_naming_the_task() -> None:
    with pytest.raises(CheckpointError, match="'Partition 0'.*my.Grouper"):
        read([1], [(key("checkpoint-v2", grouper="my.Grouper"), v2("1"), 1)])
    lenient = CheckpointLog(TOPIC, GROUPER, False, [1], 600000)
    lenient.apply(key("checkpoint", grouper="my.Grouper"), v1("4"), 1)
    assert lenient.latest() == {"Partition 0": Checkpoint({SSP("kafka", "topic", 0): "4"})}


def test_checkpoint_version_keys() -> None:
    task = TaskConfig(Config({}))
    assert task.checkpoint_write_versions == [1, 2] and task.checkpoint_read_versions == [1]
    assert TaskConfig(Config({"task.checkpoint.read.versions": "2, 1"})).checkpoint_read_versions == [2, 1]
    for bad in (" , ", "3", "1,v2"):
        with pytest.raises(ConfigException, match="task.checkpoint.read.versions"):
            _ = TaskConfig(Config({"task.checkpoint.read.versions": bad})).checkpoint_read_versions
    problems = validate(Config({
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "job.default.system": "kafka",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "task.checkpoint.write.versions": "0",
        "task.checkpoint.write.timeout.ms": "soon",
    }))
    assert {p.key for p in problems} >= {"task.checkpoint.write.versions", "task.checkpoint.write.timeout.ms"}
