"""ZkJobCoordinator: one standalone processor's part in the job, driven by what ZooKeeper holds.

Every watch, session change and timer only wakes one coordinator thread, which then reconciles: it
reads the group and the job model version from ZooKeeper and acts (register, stop and commit, join a
barrier, start a container, and, on the leader, publish a model or settle a barrier). One thread and
level-triggered decisions keep reconnects, leader changes and missed events simple.

Fencing: when the session is suspended or lost, the container is fenced at once (no more processing or
commits), before the session can expire and the leader can give its tasks to others. A suspended
session that comes back resumes the same model; a lost one rejoins as a new member and waits for a
model published after it joined.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import ConnectionLoss, KazooException
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.retry import KazooRetry

from samza_py.config.config import Config
from samza_py.config.zk_config import CONNECTION_TIMEOUT_KEY, ZK_CONNECT_KEY, ZkConfig
from samza_py.container.lease import Lease
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.container_runner import ContainerRunner, ContainerStopTimeoutError
from samza_py.coordinator.zk.job_models import read_job_model, read_version
from samza_py.coordinator.zk.leader import Leadership, compute_standalone_job_model
from samza_py.coordinator.zk.membership import DuplicateProcessorIdError, Member, leader_of, list_members, register
from samza_py.coordinator.zk.paths import ZkPaths
from samza_py.job.model import JobModel

log = logging.getLogger(__name__)

TICK_S = 1.0  # reconcile at least this often: timers (debounce, consensus) need no watch
MAX_FAILURES = 20  # consecutive failed passes (other than ZooKeeper being away) before the processor gives up


class ZkConnectError(Exception):
    """ZooKeeper could not be reached within the connection timeout; names the key to check."""


def connect(config: Config) -> KazooClient:
    """A started client, or ZkConnectError naming ``job.coordinator.zk.connect``."""
    zk_config = ZkConfig(config)
    hosts = zk_config.connect
    timeout_ms = zk_config.connection_timeout_ms
    chroot = hosts.split("/", 1)[1] if "/" in hosts else ""
    if chroot:
        # The chroot node itself must exist before a client rooted there can create anything.
        plain = _start(hosts.split("/", 1)[0], zk_config.session_timeout_ms, timeout_ms)
        try:
            plain.ensure_path("/" + chroot)
        finally:
            plain.stop()
            plain.close()
    return _start(hosts, zk_config.session_timeout_ms, timeout_ms)


def _start(hosts: str, session_timeout_ms: int, connection_timeout_ms: int) -> KazooClient:
    # Reconnect forever, at most 2 s apart (kazoo's default backs off up to an hour after a long outage).
    retry = KazooRetry(max_tries=-1, delay=0.1, backoff=2, max_delay=2.0)
    client = KazooClient(hosts=hosts, timeout=session_timeout_ms / 1000.0, connection_retry=retry)
    try:
        client.start(timeout=connection_timeout_ms / 1000.0)
    except KazooTimeoutError:
        client.stop()
        client.close()
        raise ZkConnectError(
            f"{ZK_CONNECT_KEY}: cannot connect to ZooKeeper at {hosts!r} within {CONNECTION_TIMEOUT_KEY} "
            f"({connection_timeout_ms} ms)") from None
    return client


class ZkJobCoordinator:
    def __init__(
        self,
        config: Config,
        processor_id: str,
        zk: KazooClient | None = None,
        compute: Callable[[Config, Sequence[str]], JobModel] = compute_standalone_job_model,
    ) -> None:
        self.config = config
        self._compute = compute
        self.processor_id = processor_id
        self.paths = ZkPaths.from_config(config)
        self.host = socket.gethostname()
        self._zk = zk
        self._wakeups: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()  # guards the connection state against container starts
        self._connected = False
        self._session_lost = False
        self._stop_requested = False
        self._closed = threading.Event()
        self._exit: tuple[BaseException | None] | None = None  # set when the container ended by itself
        self._session_timeout_s = ZkConfig(config).session_timeout_ms / 1000.0
        self.lease = Lease(float("-inf"))  # renewed by _keep_lease while this membership's session is alive
        self.runner = ContainerRunner(config, self._container_exited, self.lease)
        self.member: Member | None = None
        self.is_leader = False
        self._leadership: Leadership | None = None
        self._floor = 0  # versions up to this one were published before this membership began
        self._joined: tuple[int, JobModel] | None = None  # version whose barrier this processor joined
        self._started: int | None = None  # joined version whose DONE was acted on (container started or idle)
        self._last_done: tuple[int, JobModel] | None = None  # last model run in this membership

    # ------------------------------------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Graceful stop (SIGTERM, Ctrl-C): safe from a signal handler."""
        self._stop_requested = True
        self._wakeups.put("stop")

    def _wake(self, *_args: Any) -> None:
        self._wakeups.put("watch")

    def _container_exited(self, failure: BaseException | None, fenced: bool) -> None:
        if not fenced:
            self._exit = (failure,)
        self._wakeups.put("container")

    def _renew_lease(self) -> bool:
        """Renew the lease if this membership's ephemeral znode is alive on the current session.

        The server heard from this session at or after ``asked``, so it cannot expire it before
        ``asked + session timeout``; the lease ends a third earlier, for margin.
        """
        zk, member = self._zk, self.member
        if zk is None or member is None or not self._connected:
            return False
        asked = time.monotonic()
        try:
            stat = zk.exists(f"{self.paths.processors}/{member.znode}")
        except KazooException:
            return False
        if stat is None or stat.ephemeralOwner != zk.client_id[0]:
            return False
        self.lease.renew(asked + self._session_timeout_s * 2 / 3)
        return True

    def _keep_lease(self) -> None:
        # Until the client closes, so a graceful stop's last commit still holds a lease.
        while not self._closed.wait(self._session_timeout_s / 6):
            self._renew_lease()

    def _on_session_state(self, state: str) -> None:
        # Called on kazoo's thread: never block here; fencing only flags the container.
        with self._lock:
            self._connected = state == KazooState.CONNECTED
            if state == KazooState.LOST:
                self._session_lost = True
            if state != KazooState.CONNECTED:
                self.lease.revoke()
                if self.runner.running:
                    self.runner.signal_fence()
        if state == KazooState.CONNECTED:
            log.info("ZooKeeper session CONNECTED")
        else:
            log.warning("ZooKeeper session %s: container fenced (no more processing or commits)", state)
        self._wakeups.put("session")

    # --------------------------------------------------------------------------------------------- run
    def run(self) -> None:
        """Until stopped or the container ends; raises on a failure that stops the processor."""
        if self._zk is None:
            self._zk = connect(self.config)
        zk = self._zk
        self._connected = zk.connected
        zk.add_listener(self._on_session_state)
        try:
            self._join_group()
            threading.Thread(target=self._keep_lease, name="zk-lease", daemon=True).start()
            self._loop()
        finally:
            self._leave(zk)

    def _loop(self) -> None:
        failures = 0
        delay = TICK_S
        while not self._stop_requested:
            if self._exit is not None:
                failure = self._exit[0]
                if failure is not None:
                    raise failure
                log.info("the container ended by itself: stopping the processor")
                return
            try:
                self._reconcile()
                failures, delay = 0, TICK_S
            except KazooException as exc:
                log.info("ZooKeeper not available (%s): trying again", type(exc).__name__)
            except (ContainerStopTimeoutError, DuplicateProcessorIdError):
                raise
            except Exception:
                failures += 1
                log.exception("coordination step failed (%d of %d in a row)", failures, MAX_FAILURES)
                if failures >= MAX_FAILURES:
                    raise
                delay = min(10.0, TICK_S * 2 ** failures)
            self._wait(delay)

    def _wait(self, timeout_s: float) -> None:
        try:
            self._wakeups.get(timeout=timeout_s)
            while True:  # one pass answers every wakeup queued so far
                self._wakeups.get_nowait()
        except queue.Empty:
            pass

    def _join_group(self) -> None:
        assert self._zk is not None
        self._session_lost = False
        self.member = register(self._zk, self.paths, self.host, self.processor_id)
        self._floor = read_version(self._zk, self.paths.job_model_version) or 0
        self._joined = self._last_done = None
        self._started = None

    def _leave(self, zk: KazooClient) -> None:
        try:
            # Connected: a graceful stop with a last commit; otherwise others may own the tasks by now.
            if self._connected:
                self.runner.stop()
            else:
                self.runner.fence()
        finally:
            try:
                if self.member is not None and zk.connected:
                    # Leaving at once lets the leader rebalance now instead of after the session timeout.
                    zk.delete(f"{self.paths.processors}/{self.member.znode}")
            except KazooException as exc:
                log.info("could not remove %s from the group (%s); its session ends it", self.member, exc)
            zk.remove_listener(self._on_session_state)
            self._closed.set()
            zk.stop()
            zk.close()
            log.info("processor %s left the job", self.processor_id)

    # ------------------------------------------------------------------------------------------ decide
    def _reconcile(self) -> None:
        zk = self._zk
        assert zk is not None
        if not self._connected:
            self.runner.fence()  # already flagged by the session listener; wait until it has stopped
            self._started = None  # decide again once connected
            return
        registered = self.member is not None and zk.exists(f"{self.paths.processors}/{self.member.znode}") is not None
        if self._session_lost or not registered:
            self.runner.fence()
            log.warning("ZooKeeper session expired: processor %s rejoins the job as a new member", self.processor_id)
            self._join_group()
        members = list_members(zk, self.paths, watch=self._wake)
        leader = leader_of(members)
        assert self.member is not None
        leading = leader is not None and leader.znode == self.member.znode
        if leading != self.is_leader:
            log.info("processor %s is %s the leader", self.processor_id, "now" if leading else "no longer")
            self.is_leader = leading
            self._leadership = Leadership(self.config, zk, self.paths, self._compute) if leading else None
        self._follow(zk)
        if self._leadership is not None and self._leadership.act(members, self._wake):
            self._wakeups.put("published")

    def _follow(self, zk: KazooClient) -> None:
        if zk.exists(self.paths.job_model_version, watch=self._wake) is None:
            return
        latest = read_version(zk, self.paths.job_model_version)
        joined = self._joined[0] if self._joined is not None else 0
        if latest is not None and latest > max(self._floor, joined):
            # A new version: stop (with a last commit) before saying so on the barrier.
            self.runner.stop()
            model = read_job_model(zk, self.paths, latest)
            barrier.join_barrier(zk, self.paths, latest, self.processor_id)
            log.info("joined the barrier of job model version %d", latest)
            self._joined, self._started = (latest, model), None
        if self.runner.self_fenced and not self.runner.running:
            self.runner.fence()  # forget the stopped container
            self.runner.self_fenced = False
            self._started = None  # fenced meanwhile: start again, as the session is fine
        if self._joined is None or self._started == self._joined[0]:
            return
        version, model = self._joined
        state = barrier.barrier_state(zk, self.paths, version, watch=self._wake)
        if state == barrier.DONE:
            self._start(version, model)
            self._last_done = (version, model)
            self._started = version
        elif state == barrier.TIMED_OUT:
            self._started = version
            if self._last_done is None:
                log.warning("job model version %d timed out on its barrier and this processor ran no earlier one: "
                            "idle until the leader publishes another", version)
            else:
                log.warning("job model version %d timed out on its barrier: back to version %d until the leader "
                            "publishes another", version, self._last_done[0])
                self._start(*self._last_done)

    def _start(self, version: int, model: JobModel) -> None:
        container = model.containers.get(self.processor_id)
        if container is None or not container.tasks:
            log.info("job model version %d gives processor %s no tasks: idle", version, self.processor_id)
            return
        if not self._renew_lease():
            raise KazooException("cannot renew the lease: session not confirmed")
        with self._lock:
            if not self._connected:
                raise ConnectionLoss("the session went away meanwhile")  # the next pass decides again
            self.runner.start(version, container)


class ZkJobCoordinatorFactory:
    """What ``job.coordinator.factory=org.apache.samza.zk.ZkJobCoordinatorFactory`` names."""

    def get_job_coordinator(self, config: Config, processor_id: str) -> ZkJobCoordinator:
        return ZkJobCoordinator(config, processor_id)
