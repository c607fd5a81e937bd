"""The container a standalone processor runs for its part of the active job model, in a thread.

Stopped gracefully (a last commit) when a new job model comes, fenced (no commit) when the ZooKeeper
session is in doubt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from samza_py.config.config import Config
from samza_py.config.task_config import TaskConfig
from samza_py.container.lease import Lease
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.model import ContainerModel

log = logging.getLogger(__name__)


class ContainerStopTimeoutError(Exception):
    """The container did not stop within task.shutdown.ms; the processor must not start another."""


class ContainerRunner:
    def __init__(
        self, config: Config, on_exit: Callable[[BaseException | None, bool], None], lease: Lease | None = None
    ) -> None:
        self.config = config
        self.lease = lease
        self.self_fenced = False  # the last container was fenced without the coordinator asking
        self._halting = False  # the coordinator is stopping or fencing the container
        self._on_exit = on_exit
        self._shutdown_s = TaskConfig(config).shutdown_ms / 1000.0
        self._container: SamzaContainer | None = None
        self._thread: threading.Thread | None = None
        self.version: int | None = None  # the job model version the running container belongs to
        self.tasks: list[str] = []

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, version: int, model: ContainerModel) -> None:
        assert not self.running, "a container is already running"
        container = SamzaContainer(self.config, model, lease=self.lease)
        self.self_fenced = self._halting = False
        self._container, self.version, self.tasks = container, version, sorted(model.tasks)
        self._thread = threading.Thread(target=self._run, args=(container,), daemon=True,
                                        name=f"samza-container-{model.processor_id}")
        self._thread.start()
        log.info("started container for job model version %d with task(s) %s", version, self.tasks)

    def _run(self, container: SamzaContainer) -> None:
        failure: BaseException | None = None
        try:
            container.run()
        except BaseException as exc:  # reported to the coordinator, which stops the processor
            log.exception("container failed")
            failure = exc
        if failure is not None:
            self._on_exit(failure, False)
        elif self._halting:
            pass  # the coordinator stopped or fenced it and is waiting for it
        elif container.fenced:
            # Fenced from ZooKeeper's thread or by its own lease: the coordinator decides what runs next.
            self.self_fenced = True
            self._on_exit(None, True)
        else:
            # Ended by itself (every task asked to shut down, or bounded input ended): the processor ends too.
            self._on_exit(None, False)

    def stop(self) -> None:
        """Graceful: the run loop stops after its current run and commits; returns once it has stopped."""
        self._halt(fence=False)

    def fence(self) -> None:
        """At once, committing nothing more."""
        self._halt(fence=True)

    def signal_fence(self) -> None:
        """Fence without waiting for the container to stop (from a thread that must not block)."""
        container = self._container
        if container is not None:
            container.fence()

    def _halt(self, fence: bool) -> None:
        container, thread = self._container, self._thread
        if container is None or thread is None:
            return
        self._halting = True
        if fence:
            container.fence()
        else:
            container.request_stop()
        started = time.monotonic()
        thread.join(self._shutdown_s)
        if thread.is_alive():
            raise ContainerStopTimeoutError(
                f"the container of job model version {self.version} did not stop within task.shutdown.ms "
                f"({self._shutdown_s * 1000:.0f} ms)")
        log.info("%s container of job model version %s (task(s) %s) in %.1f s",
                 "fenced" if fence else "stopped", self.version, self.tasks, time.monotonic() - started)
        self._container = self._thread = None
        self.version, self.tasks = None, []
