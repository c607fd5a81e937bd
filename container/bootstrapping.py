"""Bootstrap streams (``samza.bootstrap=true``): read each of their partitions up to the newest offset seen at
container start before a task's other inputs are chosen (Samza's BootstrappingChooser).

Samza holds every non-lagging SSP of the container back while any bootstrap SSP lags. Here the hold is per
task: a task's other inputs wait until every bootstrap SSP *of that task* has caught up, which gives each
task the same guarantee (its table is complete before the first event) without one task's slow bootstrap
stalling the others. A caught-up bootstrap SSP keeps being chosen (new table updates).

An SSP has caught up once a message at or past its target offset was taken, once it reached end-of-stream,
or once its consumer's position passed the target with nothing left buffered (a target that is a
transaction marker is never delivered as a message).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping

from samza_py.api import END_OF_STREAM_OFFSET, IncomingMessageEnvelope, MetricsRegistry, SystemStreamPartition
from samza_py.container.chooser import MessageChooser
from samza_py.container.consumers import SystemConsumers

log = logging.getLogger(__name__)

GROUP = "org.apache.samza.system.chooser.BootstrappingChooserMetrics"


class BootstrappingChooser:
    """Holds back the non-bootstrap SSPs of tasks whose bootstrap SSPs still lag; passes the rest on."""

    __slots__ = ("_inner", "_lagging", "_lagging_of_task", "_tasks_of", "_blocked", "_held", "_bootstrap",
                 "_lagging_streams", "_stream_gauges", "_streams_gauge")

    def __init__(
        self,
        inner: MessageChooser,
        targets: Mapping[SystemStreamPartition, int],
        tasks: Mapping[str, frozenset[SystemStreamPartition]],
        bootstrap_ssps: set[SystemStreamPartition],
        registry: MetricsRegistry,
    ) -> None:
        self._inner = inner
        self._bootstrap = set(bootstrap_ssps)
        self._lagging: dict[SystemStreamPartition, int] = dict(targets)  # SSP -> newest offset at start
        self._tasks_of: dict[SystemStreamPartition, list[str]] = {}
        for name, ssps in tasks.items():
            for ssp in ssps:
                self._tasks_of.setdefault(ssp, []).append(name)
        self._lagging_of_task = {name: {s for s in ssps if s in self._lagging} for name, ssps in tasks.items()}
        self._blocked: set[SystemStreamPartition] = {
            ssp for name, ssps in tasks.items() if self._lagging_of_task[name]
            for ssp in ssps if ssp not in self._bootstrap
        }
        self._held: set[SystemStreamPartition] = set()
        self._lagging_streams: dict[tuple[str, str], int] = {}
        for ssp in bootstrap_ssps:
            key = (ssp.system, ssp.stream)
            self._lagging_streams[key] = self._lagging_streams.get(key, 0) + (1 if ssp in self._lagging else 0)
        self._stream_gauges = {
            key: registry.new_gauge(GROUP, f"{key[0]}-{key[1]}-lagging-partitions", count)
            for key, count in self._lagging_streams.items()
        }
        self._streams_gauge = registry.new_gauge(
            GROUP, "lagging-batch-streams", sum(1 for n in self._lagging_streams.values() if n))

    # --- progress ------------------------------------------------------------------------------------
    def target(self, ssp: SystemStreamPartition) -> int | None:
        """The offset ``ssp`` must reach, or None once it has caught up (or is no bootstrap SSP)."""
        return self._lagging.get(ssp)

    @property
    def lagging(self) -> bool:
        return bool(self._lagging)

    def lagging_ssps(self) -> list[SystemStreamPartition]:
        return list(self._lagging)

    def caught_up(self, ssp: SystemStreamPartition) -> None:
        if self._lagging.pop(ssp, None) is None:
            return
        key = (ssp.system, ssp.stream)
        self._lagging_streams[key] -= 1
        self._stream_gauges[key].value = self._lagging_streams[key]
        self._streams_gauge.value = sum(1 for n in self._lagging_streams.values() if n)
        log.info("bootstrap stream partition %s caught up", ssp)
        for name in self._tasks_of.get(ssp, ()):
            lagging = self._lagging_of_task[name]
            lagging.discard(ssp)
            if not lagging:
                log.info("task %r finished bootstrapping: its other inputs are chosen from now on", name)
                self._release(name)

    def _release(self, task_name: str) -> None:
        for ssp, names in self._tasks_of.items():
            if task_name not in names or ssp not in self._blocked:
                continue
            if any(self._lagging_of_task[n] for n in names):
                continue  # another task reading it still bootstraps
            self._blocked.discard(ssp)
            if ssp in self._held:
                self._held.discard(ssp)
                self._inner.offer(ssp)

    # --- MessageChooser ------------------------------------------------------------------------------
    def offer(self, ssp: SystemStreamPartition) -> None:
        if ssp in self._blocked:
            self._held.add(ssp)
        else:
            self._inner.offer(ssp)

    def choose(self) -> SystemStreamPartition | None:
        return self._inner.choose()

    def choose_run(self, limit: int) -> tuple[SystemStreamPartition | None, int]:
        return self._inner.choose_run(limit)

    def give_back(self, ssp: SystemStreamPartition, unused: int) -> None:
        self._inner.give_back(ssp, unused)

    def exhausted(self, ssp: SystemStreamPartition) -> None:
        if ssp in self._held:
            self._held.discard(ssp)
        else:
            self._inner.exhausted(ssp)

    def empty(self) -> bool:
        return self._inner.empty()


class BootstrappingSystemConsumers(SystemConsumers):
    """SystemConsumers that report bootstrap progress to a BootstrappingChooser. Only jobs with bootstrap
    streams use it, so the plain hot path has no per-run bootstrap check."""

    def bootstrap(self, chooser: BootstrappingChooser) -> None:
        self._bootstrapping = chooser
        self._run_offsets: list[str] = []

    def choose_run(
        self, limit: int, timeout_s: float = 0.0, now: float | None = None
    ) -> tuple[SystemStreamPartition, deque[IncomingMessageEnvelope], int] | None:
        chooser = self._bootstrapping
        run = super().choose_run(limit, timeout_s, now)
        if not chooser.lagging:
            return run
        if run is None:
            # Idle: a target that is never delivered (a marker) still ends the bootstrap, and what that
            # releases is chosen at once.
            if self._check_positions():
                run = super().choose_run(limit, 0.0, now)
        elif chooser.target(run[0]) is not None:
            _, buffer, n = run
            self._run_offsets = [buffer[i].offset for i in range(n)]
        return run

    def ran(self, ssp: SystemStreamPartition, taken: int) -> None:
        chooser = self._bootstrapping
        target = chooser.target(ssp) if chooser.lagging else None
        if target is not None and taken > 0:
            offsets = self._run_offsets
            last = offsets[taken - 1] if taken <= len(offsets) else END_OF_STREAM_OFFSET
            if last == END_OF_STREAM_OFFSET or int(last) >= target:
                chooser.caught_up(ssp)
        super().ran(ssp, taken)
        if target is not None and chooser.target(ssp) is not None and not self._buffers[ssp]:
            self._check_positions()

    def _check_positions(self) -> bool:
        """True if some SSP caught up."""
        chooser = self._bootstrapping
        before = len(chooser.lagging_ssps())
        for ssp in chooser.lagging_ssps():
            if self._buffers[ssp]:
                continue
            position = getattr(self._consumers[ssp.system], "position", None)
            upcoming = position(ssp) if position is not None else None
            target = chooser.target(ssp)
            if upcoming is not None and target is not None and upcoming > target:
                chooser.caught_up(ssp)
        return len(chooser.lagging_ssps()) < before
