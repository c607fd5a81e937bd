"""Local job factories: containers in threads (ThreadJobFactory) or child processes (ProcessJobFactory).

Unlike Samza's ProcessJobFactory (one container), every processor of the job model gets a process.
The job runs in the foreground: it ends when every container has ended; the first container that
fails stops the others gracefully and fails the job.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig
from samza_py.coordinator.stream import CoordinatorStream
from samza_py.job.calculator import compute_job_model
from samza_py.job.job_streams import create_job_streams
from samza_py.job.model import JobModel
from samza_py.job.stream_job import ApplicationStatus, StreamJob, StreamJobFactory

log = logging.getLogger(__name__)


def local_job_model(config: Config, processor_ids: Sequence[str] | None = None) -> JobModel:
    """The job model (grouped over ``processor_ids`` when given: standalone), with the changelog mapping kept
    in the coordinator stream and the checkpoint and changelog topics created."""
    systems = SystemConfig(config)
    admins = {s: resolve_class(systems.factory_class(s))().get_admin(s, config) for s in systems.system_names()}
    for admin in admins.values():
        admin.start()
    # The task → changelog partition mapping is kept in the coordinator stream and never reshuffled.
    stream = CoordinatorStream(config) if JobConfig(config).coordinator_system is not None else None
    if stream is not None:
        stream.create()
    try:
        previous = stream.changelog_mapping() if stream is not None else {}
        model, changelog = compute_job_model(config, admins, previous, processor_ids=processor_ids)
        if stream is not None:
            stream.write_changelog_mapping(changelog, previous)
        create_job_streams(config, admins, changelog)
    finally:
        for admin in admins.values():
            admin.stop()
    return model


def run_dir(config: Config) -> Path:
    """Where a local job keeps its job model and pid file: ``run/<job.name>-<job.id>`` under the cwd."""
    job = JobConfig(config)
    return Path(os.environ.get("SAMZA_PY_RUN_DIR", "run")).resolve() / f"{job.name}-{job.id}"


class ThreadJob(StreamJob):
    def __init__(self, config: Config, job_model: JobModel) -> None:
        from samza_py.container.samza_container import SamzaContainer

        self.job_model = job_model
        self.directory = run_dir(config)
        self.containers = {pid: SamzaContainer(config, m) for pid, m in sorted(job_model.containers.items())}
        self._threads: list[threading.Thread] = []
        self._failures: dict[str, BaseException] = {}
        self._status = ApplicationStatus.NEW

    def _run(self, processor_id: str) -> None:
        try:
            self.containers[processor_id].run()
        except BaseException as exc:  # recorded and reported by wait_for_finish
            log.exception("container %s failed", processor_id)
            self._failures[processor_id] = exc
            self.kill()

    def submit(self) -> None:
        for pid in self.containers:
            thread = threading.Thread(target=self._run, args=(pid,), name=f"samza-container-{pid}", daemon=True)
            self._threads.append(thread)
            thread.start()
        # The containers live in run-job's process: --operation kill signals it.
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "pids.json").write_text(json.dumps({"run-job": os.getpid(), "containers": {}}))
        self._status = ApplicationStatus.RUNNING

    def wait_for_finish(self, timeout_s: float | None = None) -> ApplicationStatus:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.status()

    def kill(self) -> None:
        for container in self.containers.values():
            container.request_stop()

    def status(self) -> ApplicationStatus:
        if self._status is ApplicationStatus.RUNNING and not any(t.is_alive() for t in self._threads):
            self._status = (
                ApplicationStatus.UNSUCCESSFUL_FINISH if self._failures else ApplicationStatus.SUCCESSFUL_FINISH
            )
            (self.directory / "pids.json").unlink(missing_ok=True)
        return self._status

    @property
    def diagnostics(self) -> str:
        return "; ".join(f"container {pid}: {exc!r}" for pid, exc in sorted(self._failures.items()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """An exited process its parent has not reaped yet (a run-job started by a script that waits later)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc: trust the signal check
    # The state follows the command name, which is in parentheses and may itself hold spaces or ')'.
    return stat[stat.rfind(")") + 2:][:1] == "Z"


class LocalJobFactory(StreamJobFactory):
    """status and kill of a local job act on the processes recorded in its pid file."""

    def _pids(self, config: Config) -> dict[str, int]:
        pid_file = run_dir(config) / "pids.json"
        if not pid_file.exists():
            return {}
        state = json.loads(pid_file.read_text())
        pids = {"run-job": int(state["run-job"])}
        pids.update({f"container {k}": int(v) for k, v in state["containers"].items()})
        return {name: pid for name, pid in pids.items() if _alive(pid)}

    def status(self, config: Config) -> int:
        job = JobConfig(config)
        pids = self._pids(config)
        if not pids:
            print(f"{job.name}-{job.id}: not running")
            return 0
        containers = sum(name.startswith("container") for name in pids)
        print(f"{job.name}-{job.id}: {ApplicationStatus.RUNNING.value}, {containers} container(s)")
        for name, pid in sorted(pids.items()):
            print(f"  {name}: pid {pid}")
        return 0

    def kill(self, config: Config) -> int:
        job = JobConfig(config)
        pids = self._pids(config)
        if not pids:
            print(f"{job.name}-{job.id}: not running")
            return 0
        for pid in pids.values():
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + TaskConfig(config).shutdown_ms / 1000.0 + 5
        while any(_alive(pid) for pid in pids.values()):
            if time.monotonic() > deadline:
                for pid in pids.values():
                    if _alive(pid):
                        os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.2)
        print(f"{job.name}-{job.id}: killed")
        return 0


class ThreadJobFactory(LocalJobFactory):
    def get_job(self, config: Config) -> ThreadJob:
        return ThreadJob(config, local_job_model(config))


def _stop_with_parent() -> None:
    """In the child: a SIGTERM (graceful stop) when run-job dies, however it dies (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: containers outlive a killed run-job, as in Samza


class ProcessJob(StreamJob):
    def __init__(self, config: Config, job_model: JobModel, directory: Path) -> None:
        self.job_model = job_model
        self.directory = directory
        self._shutdown_s = TaskConfig(config).shutdown_ms / 1000.0
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._failed: dict[str, int] = {}
        self._status = ApplicationStatus.NEW
        self._stopping = False

    @property
    def pid_file(self) -> Path:
        return self.directory / "pids.json"

    def submit(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        model_path = self.directory / "job-model.json"
        # The containers' whole config, secrets included (they need them to log in): readable by its owner
        # only, created so from the start.
        fd = os.open(model_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self.job_model.to_json())
        model_path.chmod(0o600)  # a file left by an earlier run keeps its mode through O_CREAT
        for pid in sorted(self.job_model.containers, key=lambda p: (len(p), p)):
            env = dict(os.environ, SAMZA_CONTAINER_ID=pid, SAMZA_JOB_MODEL_URL=f"file://{model_path}")
            # Each container leads its own process group, so a terminal's Ctrl-C reaches run-job only.
            self.processes[pid] = subprocess.Popen(
                [sys.executable, "-m", "samza_py.container"], env=env, start_new_session=True,
                preexec_fn=_stop_with_parent,
            )
            log.info("started container %s as pid %d", pid, self.processes[pid].pid)
        self.pid_file.write_text(json.dumps({
            "run-job": os.getpid(),
            "containers": {pid: p.pid for pid, p in self.processes.items()},
        }))
        self._status = ApplicationStatus.RUNNING

    def wait_for_finish(self, timeout_s: float | None = None) -> ApplicationStatus:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while any(p.poll() is None for p in self.processes.values()):
            for pid, process in self.processes.items():
                code = process.poll()
                if code not in (None, 0) and pid not in self._failed:
                    self._failed[pid] = code
                    log.error("container %s exited with status %s: stopping the job", pid, code)
                    self.kill()
            if deadline is not None and time.monotonic() >= deadline:
                return self.status()
            time.sleep(0.2)
        for pid, process in self.processes.items():
            if process.returncode != 0 and pid not in self._failed:
                self._failed[pid] = process.returncode
        return self.status()

    def kill(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        threading.Thread(target=self._kill_stragglers, daemon=True).start()

    def _kill_stragglers(self) -> None:
        deadline = time.monotonic() + self._shutdown_s
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("container pid %d did not stop within task.shutdown.ms: killing it", process.pid)
                process.kill()

    def status(self) -> ApplicationStatus:
        if self._status is ApplicationStatus.RUNNING and all(p.poll() is not None for p in self.processes.values()):
            self._status = (
                ApplicationStatus.UNSUCCESSFUL_FINISH if self._failed else ApplicationStatus.SUCCESSFUL_FINISH
            )
            self.pid_file.unlink(missing_ok=True)
        return self._status

    @property
    def diagnostics(self) -> str:
        return "; ".join(f"container {pid} exited with status {code}" for pid, code in sorted(self._failed.items()))


class ProcessJobFactory(LocalJobFactory):
    def get_job(self, config: Config) -> ProcessJob:
        return ProcessJob(config, local_job_model(config), run_dir(config))
