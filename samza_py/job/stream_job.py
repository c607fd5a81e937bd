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
    #: True when submit() hands the job to a cluster and run-job need not wait for it.
    detached = False

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

    @abstractmethod
    def status(self, config: Config) -> int:
        """Print the state of the job's running instance (run-job --operation status); an exit status."""

    @abstractmethod
    def kill(self, config: Config) -> int:
        """Stop the job's running instance (run-job --operation kill); an exit status."""
