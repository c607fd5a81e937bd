"""What the leader does: debounce membership changes, publish job models, and settle barriers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from samza_py.config.config import Config
from samza_py.config.zk_config import ZkConfig
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.job_models import prune_old_versions, read_version, write_job_model, write_version
from samza_py.coordinator.zk.membership import Member
from samza_py.coordinator.zk.paths import ZkPaths
from samza_py.job.model import JobModel

log = logging.getLogger(__name__)


def compute_standalone_job_model(config: Config, processor_ids: Sequence[str]) -> JobModel:
    """Samza's job model over the live processors; also keeps the changelog mapping and creates the topics."""
    from samza_py.job.local import local_job_model

    return local_job_model(config, processor_ids)


class Leadership:
    """The leader's memory; a fresh one for each term, so a new leader debounces before it acts."""

    def __init__(
        self,
        config: Config,
        zk: Any,
        paths: ZkPaths,
        compute: Callable[[Config, Sequence[str]], JobModel] = compute_standalone_job_model,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        zk_config = ZkConfig(config)
        self.config, self.zk, self.paths = config, zk, paths
        self._compute, self._clock = compute, clock
        self._debounce_s = zk_config.debounce_ms / 1000.0
        self._consensus_s = zk_config.consensus_timeout_ms / 1000.0
        # The group as last seen, processor id -> znode: a processor that left and came back under its id is a
        # new member (it ignores models made before it rejoined), so it counts as a change.
        self._seen: dict[str, str] | None = None
        self._changed_at = clock()
        self._barrier_seen_at: dict[int, float] = {}

    def act(self, members: Sequence[Member], watch: Callable[..., Any]) -> bool:
        """One pass of the leader's duties; True when it published a new version."""
        now = self._clock()
        group = {m.processor_id: m.znode for m in members}
        if group != self._seen:
            if self._seen is not None:
                log.info("processors changed: %s -> %s; new job model after job.debounce.time.ms unless it "
                         "changes again", _members(self._seen), _members(group))
            self._seen, self._changed_at = group, now
        version = read_version(self.zk, self.paths.job_model_version)
        current: dict[str, str] | None = None
        if version is not None:
            state = barrier.barrier_state(self.zk, self.paths, version)
            if state is not None:
                current = barrier.expected_members(self.zk, self.paths, version)
            if state == barrier.NEW:
                self._settle(version, current or {}, group, now, watch)
                return False
            if state == barrier.TIMED_OUT:
                current = None  # the model never took effect: publish another one
        if not group or group == current:
            return False
        if now - self._changed_at < self._debounce_s:
            return False
        self._publish((version or 0) + 1, members)
        return True

    def _settle(
        self, version: int, expected: dict[str, str], group: dict[str, str], now: float, watch: Callable[..., Any]
    ) -> None:
        joined = barrier.joined_participants(self.zk, self.paths, version, watch=watch)
        seen_at = self._barrier_seen_at.setdefault(version, now)
        missing = sorted(set(expected) - joined)
        if not missing:
            barrier.set_barrier_state(self.zk, self.paths, version, barrier.DONE)
            write_version(self.zk, self.paths.active_job_model_version, version)
            log.info("barrier of job model version %d is DONE: every processor %s joined", version, sorted(expected))
            return
        # Gone, or back as a new member (which will not join a barrier older than itself).
        gone = [pid for pid in missing if group.get(pid) != expected[pid]]
        if gone:
            reason = f"processor(s) {gone} left before joining"
        elif now - seen_at > self._consensus_s:
            reason = (f"processor(s) {missing} did not join within job.coordinator.zk.consensus.timeout.ms "
                      f"({self._consensus_s * 1000:.0f} ms)")
        else:
            return
        barrier.set_barrier_state(self.zk, self.paths, version, barrier.TIMED_OUT)
        log.warning("barrier of job model version %d TIMED_OUT: %s; processors keep the previous model", version,
                    reason)
        self._changed_at = now  # debounce again before the next model

    def _publish(self, version: int, members: Sequence[Member]) -> None:
        started = self._clock()
        ids = sorted({m.processor_id for m in members})
        model = self._compute(self.config, ids)
        # A leader that died mid-publish may have left this version half-written; it was never announced.
        for path in (self.paths.job_model(version), self.paths.barrier(version)):
            if self.zk.exists(path) is not None:
                self.zk.delete(path, recursive=True)
        write_job_model(self.zk, self.paths, version, model)
        barrier.create_barrier(self.zk, self.paths, version, {m.processor_id: m.znode for m in members})
        self._barrier_seen_at[version] = self._clock()
        write_version(self.zk, self.paths.job_model_version, version)
        prune_old_versions(self.zk, self.paths, version)
        assignment = {pid: sorted(c.tasks) for pid, c in model.containers.items()}
        log.info("published job model version %d for processors %s in %.1f s: %s", version, ids,
                 self._clock() - started, assignment)


def _members(group: dict[str, str]) -> list[str]:
    """``["p1 (0000000003)", ...]``: a processor back under its id shows as a new znode."""
    return [f"{pid} ({znode})" for pid, znode in sorted(group.items())]
