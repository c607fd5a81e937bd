"""TaskCoordinator: how a task asks for a commit or a shutdown."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod


class RequestScope(enum.Enum):
    CURRENT_TASK = "current-task"
    ALL_TASKS_IN_CONTAINER = "all-tasks-in-container"


class TaskCoordinator(ABC):
    """Passed fresh to each ``process``/``window`` call and read after it returns.

    ``shutdown(CURRENT_TASK)`` is a vote: the container stops once every task has voted.
    ``shutdown(ALL_TASKS_IN_CONTAINER)`` stops right after the current message.
    """

    @abstractmethod
    def commit(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None: ...

    @abstractmethod
    def shutdown(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None: ...
