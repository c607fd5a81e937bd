"""ReadableCoordinator: the TaskCoordinator handed to one call, read by the run loop afterwards."""

from __future__ import annotations

from samza_py.api import RequestScope, TaskCoordinator


class ReadableCoordinator(TaskCoordinator):
    """One per task, reset after each call is read: tasks must not keep it (Samza's rule), so it is reused."""

    __slots__ = ("requested", "commit_requested", "commit_scope", "shutdown_requested", "shutdown_scope")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requested = False
        self.commit_requested = False
        self.commit_scope = RequestScope.CURRENT_TASK
        self.shutdown_requested = False
        self.shutdown_scope = RequestScope.CURRENT_TASK

    def commit(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        self.requested = True
        self.commit_requested = True
        if scope is RequestScope.ALL_TASKS_IN_CONTAINER:
            self.commit_scope = scope

    def shutdown(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        self.requested = True
        self.shutdown_requested = True
        if scope is RequestScope.ALL_TASKS_IN_CONTAINER:
            self.shutdown_scope = scope
