"""StreamJob and StreamJobFactory: what run-job hands a validated config to."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod

from samza_py.config.config import Config


class ApplicationStatus(enum.Enum):
    NEW = "New"
    RUNNING = "Running"
    SUCCESSFUL_FINISH = "SuccessfulFinish"
    UNSUCCESSFUL_FINISH = "UnsuccessfulFinish"


class StreamJob(ABC):
    @abstractmethod
    def submit(self) -> None: ...

    @abstractmethod
    def wait_for_finish(self, timeout_s: float | None = None) -> ApplicationStatus:
        """Block until the job ends (or the timeout passes) and return its status."""

    @abstractmethod
    def kill(self) -> None:
        """Ask every container to stop gracefully."""

    @abstractmethod
    def status(self) -> ApplicationStatus: ...

    @property
    def diagnostics(self) -> str:
        return ""


class StreamJobFactory(ABC):
    @abstractmethod
    def get_job(self, config: Config) -> StreamJob: ...
