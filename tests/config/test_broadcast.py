"""task.broadcast.inputs: system.stream#N and system.stream#[a-b]."""

from __future__ import annotations

import pytest

from samza_py.api import SystemStreamPartition
from samza_py.config import ConfigException, TaskConfig, parse_broadcast_inputs


def ssp(system: str, stream: str, n: int) -> SystemStreamPartition:
    return SystemStreamPartition.of(system, stream, n)


def test_single_partitions_and_ranges() -> None:
    value = "kafka.config#0, kafka.lookup#[1-3],kafka.my.dotted#[5-5]"
    assert parse_broadcast_inputs(value) == {
        ssp("kafka", "config", 0),
        ssp("kafka", "lookup", 1),
        ssp("kafka", "lookup", 2),
        ssp("kafka", "lookup", 3),
        ssp("kafka", "my.dotted", 5),
    }


def test_empty_and_blank_items() -> None:
    assert parse_broadcast_inputs("") == set()
    assert parse_broadcast_inputs(" , kafka.a#2 ,") == {ssp("kafka", "a", 2)}


def test_task_config_view() -> None:
    assert TaskConfig({"task.broadcast.inputs": "kafka.a#[0-1]"}).broadcast_inputs == {
        ssp("kafka", "a", 0),
        ssp("kafka", "a", 1),
    }


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("kafka.a", "expected 'system.stream#N'"),
        ("nodot#1", "is not 'system.stream'"),
        ("kafka.a#", "is not a partition number"),
        ("kafka.a#x", "is not a partition number"),
        ("kafka.a#-1", "is not a partition number"),
        ("kafka.a#[1]", "expected 'system.stream#N'"),
        ("kafka.a#[1-2-3]", "expected 'system.stream#N'"),
        ("kafka.a#[3-1]", "start is above its end"),
        ("kafka.a#[1-x]", "is not a partition number"),
        ("kafka.a#1,kafka.b", "expected 'system.stream#N'"),
    ],
)
def test_bad_syntax(value: str, fragment: str) -> None:
    with pytest.raises(ConfigException) as info:
        parse_broadcast_inputs(value)
    assert info.value.key == "task.broadcast.inputs"
    assert fragment in info.value.message
