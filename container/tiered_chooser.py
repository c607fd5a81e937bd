"""TieredPriorityChooser: Samza's priority tiers (``samza.priority``) over per-tier choosers.

A higher tier is always chosen while any of its SSPs has buffered messages; SSPs of one tier share that
tier's own chooser (round-robin by default). Messages only arrive between runs (the run loop polls between
runs), so a run of a lower tier never hides a message of a higher tier that was already buffered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from samza_py.api import SystemStreamPartition
from samza_py.container.chooser import MessageChooser


class TieredPriorityChooser:
    __slots__ = ("_tiers", "_tier_of", "_default")

    def __init__(self, tiers: Sequence[tuple[int, MessageChooser]],
                 priority_of: Mapping[SystemStreamPartition, int], default_priority: int) -> None:
        ordered = sorted(tiers, key=lambda tier: -tier[0])
        self._tiers = [chooser for _, chooser in ordered]
        by_priority = dict(ordered)
        self._tier_of = {ssp: by_priority[priority] for ssp, priority in priority_of.items()}
        self._default = by_priority[default_priority]

    def _tier(self, ssp: SystemStreamPartition) -> MessageChooser:
        return self._tier_of.get(ssp, self._default)

    def offer(self, ssp: SystemStreamPartition) -> None:
        self._tier(ssp).offer(ssp)

    def choose_run(self, limit: int) -> tuple[SystemStreamPartition | None, int]:
        for chooser in self._tiers:
            if not chooser.empty():
                return chooser.choose_run(limit)
        return None, 0

    def choose(self) -> SystemStreamPartition | None:
        for chooser in self._tiers:
            if not chooser.empty():
                return chooser.choose()
        return None

    def give_back(self, ssp: SystemStreamPartition, unused: int) -> None:
        self._tier(ssp).give_back(ssp, unused)

    def exhausted(self, ssp: SystemStreamPartition) -> None:
        self._tier(ssp).exhausted(ssp)

    def empty(self) -> bool:
        return all(chooser.empty() for chooser in self._tiers)
