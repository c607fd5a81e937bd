"""Message choosing across input partitions (Samza's RoundRobinChooser).

The chooser orders SSPs, never messages within one: each SSP's buffer is consumed in offset order.
With ``task.consumer.batch.size`` N it takes up to N messages in a row from one SSP before moving on.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol, runtime_checkable

from samza_py.api import SystemStreamPartition
from samza_py.config.config import Config


@runtime_checkable
class MessageChooser(Protocol):
    """What the container asks of a chooser; a ``task.chooser.class`` factory's ``get_chooser(config)`` returns one.

    It orders SSPs that have buffered messages, never messages within one SSP.
    """

    def offer(self, ssp: SystemStreamPartition) -> None:
        """``ssp`` has buffered messages (again)."""

    def choose(self) -> SystemStreamPartition | None:
        """The SSP whose next message is processed next, or None."""

    def choose_run(self, limit: int) -> tuple[SystemStreamPartition | None, int]:
        """The next SSP and how many of its messages (1..``limit``) may be processed in a row."""

    def give_back(self, ssp: SystemStreamPartition, unused: int) -> None:
        """A run of ``ssp`` took ``unused`` fewer messages than granted and its buffer is not empty."""

    def exhausted(self, ssp: SystemStreamPartition) -> None:
        """``ssp``'s buffer ran empty: forget it until it is offered again."""

    def empty(self) -> bool:
        """No SSP to choose."""


class RoundRobinChooser:
    __slots__ = ("_ready", "_queued", "_batch_size", "_current", "_left", "_lent")

    def __init__(self, batch_size: int = 1) -> None:
        self._ready: deque[SystemStreamPartition] = deque()
        self._queued: set[SystemStreamPartition] = set()
        self._batch_size = max(1, batch_size)
        self._current: SystemStreamPartition | None = None
        self._left = 0
        self._lent = 0  # turns of the batch the last run took beyond its first message

    def offer(self, ssp: SystemStreamPartition) -> None:
        """``ssp`` has buffered messages (again)."""
        if ssp not in self._queued and ssp != self._current:
            self._queued.add(ssp)
            self._ready.append(ssp)

    def choose(self) -> SystemStreamPartition | None:
        if self._current is not None and self._left > 0:
            self._left -= 1
            return self._current
        if self._current is not None:
            # Its batch is used up: it goes to the back of the line.
            self._queued.add(self._current)
            self._ready.append(self._current)
            self._current = None
        if not self._ready:
            return None
        ssp = self._ready.popleft()
        self._queued.discard(ssp)
        self._current, self._left = ssp, self._batch_size - 1
        return ssp

    def choose_run(self, limit: int) -> tuple[SystemStreamPartition | None, int]:
        """The next SSP and how many messages in a row may be taken from it (at most ``limit``).

        That is what is left of its batch; with no other SSP waiting, up to ``limit``: taking them one at
        a time would choose the same SSP again and again.
        """
        ssp = self.choose()
        if ssp is None:
            return None, 0
        if not self._ready:
            self._lent = 0
            return ssp, limit
        more = self._lent = min(self._left, limit - 1)
        self._left -= more
        return ssp, 1 + more

    def give_back(self, ssp: SystemStreamPartition, unused: int) -> None:
        """A run stopped early (a commit or shutdown request): its unused turns stay ``ssp``'s."""
        if unused > 0 and ssp == self._current:
            self._left += min(unused, self._lent)
        self._lent = 0

    def exhausted(self, ssp: SystemStreamPartition) -> None:
        """``ssp``'s buffer ran empty: drop it until it is offered again."""
        if ssp is self._current or ssp == self._current:
            self._current, self._left = None, 0
        elif ssp in self._queued:
            self._queued.discard(ssp)
            self._ready.remove(ssp)

    def empty(self) -> bool:
        return self._current is None and not self._ready


class RoundRobinChooserFactory:
    def get_chooser(self, config: Config) -> RoundRobinChooser:
        return RoundRobinChooser(config.get_int("task.consumer.batch.size", 1))
