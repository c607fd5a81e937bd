"""YarnJobFactory: run a job on YARN through skein.

run-job submits a skein application named ``<job.name>_<job.id>``: the master runs samza-py's
ApplicationMaster (``python -m samza_py.appmaster``), and each processor id gets its own service
``samza-container-<id>`` (no instances at submit; the AM starts and restarts them) on any node. With
host affinity each YARN node also gets a service ``samza-container-on-<host>`` asking for that node only,
which the AM uses to bring a processor back to the node it last ran on (appmaster/host_affinity.py).
Code reaches the nodes in one of two ways:

- ``yarn.package.path`` names an archive (``.tar.gz``/``.tgz``/``.zip``) that YARN localizes as
  ``__package``: a venv-pack'ed environment (``bin/package`` builds one; its ``bin/python`` is used) or
  a tarball of the job's code (put on ``PYTHONPATH``, run by ``samza-py.python``). A local path or
  ``file://`` URL is uploaded by skein; any other scheme (``hdfs://``, ``viewfs://``) is localized from
  where it is;
- without it (a single-node grid) the containers run the interpreter that ran run-job
  (``samza-py.python`` overrides it) with run-job's working directory on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from samza_py.config.cluster_manager_config import ClusterManagerConfig
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.job.kerberos import am_env, am_files, client_arguments, kerberos_login
from samza_py.job.standby import replication_factor, standby_container_id
from samza_py.job.status_summary import STATUS_URL_KEY, fetch_status, render_status
from samza_py.job.stream_job import ApplicationStatus, StreamJob, StreamJobFactory

log = logging.getLogger(__name__)

CONFIG_FILE = "samza-config.json"
PACKAGE_DIR = "__package"
SERVICE_PREFIX = "samza-container-"
NODE_SERVICE_PREFIX = SERVICE_PREFIX + "on-"
ACTIVE_STATES = ("SUBMITTED", "ACCEPTED", "RUNNING")


def application_name(config: Config) -> str:
    job = JobConfig(config)
    return f"{job.name}_{job.id}"


def service_name(processor_id: str) -> str:
    return f"{SERVICE_PREFIX}{processor_id}"


def node_service_name(host: str) -> str:
    return f"{NODE_SERVICE_PREFIX}{host}"


def node_of_service(name: str) -> str | None:
    """The host a node service asks for, or None for a processor's own service."""
    return name[len(NODE_SERVICE_PREFIX):] if name.startswith(NODE_SERVICE_PREFIX) else None


def processor_ids(config: Config) -> list[str]:
    """The job's containers: 0…n-1, then their standby containers c-0, c-1, … (job.standbytask.replication.factor)."""
    active = [str(i) for i in range(JobConfig(config).container_count)]
    return active + [standby_container_id(pid, replica) for replica in range(replication_factor(config) - 1)
                     for pid in active]


def launch_script(config: Config, module: str) -> str:
    """The shell script a YARN container runs for ``python -m <module>``."""
    python = config.get_str("samza-py.python") or sys.executable
    lines = ["set -u"]
    if ClusterManagerConfig(config).package_path:
        # A venv-pack'ed environment (bin/package) runs its own Python, which finds samza-py and the job's
        # code itself; a tarball of code goes on PYTHONPATH for samza-py.python.
        lines += [
            f'if [ -x {PACKAGE_DIR}/bin/python ]; then PY="$PWD/{PACKAGE_DIR}/bin/python"; else',
            f'  export PYTHONPATH="$PWD/{PACKAGE_DIR}${{PYTHONPATH:+:$PYTHONPATH}}"; PY={shlex.quote(python)}',
            "fi",
        ]
    else:
        cwd = shlex.quote(os.getcwd())
        lines += [f'export PYTHONPATH={cwd}"${{PYTHONPATH:+:$PYTHONPATH}}"', f"PY={shlex.quote(python)}"]
    if module == "samza_py.container":
        # The shell outlives even a kill -9 of Python, so it can tell the AM the real exit status.
        lines += [f'"$PY" -m {module}', "code=$?", '"$PY" -m samza_py.appmaster.report_exit "$code"', 'exit "$code"']
    else:
        lines += [f'exec "$PY" -m {module}']
    return "\n".join(lines) + "\n"


def build_spec(config: Config, config_file: Path, nodes: Iterable[str] = ()) -> Any:
    """The skein application; ``nodes`` (YARN's node hosts) get a service each when host affinity is on."""
    import skein

    cluster = ClusterManagerConfig(config)
    kerberos = kerberos_login(config)
    files: dict[str, Any] = {CONFIG_FILE: skein.File(str(config_file), type="file")}
    package = cluster.package_path
    if package:
        files[PACKAGE_DIR] = skein.File(package.removeprefix("file://"), type="archive")
    env = {"SAMZA_LOG_LEVEL": os.environ.get("SAMZA_LOG_LEVEL", "INFO")}
    container_env = dict(env, SAMZA_JOB_MODEL_URL="skein-kv:job-model")

    def container_service(service_env: dict[str, str], node: str | None) -> Any:
        return skein.Service(
            resources=skein.Resources(memory=cluster.container_memory_mb, vcores=cluster.container_cpu_cores),
            script=launch_script(config, "samza_py.container"),
            files=files,
            env=service_env,
            instances=0,
            max_restarts=0,
            allow_failures=True,
            # A node's service gets that node or nothing: the AM falls back to any node itself, after
            # cluster-manager.container.request.timeout.ms, so the wait is Samza's and not the scheduler's.
            nodes=[node] if node else [],
            relax_locality=node is None,
        )

    services = {service_name(pid): container_service(dict(container_env, SAMZA_CONTAINER_ID=pid), None)
                for pid in processor_ids(config)}
    if JobConfig(config).host_affinity_enabled:
        # skein cannot name a node per request; the AM names the processor (SAMZA_CONTAINER_ID) per request.
        services.update({node_service_name(node): container_service(container_env, node)
                         for node in sorted(set(nodes)) if "_" not in node})  # skein ids are <service>_<n>
    master = skein.Master(
        resources=skein.Resources(memory=cluster.am_memory_mb, vcores=cluster.am_cpu_cores),
        script=launch_script(config, "samza_py.appmaster"),
        files={**files, **am_files(kerberos)},  # the keytab goes to the AM only
        # skein's web UI lists added pages through reflection that Java 17 forbids by default; without this
        # its overview page (YARN's tracking URL) fails with HTTP 500 once the status page is linked.
        env=dict(env, JDK_JAVA_OPTIONS="--add-opens=java.base/java.util=ALL-UNNAMED", **am_env(kerberos)),
    )
    return skein.ApplicationSpec(
        name=application_name(config),
        queue=cluster.yarn_queue or "default",
        master=master,
        services=services,
        # A new AM attempt rebuilds the job from the coordinator stream and resumes from checkpoints.
        max_attempts=config.get_int("yarn.resourcemanager.am.max-attempts", 1),
        tags=["samza-py"],
    )


def skein_client(config: Config | None = None) -> Any:
    """A skein client; with ``yarn.kerberos.*`` set its driver logs in with the job's keytab."""
    import skein

    login = kerberos_login(config) if config is not None else None
    return skein.Client(log=False, **client_arguments(login))


def find_application(client: Any, config: Config, states: tuple[str, ...] = ACTIVE_STATES) -> Any | None:
    """The newest application of this job in one of ``states``, or None."""
    reports = client.get_applications(states=list(states), name=application_name(config))
    return max(reports, key=lambda r: r.start_time or 0) if reports else None


class YarnJob(StreamJob):
    detached = True

    def __init__(self, config: Config) -> None:
        self.config = config
        self.app_id: str | None = None
        self._client: Any = None

    def submit(self) -> None:
        kerberos_login(self.config)  # a half Kerberos login fails here, before anything is written
        # The config holds the job's secrets: the file is its owner's only (tempfile's mode) and is removed
        # once skein has uploaded it for the application.
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="samza-config-", delete=False) as f:
            json.dump(self.config.to_dict(), f)
        try:
            self._client = skein_client(self.config)
            # Every node the ResourceManager knows, lost ones too: a node that comes back gets its containers back.
            affinity = JobConfig(self.config).host_affinity_enabled
            nodes = [n.host for n in self._client.get_nodes()] if affinity else []
            self.app_id = self._client.submit(build_spec(self.config, Path(f.name), nodes))
        finally:
            os.unlink(f.name)
        report = self._client.application_report(self.app_id)
        print(f"submitted {application_name(self.config)} as {self.app_id}")
        print(f"tracking URL: {report.tracking_url or 'http://' + report.host}")

    def wait_for_finish(self, timeout_s: float | None = None) -> ApplicationStatus:
        return self.status()

    def kill(self) -> None:
        if self.app_id is not None:
            self._client.kill_application(self.app_id)

    def status(self) -> ApplicationStatus:
        if self.app_id is None:
            return ApplicationStatus.NEW
        return _status_of(self._client.application_report(self.app_id))


def _status_of(report: Any) -> ApplicationStatus:
    state, final = str(report.state), str(report.final_status)
    if state in ACTIVE_STATES:
        return ApplicationStatus.RUNNING
    return ApplicationStatus.SUCCESSFUL_FINISH if final == "SUCCEEDED" else ApplicationStatus.UNSUCCESSFUL_FINISH


def _am_status(app: Any) -> str | None:
    """The AM's live summary (containers, tasks, lag, throughput), or None when it cannot be read."""
    url = app.kv.get(STATUS_URL_KEY)
    if url is None:
        return None
    try:
        return render_status(fetch_status(url.decode()))
    except (OSError, ValueError) as exc:
        log.warning("cannot read the job status from the ApplicationMaster at %s: %s", url.decode(), exc)
        return None


class YarnJobFactory(StreamJobFactory):
    def get_job(self, config: Config) -> YarnJob:
        return YarnJob(config)

    def status(self, config: Config) -> int:
        with skein_client(config) as client:
            report = find_application(client, config, ACTIVE_STATES + ("FINISHED", "FAILED", "KILLED"))
            if report is None:
                print(f"{application_name(config)}: no YARN application")
                return 0
            line = f"{application_name(config)}: {report.id} {report.state}"
            details = None
            if str(report.state) == "RUNNING":
                app = client.connect(report.id, wait=False)
                running = app.get_containers(states=["RUNNING"])
                line += f", {sum(c.service_name.startswith(SERVICE_PREFIX) for c in running)} container(s)"
                details = _am_status(app)
            else:
                line += f" ({report.final_status})"
            print(line)
            if report.tracking_url:
                print(f"status page: {report.tracking_url.rstrip('/')}/pages/samza/")
            if details:
                print(details)
            if report.diagnostics:
                print(f"diagnostics: {report.diagnostics}")
        return 0

    def kill(self, config: Config) -> int:
        with skein_client(config) as client:
            report = find_application(client, config)
            if report is None:
                print(f"{application_name(config)}: not running")
                return 0
            client.kill_application(report.id)
            print(f"{application_name(config)}: killed {report.id}")
        return 0
