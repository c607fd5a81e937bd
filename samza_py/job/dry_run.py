"""run-job --dry-run: the job model and the streams a run would create or use, computed read-only.

Nothing is submitted, no stream is created, and the coordinator stream is neither created nor written:
it is read (previous changelog mapping, previous task assignment) only when it already exists. The
model is computed as a run computes it (``local_job_model`` for local factories, the ApplicationMaster's
``compute_model`` otherwise), so the printed tasks and assignment are the ones a run would use now.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig
from samza_py.coordinator.stream import SET_CHANGELOG, CoordinatorStream, CoordinatorStreamError, task_assignment
from samza_py.job.calculator import JobModelError, compute_job_model
from samza_py.job.job_streams import CHANGELOG, job_streams
from samza_py.job.local import LocalJobFactory
from samza_py.job.model import JobModel
from samza_py.system.interfaces import StreamNotFoundError, SystemAdmin
from samza_py.system.kafka import client_config
from samza_py.system.kafka.admin import KafkaSystemAdmin
from samza_py.system.kafka.factory import KafkaSystemFactory

COORDINATOR = "coordinator"
METRICS = "metrics"
INPUT = "input"
INTERMEDIATE = "intermediate"

CoordinatorState = dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True)
class StreamPlan:
    """One stream the job would create or use, and what the system holds now."""

    role: str  # coordinator, checkpoint, changelog, metrics, input or intermediate
    system: str
    stream: str
    partitions: int | None  # what run-job would create it with; None for streams it does not create
    existing_partitions: int | None  # None: the stream does not exist
    owner: str = ""  # "store <name>" of a changelog, "reporter <name>" of a metrics stream


@dataclass(frozen=True)
class DryRunPlan:
    job_name: str
    job_id: str
    factory: str  # as configured
    factory_class: str  # the Python class it resolves to
    model: JobModel
    changelog_partitions: dict[str, int] | None  # task → partition; None when no store has a changelog
    streams: list[StreamPlan]
    notes: list[str] = field(default_factory=list)


def read_coordinator_stream(config: Config) -> CoordinatorState:
    return CoordinatorStream(config).read()


def plan_job(
    config: Config,
    admins: Mapping[str, SystemAdmin],
    read_coordinator: Callable[[Config], CoordinatorState] = read_coordinator_stream,
) -> DryRunPlan:
    """The job model and stream plan; only metadata and an existing coordinator stream are read."""
    job = JobConfig(config)
    factory_class = resolve_class(job.factory_class)
    notes: list[str] = []
    streams: list[StreamPlan] = []

    state: CoordinatorState = {}
    coordinator_system = job.coordinator_system
    if coordinator_system is None:
        notes.append("no job.coordinator.system (or job.default.system): no coordinator stream")
    else:
        topic = job.coordinator_topic()
        existing = existing_partitions(admins, coordinator_system, topic)
        streams.append(StreamPlan(COORDINATOR, coordinator_system, topic, 1, existing))
        if existing is None:
            notes.append(f"{coordinator_system}.{topic} does not exist yet: nothing from an earlier run is kept")
        else:
            state = read_coordinator(config)

    previous_changelog = {key: int(v["Partition"]) for (kind, key), v in state.items() if kind == SET_CHANGELOG}
    if previous_changelog:
        notes.append(f"changelog partitions of {len(previous_changelog)} task(s) kept from the coordinator stream")
    # Local jobs always group afresh; the YARN ApplicationMaster keeps the previous assignment under host affinity.
    local = isinstance(factory_class, type) and issubclass(factory_class, LocalJobFactory)
    previous_assignment = task_assignment(state) if job.host_affinity_enabled and not local else None
    if previous_assignment:
        notes.append(f"host affinity: the previous assignment of {len(previous_assignment)} task(s) is kept "
                     "where the task-name grouper can balance")

    from samza_py.application.intermediate import plan_intermediate_streams
    from samza_py.application.plan import PlannedStreamsAdmin

    intermediate = plan_intermediate_streams(config, admins)  # partition_by's streams, created by a run
    for inter in intermediate:
        spec = inter.spec
        streams.append(StreamPlan(INTERMEDIATE, inter.system, spec.stream, spec.partitions,
                                  existing_partitions(admins, inter.system, spec.stream)))
        if inter.joined_with:
            notes.append(f"intermediate stream {inter.system}.{spec.stream} takes the partition count of the "
                         f"stream(s) it is joined with: {', '.join(inter.joined_with)}")
    if intermediate:
        planned_counts: dict[str, dict[str, int]] = {}
        for inter in intermediate:
            planned_counts.setdefault(inter.system, {})[inter.spec.stream] = \
                inter.spec.partitions
        admins = {system: PlannedStreamsAdmin(admin, planned_counts[system]) if system in planned_counts else admin
                  for system, admin in admins.items()}
    model, changelog = compute_job_model(config, admins, previous_changelog, previous_assignment)

    planned = job_streams(config, changelog)
    for planned_stream in planned:
        spec = planned_stream.spec
        streams.append(StreamPlan(
            planned_stream.kind, planned_stream.system, spec.stream, spec.partitions,
            existing_partitions(admins, planned_stream.system, spec.stream),
            f"store {planned_stream.store}" if planned_stream.store else "",
        ))
    metrics = MetricsConfig(config)
    for reporter in metrics.reporters:
        target = metrics.reporter_stream(reporter)
        if target is not None:
            existing = existing_partitions(admins, target.system, target.stream)
            streams.append(StreamPlan(METRICS, target.system, target.stream, None, existing, f"reporter {reporter}"))
    intermediate_streams = {(p.system, p.spec.stream) for p in intermediate}
    for s in TaskConfig(config).input_streams:
        if (s.system, s.stream) in intermediate_streams:
            continue  # listed as intermediate above
        streams.append(StreamPlan(INPUT, s.system, s.stream, None, existing_partitions(admins, s.system, s.stream)))

    has_changelogs = any(s.kind == CHANGELOG for s in planned)
    return DryRunPlan(
        job.name, job.id, job.factory_class.strip(), f"{factory_class.__module__}.{factory_class.__qualname__}",
        model, dict(changelog) if has_changelogs else None, streams, notes,
    )


def existing_partitions(admins: Mapping[str, SystemAdmin], system: str, stream: str) -> int | None:
    """The stream's partition count, None when it does not exist."""
    try:
        return admins[system].partition_count(stream)
    except StreamNotFoundError:
        return None


# --- text ------------------------------------------------------------------------------------------------------


def _processor_order(processor_id: str) -> tuple[int, str]:
    return (len(processor_id), processor_id)  # "2" before "10", as run-job starts them


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in [headers, *rows]]


def _existence(stream: StreamPlan) -> str:
    if stream.existing_partitions is not None:
        note = f"yes, {stream.existing_partitions} partition(s)"
        if stream.partitions is not None and stream.partitions != stream.existing_partitions:
            note += f" (the job expects {stream.partitions})"
        return note
    if stream.partitions is not None:
        return "no, a run creates it"
    if stream.role == METRICS:
        return "no, created on the first write if the broker auto-creates topics"
    return "no"


def render(plan: DryRunPlan) -> str:
    """The plan as plain text; equal plans give identical text."""
    tasks = plan.model.task_models()
    lines = [
        f"Dry run of job {plan.job_name} (id {plan.job_id}): nothing was submitted, no stream created or written.",
        f"Job factory: {plan.factory}" + (f" ({plan.factory_class})" if plan.factory_class != plan.factory else ""),
        "",
        f"Tasks ({len(tasks)}):",
    ]
    headers = ["TASK", "INPUT PARTITIONS"] + (["CHANGELOG PARTITION"] if plan.changelog_partitions is not None else [])
    rows = []
    for name in sorted(tasks):
        ssps = sorted(tasks[name].system_stream_partitions, key=lambda s: (s.system, s.stream, s.partition_id))
        row = [name, ", ".join(f"{s.system}.{s.stream}.{s.partition_id}" for s in ssps)]
        if plan.changelog_partitions is not None:
            row.append(str(plan.changelog_partitions[name]))
        rows.append(row)
    lines += _table(headers, rows)

    containers = plan.model.containers
    lines += ["", f"Containers ({len(containers)}):"]
    lines += _table(["PROCESSOR", "TASKS"], [
        [pid, ", ".join(sorted(containers[pid].tasks))] for pid in sorted(containers, key=_processor_order)
    ])

    lines += ["", "Streams:"]
    lines += _table(["ROLE", "STREAM", "PARTITIONS", "EXISTS"], [
        [s.role, f"{s.system}.{s.stream}" + (f" ({s.owner})" if s.owner else ""),
         "-" if s.partitions is None else str(s.partitions), _existence(s)]
        for s in plan.streams
    ])
    if plan.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in plan.notes]
    return "\n".join(lines) + "\n"


# --- run-job --------------------------------------------------------------------------------------------------


def dry_run_admins(config: Config) -> dict[str, SystemAdmin]:
    """Every system's admin; Kafka's with topic auto-creation off, since a metadata request for a missing
    topic would otherwise create it on a broker with ``auto.create.topics.enable=true``."""
    systems = SystemConfig(config)
    admins: dict[str, SystemAdmin] = {}
    for system in systems.system_names():
        factory = resolve_class(systems.factory_class(system))
        if isinstance(factory, type) and issubclass(factory, KafkaSystemFactory):
            settings = dict(client_config.admin_settings(config, system, f"{system}-dry-run-admin"),
                            **{"allow.auto.create.topics": False})
            admins[system] = KafkaSystemAdmin(system, settings)
        else:
            admins[system] = factory().get_admin(system, config)
    return admins


def dry_run(
    config: Config,
    out: TextIO | None = None,
    err: TextIO | None = None,
    admins: Mapping[str, SystemAdmin] | None = None,
    read_coordinator: Callable[[Config], CoordinatorState] = read_coordinator_stream,
) -> int:
    """Print the plan to ``out``: 0, or 1 with the reason on ``err`` when the model cannot be computed."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        admins = admins if admins is not None else dry_run_admins(config)
        for admin in admins.values():
            admin.start()
        try:
            plan = plan_job(config, admins, read_coordinator)
        finally:
            for admin in admins.values():
                admin.stop()
    except (StreamNotFoundError, JobModelError, ConfigException, CoordinatorStreamError) as exc:
        print(f"run-job: --dry-run: the job model cannot be computed: {exc}", file=err)
        return 1
    out.write(render(plan))
    from samza_py.application.graph import render_operator_graph  # the high-level API's part of the plan

    out.write(render_operator_graph(config))
    from samza_py.application.plan import render_stores

    out.write(render_stores(config))
    out.flush()
    return 0

