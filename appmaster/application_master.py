"""SamzaApplicationMaster: computes the job model, starts one YARN container per processor through
skein, and keeps them running under Samza's retry policy until they all finish or the job fails.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from samza_py.application.graph_view import operator_nodes
from samza_py.config.aliases import resolve_class
from samza_py.config.cluster_manager_config import ClusterManagerConfig
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig
from samza_py.container.liveness import LIVENESS_KEY
from samza_py.coordinator.stream import SET_TASK_CONTAINER, CoordinatorStream, container_hosts, task_assignment
from samza_py.job.calculator import compute_job_model
from samza_py.job.job_streams import create_job_streams
from samza_py.job.model import ACTIVE, JobModel
from samza_py.job.status_summary import METRICS_URL_KEY
from samza_py.system.interfaces import SystemAdmin

from .container_book import ContainerBook
from .host_affinity import SKEIN_REQUEST_LATENCY_S, HostAffinity
from .job_status import JobState, MetricsScraper, ProcessorState, build_status
from .liveness_watch import LivenessWatch
from .retry_policy import ContainerRetryPolicy
from .standby_failover import JobFailed, StandbyFailover
from .standby_manager import StandbyManager
from .status_history import StatusHistory

log = logging.getLogger("samza_py.appmaster")
NODE_PROBE_TIMEOUT_S = 1.0


def node_reachable(address: str) -> bool:
    """Whether a NodeManager answers at its web address (``host:port``)."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=NODE_PROBE_TIMEOUT_S).close()
    except (OSError, ValueError):
        return False
    return True

JOB_MODEL_KEY = "job-model"
FINISHED = ("SUCCEEDED", "FAILED", "KILLED")
# Exits YARN causes itself (preemption, node loss, bad disks): re-run elsewhere, not counted as failures.
# How long a container seen dead through its liveness socket has to report its exit status before it is
# killed (its launch script reports within a second or two).
GONE_KILL_AFTER_S = 10.0
NOT_COUNTED = ("preempt", "aborted", "lost node", "disks failed", "node was lost")


def skein_container_id(container: Any) -> str:
    return f"{container.service_name}_{container.instance}"


class SamzaApplicationMaster:
    def __init__(self, config: Config, app: Any, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.app = app
        self.clock = clock
        cluster = ClusterManagerConfig(config)
        self.policy = ContainerRetryPolicy(
            cluster.container_retry_count, cluster.container_retry_window_ms, cluster.fail_job_after_retries
        )
        self.poll_s = cluster.am_poll_interval_ms / 1000.0
        self.partition_check_s = config.get_int("job.coordinator.monitor-partition-change.frequency.ms", 300000) / 1000
        self.coordinator = CoordinatorStream(config)
        systems = SystemConfig(config)
        self.admins: dict[str, SystemAdmin] = {
            s: resolve_class(systems.factory_class(s))().get_admin(s, config) for s in systems.system_names()
        }
        self.job_model: JobModel | None = None
        self.completed: set[str] = set()
        self.partition_counts: dict[tuple[str, str], int] = {}
        job = JobConfig(config)
        self.job_state = JobState(job.name, job.id, os.environ.get("SKEIN_APPLICATION_ID"))
        self.book = ContainerBook(self.job_state.processors)
        # The operator graph of a high-level application, and the job's throughput and lag, for the page.
        self.operators = operator_nodes(config)
        self.history = StatusHistory()
        self.scraper = MetricsScraper(on_scrape=lambda scrapes: self.history.record(int(time.time() * 1000), scrapes))
        # Containers publish a metrics URL only when a reporter serves one; without reporters, never ask.
        self.expects_metrics_urls = bool(MetricsConfig(config).reporters)
        affinity = job.host_affinity_enabled
        services = app.get_specification().services if affinity else {}
        self.affinity = HostAffinity.from_services(affinity, services, cluster.container_request_timeout_ms)
        self.failover = StandbyFailover(self.book, self.affinity, self.policy, self.start_container,
                                        app.kill_container, app.kv, clock)
        self.liveness = LivenessWatch(self._liveness_address)
        self.gone: dict[str, tuple[str, float]] = {}  # skein id → (processor, when) of a container seen dead
        self.node_addresses: dict[str, str] = {}  # host → its NodeManager's web address (is the node up?)

    def _liveness_address(self, cid: str) -> str | None:
        value = self.app.kv.get(f"{LIVENESS_KEY}{cid}")
        return None if value is None else bytes(value).decode()

    def status(self) -> dict[str, Any]:
        """The live status (called from the status page's threads: reads only)."""
        return build_status(self.job_state, self.job_model, self.config, dict(self.scraper.scrapes),
                            operators=self.operators, history=self.history.points(), standby=self.standby)

    # The book's state under the AM's own names.
    @property
    def current(self) -> dict[str, str]:
        return self.book.current

    @property
    def standby(self) -> StandbyManager | None:
        return self.book.standby

    @standby.setter
    def standby(self, standby: StandbyManager | None) -> None:
        self.book.standby = standby

    def processor(self, pid: str) -> ProcessorState:
        return self.book.processor(pid)

    # ------------------------------------------------------------------------------------ model
    def compute_model(self) -> JobModel:
        job = JobConfig(self.config)
        state = self.coordinator.read()
        previous_changelog = {k: int(v["Partition"]) for (kind, k), v in state.items() if kind == "set-changelog"}
        previous_assignment = task_assignment(state) if job.host_affinity_enabled else None
        self.book.recorded_hosts = container_hosts(state)
        model, changelog = compute_job_model(self.config, self.admins, previous_changelog, previous_assignment)
        self.coordinator.write_changelog_mapping(changelog, previous_changelog)
        self.coordinator.write("job-coordinator", {
            (SET_TASK_CONTAINER, task): {"containerId": pid}
            for pid, container in model.containers.items() for task, t in container.tasks.items() if t.mode == ACTIVE
        })
        create_job_streams(self.config, self.admins, changelog)
        self.partition_counts = self._partition_counts()
        log.info("job model: %d task(s) in %d container(s): %s", len(model.task_models()), len(model.containers),
                 {pid: sorted(c.tasks) for pid, c in sorted(model.containers.items())})
        self.app.kv[JOB_MODEL_KEY] = model.to_json().encode()
        for pid in model.containers:
            self.processor(pid)
        self.job_model = model
        standby = StandbyManager(model)
        self.standby = standby if standby.enabled else None
        return model

    def start_all(self, model: JobModel, why: str) -> None:
        """Every active container now; standbys once their actives' hosts are known (``place_standbys``)."""
        for pid in sorted(model.containers, key=lambda p: (len(p), p)):
            if self.standby is None or not self.standby.is_standby(pid):
                self.start_container(pid, why)
        self.failover.place_standbys()

    def _partition_counts(self) -> dict[tuple[str, str], int]:
        """Partitions per input stream: only counts, no offsets (checked every few minutes)."""
        return {(s.system, s.stream): self.admins[s.system].partition_count(s.stream)
                for s in TaskConfig(self.config).input_streams}

    # ------------------------------------------------------------------------------- containers
    def start_container(self, processor_id: str, why: str, restart: bool = False, any_host: bool = False,
                        host: str | None = None) -> None:
        """Request a container for the processor: on ``host`` when given, else by host affinity."""
        proc = self.processor(processor_id)
        last_host = self.book.last_host(processor_id)
        ask = self.affinity.ask(processor_id, host or (None if any_host else last_host))
        container = self.app.add_container(ask.service, env=ask.env or None)
        cid = self.current[processor_id] = skein_container_id(container)
        self.affinity.requested(ask, cid, self.clock())
        # A new container: where it runs and serves metrics is learnt when it is running.
        proc.container, proc.state, proc.host, proc.metrics_url = cid, "REQUESTED", None, None
        proc.last_host, proc.preferred_host = last_host, ask.host
        proc.restarts += int(restart)
        log.info("requested container for processor %s (%s): %s%s", processor_id, why, cid,
                 f" on host {ask.host}" if ask.host else "")

    def fall_back_to_any_host(self, live: dict[str, Any]) -> None:
        """Withdraw preferred-host requests YARN has not answered in time and ask for any host instead."""
        timeout_ms = ClusterManagerConfig(self.config).container_request_timeout_ms
        for late in self.affinity.expired(self.clock()):
            pid = late.processor_id
            if self.current.get(pid) != late.container_id or late.container_id in live:
                continue  # it started (or was replaced) meanwhile
            self.app.kill_container(late.container_id)
            del self.current[pid]
            if self.standby is not None and self.standby.is_standby(pid):
                # A standby never takes any host: it could land beside its active. Another node, later.
                self.standby.avoid.setdefault(pid, set()).add(late.host)
                self.standby.pending.add(pid)
                log.warning("no container on host %s for standby %s in time: placing it elsewhere", late.host, pid)
                continue
            log.warning("no container on host %s for processor %s within cluster-manager.container.request."
                        "timeout.ms=%d (+%.0f s for skein to pass the request on): withdrew %s, asking for any host",
                        late.host, pid, timeout_ms, SKEIN_REQUEST_LATENCY_S, late.container_id)
            self.start_container(pid, f"host {late.host} unavailable", any_host=True)

    def run(self) -> tuple[str, str]:
        """Run the job to its end: ("SUCCEEDED" | "FAILED", diagnostics)."""
        self.coordinator.create()
        self.coordinator.write_config(self.config)
        model = self.compute_model()
        self.start_all(model, "first start")
        next_partition_check = self.clock() + self.partition_check_s
        self.scraper.start()
        try:
            status, diagnostics = self._supervise(model, next_partition_check)
        finally:
            self.scraper.stop()
            self.liveness.close()
        self.job_state.state, self.job_state.message = status, diagnostics
        return status, diagnostics

    def _supervise(self, model: JobModel, next_partition_check: float) -> tuple[str, str]:
        try:
            while True:
                self.watch_once()
                actives = self.standby.actives if self.standby is not None else list(model.containers)
                stopped = self.book.stopped
                if set(actives) <= self.completed | stopped and not any(pid in self.current for pid in actives):
                    self.failover.stop_standbys()
                    if stopped:
                        return "FAILED", f"processor(s) {sorted(stopped)} stopped after too many failures"
                    log.info("every container completed")
                    return "SUCCEEDED", "all containers completed"
                if self.clock() >= next_partition_check:
                    next_partition_check = self.clock() + self.partition_check_s
                    model = self.check_partitions() or model
                time.sleep(self.poll_s)
        except JobFailed as exc:
            log.error("failing the job: %s", exc)
            return "FAILED", str(exc)

    def watch_once(self) -> None:
        for cid in self.liveness.lost():
            pid = next((p for p, c in self.current.items() if c == cid), None)
            if pid is not None:
                self.on_process_gone(pid, cid)
        self.report_gone()
        live = {skein_container_id(c): c for c in self.app.get_containers(states=["RUNNING"])}
        for pid, cid in self.current.items():
            container = live.get(cid)
            if container is None:
                continue
            proc = self.processor(pid)
            proc.state = "RUNNING"
            self.affinity.running(pid)
            if proc.host is None:
                # The node's host as YARN names it (the container records the same, $NM_HOST, itself).
                proc.host = container.yarn_node_http_address.rsplit(":", 1)[0]
                self.node_addresses[proc.host] = container.yarn_node_http_address
                log.info("container %s of processor %s runs on %s", cid, pid, proc.host)
            if proc.metrics_url is None and self.expects_metrics_urls:
                url = self.app.kv.get(f"{METRICS_URL_KEY}{cid}")
                if url is not None:
                    proc.metrics_url = url.decode()
                    log.info("container %s of processor %s serves metrics at %s", cid, pid, proc.metrics_url)
        self.liveness.watch(cid for cid in self.current.values() if cid in live)
        self.fall_back_to_any_host(live)
        self.failover.enforce_constraints()
        self.failover.place_standbys()
        processors = self.job_state.processors
        self.scraper.targets = {pid: url for pid in self.current if (url := processors[pid].metrics_url)}
        by_id = {skein_container_id(c): c for c in self.app.get_containers(states=list(FINISHED))}
        for pid, cid in list(self.current.items()):
            container = by_id.get(cid)
            if container is not None:
                self.on_finished(pid, container)

    def report_gone(self) -> None:
        """Name the exit status of containers handled as gone once their launch scripts report it. One that
        has not reported within GONE_KILL_AFTER_S is killed: a process that only lost its connection to the
        AM must not go on beside its replacement."""
        for cid, (pid, at) in list(self.gone.items()):
            code = self.exit_status(cid)
            if code is not None:
                del self.gone[cid]
                proc = self.processor(pid)
                if proc.last_exit_status is None:
                    proc.last_exit_status = code
                log.info("container %s of processor %s had exited with status %s", cid, pid, code)
            elif self.clock() - at > GONE_KILL_AFTER_S:
                del self.gone[cid]
                log.warning("container %s of processor %s reported no exit status: killing it", cid, pid)
                try:
                    self.app.kill_container(cid)
                except Exception as exc:  # it finished meanwhile
                    log.info("killing container %s: %s", cid, exc)

    def exit_status(self, cid: str) -> str | None:
        value = self.app.kv.get(f"exit/{cid}")
        return None if value is None else value.decode()

    def on_process_gone(self, pid: str, cid: str) -> None:
        """A container's liveness socket closed: its process is gone, before YARN says so. Handle it as the
        failure YARN would report seconds later; its exit status is named when its launch script reports it."""
        log.warning("container %s of processor %s: its process is gone (liveness socket closed)", cid, pid)
        self.gone[cid] = (pid, self.clock())
        host = self.processor(pid).host
        address = self.node_addresses.get(host or "")
        if host is not None and address is not None and not node_reachable(address):
            # Its node went with it (its NodeManager does not answer): YARN will call it a lost node later.
            # Not the processor's failure, and not worth asking that node for again.
            del self.current[pid]
            self.affinity.forget(pid)
            proc = self.processor(pid)
            proc.state, proc.last_host, proc.host = "FAILED", host, None
            log.warning("container %s of processor %s lost with its node %s (unreachable), not counted", cid, pid,
                        host)
            if self.standby is not None and self.standby.is_standby(pid):
                proc.state = "PENDING"
                self.standby.avoid.setdefault(pid, set()).add(host)
                self.standby.pending.add(pid)
            else:
                self.failover.restart_active(pid, f"node {host} lost", any_host=True)
            return
        service, _, instance = cid.rpartition("_")
        gone = SimpleNamespace(service_name=service, instance=int(instance), state="FAILED",
                               exit_message="its process is gone (liveness socket closed)")
        self.on_finished(pid, gone)

    @staticmethod
    def not_counted(code: str | None, message: str) -> bool:
        """Whether YARN ended the container itself (preemption, a lost node): not the processor's failure."""
        # YARN's own wording marks words with asterisks ("Container released on a *lost* node").
        return code is None and any(word in message.lower().replace("*", "") for word in NOT_COUNTED)

    def on_finished(self, pid: str, container: Any) -> None:
        cid = skein_container_id(container)
        del self.current[pid]
        self.affinity.forget(pid)
        code = self.exit_status(cid)
        state = str(container.state)
        proc = self.processor(pid)
        proc.last_exit_status = code
        message = (container.exit_message or "").strip()
        described = f"exit status {code if code is not None else 'unknown'} ({state}: {message})"
        if self.standby is not None and self.standby.is_standby(pid):
            # A standby never ends by itself: it was stopped for a failover, or it failed.
            self.failover.on_standby_finished(pid, cid, described, counted=not self.not_counted(code, message))
            return
        if state == "SUCCEEDED" or code == "0":
            log.info("container %s of processor %s completed", cid, pid)
            proc.state = "COMPLETED"
            self.completed.add(pid)
            return
        proc.state = "FAILED"
        if self.not_counted(code, message):
            log.warning("container %s of processor %s ended by YARN, not counted: %s", cid, pid, described)
            self.failover.restart_active(pid, "lost to YARN")
            return
        decision = self.policy.on_failure(pid, int(self.clock() * 1000))
        log.warning("container %s of processor %s failed (failure %d): %s", cid, pid, decision.failures, described)
        if decision.restart:
            self.failover.restart_active(pid, f"restart after failure {decision.failures}")
        elif decision.fail_job:
            cluster = ClusterManagerConfig(self.config)
            raise JobFailed(
                f"processor {pid} failed {decision.failures} time(s) within "
                f"cluster-manager.container.retry.window.ms={cluster.container_retry_window_ms} "
                f"(cluster-manager.container.retry.count={cluster.container_retry_count}); "
                f"last: container {cid}, {described}"
            )
        else:
            log.error("processor %s failed too often; leaving it stopped (fail.job.after.retries=false)", pid)
            proc.state = "STOPPED"
            self.book.stopped.add(pid)

    # ------------------------------------------------------------------------ partition changes
    def check_partitions(self) -> JobModel | None:
        counts = self._partition_counts()
        if counts == self.partition_counts:
            return None
        changed = {f"{s}.{t}": (self.partition_counts.get((s, t)), n) for (s, t), n in counts.items()
                   if self.partition_counts.get((s, t)) != n}
        storage = StorageConfig(self.config)
        if any(storage.changelog(st) is not None for st in storage.store_names()):
            raise JobFailed(
                f"input partition counts changed {changed} in a job with durable state; its changelog "
                "partitions no longer match the tasks: restart the job after resetting its state"
            )
        log.warning("input partition counts changed %s: restarting the stateless job with a new model", changed)
        for pid, cid in list(self.current.items()):
            self.app.kill_container(cid)
            del self.current[pid]
            self.affinity.forget(pid)
        self.completed.clear()
        model = self.compute_model()
        self.start_all(model, "new job model")
        return model
