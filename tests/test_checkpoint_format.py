"""Checkpoint key and v1 value bytes, as Samza writes them."""

from __future__ import annotations

import pytest

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.serde import (
    CheckpointFormatError,
    CheckpointKey,
    checkpoint_key_bytes,
    checkpoint_value_bytes,
    parse_checkpoint_key,
    parse_checkpoint_value,
)

SSP = SystemStreamPartition.of
GROUP_BY_PARTITION = "org.apache.samza.container.grouper.stream.GroupByPartitionFactory"
KEY = (
    b'{"systemstreampartition-grouper-factory":"org.apache.samza.container.grouper.stream.GroupByPartitionFactory",'
    b'"taskName":"Partition 0","type":"checkpoint"}'
)


def test_key_bytes_exact() -> None:
    assert checkpoint_key_bytes("Partition 0", GROUP_BY_PARTITION) == KEY


def test_key_uses_samzas_name_for_our_grouper() -> None:
    assert checkpoint_key_bytes("Partition 0", "samza_py.job.grouper.GroupByPartitionFactory") == KEY
    custom = checkpoint_key_bytes("t", "my.pkg.Grouper")
    assert b'"systemstreampartition-grouper-factory":"my.pkg.Grouper"' in custom


def test_key_round_trip() -> None:
    assert parse_checkpoint_key(KEY) == CheckpointKey("checkpoint", "Partition 0", GROUP_BY_PARTITION)
    name = "SystemStreamPartition [kafka, é, 3]"
    data = checkpoint_key_bytes(name, GROUP_BY_PARTITION)
    assert "é".encode() in data
    assert parse_checkpoint_key(data).task_name == name


def test_key_field_order_does_not_matter_when_reading() -> None:
    data = b'{"type":"checkpoint","taskName":"Partition 1","systemstreampartition-grouper-factory":"g"}'
    assert parse_checkpoint_key(data) == ("checkpoint", "Partition 1", "g")


@pytest.mark.parametrize("data", [b"", b"[]", b'{"type":"checkpoint","taskName":"t"}', b'{"type":1}', b"\xff"])
def test_bad_keys(data: bytes) -> None:
    with pytest.raises(CheckpointFormatError):
        parse_checkpoint_key(data)


def test_value_bytes_exact() -> None:
    checkpoint = Checkpoint({SSP("kafka", "wikipedia-edits", 0): "1234"})
    assert checkpoint_value_bytes(checkpoint) == (
        b'{"SystemStreamPartition [kafka, wikipedia-edits, 0]":'
        b'{"system":"kafka","stream":"wikipedia-edits","partition":"0","offset":"1234"}}'
    )


def test_value_sorted_and_null_offsets() -> None:
    checkpoint = Checkpoint({SSP("kafka", "b", 10): "7", SSP("kafka", "b", 2): None, SSP("kafka", "a", 5): "0"})
    assert checkpoint_value_bytes(checkpoint) == (
        b'{"SystemStreamPartition [kafka, a, 5]":{"system":"kafka","stream":"a","partition":"5","offset":"0"},'
        b'"SystemStreamPartition [kafka, b, 2]":{"system":"kafka","stream":"b","partition":"2","offset":null},'
        b'"SystemStreamPartition [kafka, b, 10]":{"system":"kafka","stream":"b","partition":"10","offset":"7"}}'
    )


def test_value_round_trip_byte_for_byte() -> None:
    checkpoint = Checkpoint({SSP("kafka", "x", p): str(p * 100) for p in range(12)} | {SSP("kafka", "y", 0): None})
    data = checkpoint_value_bytes(checkpoint)
    parsed = parse_checkpoint_value(data)
    assert parsed == checkpoint
    assert checkpoint_value_bytes(parsed) == data


def test_value_from_samza_1x_with_key_bucket() -> None:
    data = (
        b'{"SystemStreamPartition [kafka, x, 0]":'
        b'{"keyBucket":"-1","partition":"0","offset":"42","system":"kafka","stream":"x"}}'
    )
    assert parse_checkpoint_value(data) == Checkpoint({SSP("kafka", "x", 0): "42"})


def test_empty_checkpoint() -> None:
    assert checkpoint_value_bytes(Checkpoint({})) == b"{}"
    assert parse_checkpoint_value(b"{}") == Checkpoint({})


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"k":"v"}',
        b'{"k":{"system":"kafka","stream":"x","offset":"1"}}',
        b'{"k":{"system":"kafka","stream":"x","partition":"a","offset":"1"}}',
        b'{"k":{"system":"kafka","stream":"x","partition":0,"offset":"1"}}',
        b'{"k":{"system":"kafka","stream":"x","partition":"0","offset":1}}',
    ],
)
def test_bad_values(data: bytes) -> None:
    with pytest.raises(CheckpointFormatError):
        parse_checkpoint_value(data)


def test_checkpoint_is_read_only() -> None:
    source = {SSP("kafka", "x", 0): "1"}
    checkpoint = Checkpoint(source)
    source[SSP("kafka", "x", 1)] = "2"
    assert len(checkpoint.offsets) == 1
    with pytest.raises(TypeError):
        checkpoint.offsets[SSP("kafka", "x", 0)] = "9"  # type: ignore[index]
