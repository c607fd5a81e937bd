"""Task -> changelog partition mapping: stable across runs, new tasks appended after the highest one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def assign_changelog_partitions(task_names: Iterable[str], previous: Mapping[str, int]) -> dict[str, int]:
    """Each task keeps its stored partition; unseen tasks, in name order, get max(stored) + 1, + 2, ...

    The maximum counts every stored entry, also tasks that no longer exist, so a partition is never reused.
    The result holds only ``task_names``, in string order.
    """
    next_partition = max(previous.values(), default=-1) + 1
    mapping: dict[str, int] = {}
    for name in sorted(set(task_names)):
        if name in previous:
            mapping[name] = previous[name]
        else:
            mapping[name] = next_partition
            next_partition += 1
    return mapping


def changelog_partition_count(mapping: Mapping[str, int]) -> int:
    """Partitions a changelog topic needs: highest mapped partition + 1 (0 for an empty mapping)."""
    return max(mapping.values(), default=-1) + 1
