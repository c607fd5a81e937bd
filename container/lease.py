"""Lease: until when a container may process and commit.

Standalone processors renew it while their ZooKeeper session is known to be alive; a container whose
lease runs out (the process was frozen, or cut off from ZooKeeper, for longer than the session allows)
fences itself before its next run of messages, even if no ZooKeeper event has been seen yet. Other
containers have none and never expire.
"""

from __future__ import annotations

import time


class Lease:
    __slots__ = ("deadline",)

    def __init__(self, deadline: float = float("inf")) -> None:
        self.deadline = deadline  # time.monotonic() seconds

    def valid(self) -> bool:
        return time.monotonic() < self.deadline

    def renew(self, until: float) -> None:
        self.deadline = until

    def revoke(self) -> None:
        self.deadline = float("-inf")
