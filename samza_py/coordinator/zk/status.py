"""``run-app --operation status``: the group, its leader and the job model, as ZooKeeper holds them."""

from __future__ import annotations

from typing import TextIO

from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.coordinator import connect
from samza_py.coordinator.zk.job_models import read_job_model, read_version
from samza_py.coordinator.zk.membership import leader_of, list_members
from samza_py.coordinator.zk.paths import ZkPaths


def print_status(config: Config, out: TextIO) -> int:
    job = JobConfig(config)
    paths = ZkPaths.from_config(config)
    zk = connect(config)
    try:
        name = f"{job.name}-{job.id}"
        if zk.exists(paths.root) is None:
            print(f"{name}: never run (no coordination data at {paths.root})", file=out)
            return 0
        members = list_members(zk, paths) if zk.exists(paths.processors) is not None else []
        leader = leader_of(members)
        version = read_version(zk, paths.job_model_version)
        active = read_version(zk, paths.active_job_model_version)
        state = barrier.barrier_state(zk, paths, version) if version is not None else None
        print(f"{name}: {len(members)} processor(s)" + (f", leader {leader.processor_id}" if leader else ""),
              file=out)
        print(f"job model version {version if version is not None else '-'}"
              f" (barrier {state or '-'}), active version {active if active is not None else '-'}", file=out)
        model = read_job_model(zk, paths, active) if active is not None else None
        live = {m.processor_id for m in members}
        for member in members:
            role = " (leader)" if member is leader else ""
            container = model.containers.get(member.processor_id) if model is not None else None
            tasks = ", ".join(sorted(container.tasks)) if container is not None and container.tasks else "no tasks"
            print(f"processor {member.processor_id} on {member.host}{role}: {tasks}", file=out)
        if model is not None:
            for pid in sorted(set(model.containers) - live):
                tasks = ", ".join(sorted(model.containers[pid].tasks))
                print(f"processor {pid} (gone; its tasks wait for the next job model): {tasks}", file=out)
        return 0
    finally:
        zk.stop()
        zk.close()
