"""Join functions of the high-level API (Samza's ``JoinFunction`` and ``StreamTableJoinFunction``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Generic, TypeVar

from samza_py.api.context import TaskContext

K = TypeVar("K")
M = TypeVar("M")
OM = TypeVar("OM")
R = TypeVar("R")
JM = TypeVar("JM")


class JoinFunction(ABC, Generic[K, M, OM, JM]):
    """Joins a message of this stream with the latest message of the other stream that has the same key.

    ``get_first_key`` keys this stream's messages, ``get_second_key`` the other stream's; ``apply`` gets the
    message of this stream first whichever side arrived last. ``init`` runs once per task, ``close`` once
    at its end.
    """

    @abstractmethod
    def apply(self, message: M, other_message: OM) -> JM: ...

    @abstractmethod
    def get_first_key(self, message: M) -> K: ...

    @abstractmethod
    def get_second_key(self, message: OM) -> K: ...

    def init(self, context: TaskContext) -> None:  # noqa: B027 - optional hook
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class StreamTableJoinFunction(ABC, Generic[K, M, R, JM]):
    """Joins a message with the table's record for its key.

    ``apply`` gets ``KV(key, value)`` of the record, or None when the table has none (the function decides
    between inner and outer join: a None result sends nothing on).
    """

    @abstractmethod
    def apply(self, message: M, record: R | None) -> JM | None: ...

    @abstractmethod
    def get_message_key(self, message: M) -> K: ...

    @abstractmethod
    def get_record_key(self, record: R) -> K: ...

    def init(self, context: TaskContext) -> None:  # noqa: B027 - optional hook
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
