"""Changelog partition mapping (semantics §3.4)."""

from __future__ import annotations

from samza_py.job.changelog_mapping import assign_changelog_partitions, changelog_partition_count

TWELVE = [f"Partition {i}" for i in range(12)]


def test_first_run_of_twelve_tasks() -> None:
    mapping = assign_changelog_partitions(reversed(TWELVE), {})
    assert mapping == {
        "Partition 0": 0,
        "Partition 1": 1,
        "Partition 10": 2,
        "Partition 11": 3,
        "Partition 2": 4,
        "Partition 3": 5,
        "Partition 4": 6,
        "Partition 5": 7,
        "Partition 6": 8,
        "Partition 7": 9,
        "Partition 8": 10,
        "Partition 9": 11,
    }
    assert list(mapping) == sorted(TWELVE)
    assert changelog_partition_count(mapping) == 12


def test_later_run_with_two_new_tasks_keeps_stored_partitions() -> None:
    stored = assign_changelog_partitions(TWELVE, {})
    fourteen = TWELVE + ["Partition 12", "Partition 13"]
    mapping = assign_changelog_partitions(fourteen, stored)
    for name, partition in stored.items():
        assert mapping[name] == partition
    # New tasks in string order after the highest stored partition.
    assert mapping["Partition 12"] == 12
    assert mapping["Partition 13"] == 13
    assert changelog_partition_count(mapping) == 14


def test_new_tasks_follow_the_maximum_even_of_departed_tasks() -> None:
    mapping = assign_changelog_partitions(["b", "c", "a"], {"a": 0, "gone": 7})
    assert mapping == {"a": 0, "b": 8, "c": 9}


def test_empty() -> None:
    assert assign_changelog_partitions([], {"a": 3}) == {}
    assert changelog_partition_count({}) == 0
