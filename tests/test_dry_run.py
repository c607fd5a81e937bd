"""run-job --dry-run: the printed job model and stream plan, computed without creating or writing anything."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from samza_py.config.config import Config
from samza_py.job import run_job
from samza_py.job.dry_run import DryRunPlan, dry_run, plan_job, render
from samza_py.job.job_streams import CHANGELOG, CHECKPOINT, create_job_streams, job_streams
from samza_py.system.interfaces import StreamNotFoundError, SystemStreamMetadata
from tests.fakes import FakeSystemAdmin, FakeWorld, partition_metadata

COORDINATOR_TOPIC = "__samza_coordinator_stats_1"
CHECKPOINT_TOPIC = "__samza_checkpoint_ver_1_for_stats_1"
PROCESS = "org.apache.samza.job.local.ProcessJobFactory"
YARN = "org.apache.samza.job.yarn.YarnJobFactory"


class StrictAdmin(FakeSystemAdmin):
    """FakeSystemAdmin keeping the SystemAdmin contract for a missing stream; records what was asked."""

    def __init__(self, system: str, partitions: Mapping[str, int]) -> None:
        super().__init__(system, {
            stream: {p: partition_metadata(0, 5) for p in range(count)} for stream, count in partitions.items()
        })
        self.asked: list[str] = []

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        streams = list(streams)
        self.asked.extend(streams)
        for stream in streams:
            if stream not in self.metadata:
                raise StreamNotFoundError(self.system, stream)
        return super().get_system_stream_metadata(streams)


def job_config(**overrides: str) -> Config:
    values = {
        "job.name": "stats",
        "job.factory.class": PROCESS,
        "job.container.count": "2",
        "job.default.system": "fake",
        "task.class": "samza_py.examples.wikipedia.stats.WikipediaStatsStreamTask",
        "task.inputs": "fake.edits",
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
        "stores.counts.factory": "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": "fake.counts-changelog",
        "metrics.reporters": "snapshot",
        "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        "metrics.reporter.snapshot.stream": "fake.metrics",
    }
    values.update(overrides)
    return Config({k: v for k, v in values.items() if v})


class NoCoordinator:
    """read_coordinator stand-in that fails the test if the coordinator stream is read."""

    def __init__(self, state: dict[tuple[str, str], dict[str, Any]] | None = None) -> None:
        self.state = state
        self.reads = 0

    def __call__(self, config: Config) -> dict[tuple[str, str], dict[str, Any]]:
        self.reads += 1
        assert self.state is not None, "the coordinator stream was read although it does not exist"
        return self.state


def plan_of(config: Config, admin: StrictAdmin, state: dict[tuple[str, str], dict[str, Any]] | None = None
            ) -> DryRunPlan:
    return plan_job(config, {"fake": admin}, NoCoordinator(state))


def assignment(plan: DryRunPlan) -> dict[str, list[str]]:
    return {pid: sorted(c.tasks) for pid, c in plan.model.containers.items()}


def test_first_run_prints_tasks_assignment_and_streams_and_creates_nothing() -> None:
    admin = StrictAdmin("fake", {"edits": 4, "metrics": 1})
    out, err = io.StringIO(), io.StringIO()
    reader = NoCoordinator()
    assert dry_run(job_config(), out, err, {"fake": admin}, reader) == 0
    assert err.getvalue() == ""
    assert out.getvalue() == (
        "Dry run of job stats (id 1): nothing was submitted, no stream created or written.\n"
        "Job factory: org.apache.samza.job.local.ProcessJobFactory (samza_py.job.local.ProcessJobFactory)\n"
        "\n"
        "Tasks (4):\n"
        "  TASK         INPUT PARTITIONS  CHANGELOG PARTITION\n"
        "  Partition 0  fake.edits.0      0\n"
        "  Partition 1  fake.edits.1      1\n"
        "  Partition 2  fake.edits.2      2\n"
        "  Partition 3  fake.edits.3      3\n"
        "\n"
        "Containers (2):\n"
        "  PROCESSOR  TASKS\n"
        "  0          Partition 0, Partition 2\n"
        "  1          Partition 1, Partition 3\n"
        "\n"
        "Streams:\n"
        "  ROLE         STREAM                                     PARTITIONS  EXISTS\n"
        "  coordinator  fake.__samza_coordinator_stats_1           1           no, a run creates it\n"
        "  checkpoint   fake.__samza_checkpoint_ver_1_for_stats_1  1           no, a run creates it\n"
        "  changelog    fake.counts-changelog (store counts)       4           no, a run creates it\n"
        "  metrics      fake.metrics (reporter snapshot)           -           yes, 1 partition(s)\n"
        "  input        fake.edits                                 -           yes, 4 partition(s)\n"
        "\n"
        "Notes:\n"
        "  - fake.__samza_coordinator_stats_1 does not exist yet: nothing from an earlier run is kept\n"
    )
    assert admin.created == []
    assert reader.reads == 0
    assert COORDINATOR_TOPIC in admin.asked and CHECKPOINT_TOPIC in admin.asked


def test_output_is_identical_for_the_same_state() -> None:
    def text() -> str:
        return render(plan_of(job_config(), StrictAdmin("fake", {"edits": 12})))

    assert text() == text()


def test_tasks_are_dealt_round_robin_in_string_order() -> None:
    # GroupByContainerCount sorts task names as strings: "Partition 10" comes before "Partition 2".
    plan = plan_of(job_config(), StrictAdmin("fake", {"edits": 12}))
    assert assignment(plan) == {
        "0": ["Partition 0", "Partition 10", "Partition 2", "Partition 4", "Partition 6", "Partition 8"],
        "1": ["Partition 1", "Partition 11", "Partition 3", "Partition 5", "Partition 7", "Partition 9"],
    }
    text = render(plan)
    assert "  0          Partition 0, Partition 10, Partition 2, Partition 4, Partition 6, Partition 8\n" in text
    assert "  changelog    fake.counts-changelog (store counts)       12          no, a run creates it\n" in text


def test_task_reading_several_streams_lists_each_partition() -> None:
    config = job_config(**{"task.inputs": "fake.edits,fake.clicks", "job.container.count": "1"})
    text = render(plan_of(config, StrictAdmin("fake", {"edits": 2, "clicks": 2})))
    assert "  Partition 0  fake.clicks.0, fake.edits.0  0\n" in text
    assert "  input        fake.clicks" in text and "  input        fake.edits" in text


def test_without_stores_checkpoints_metrics_or_coordinator_only_the_input_is_listed() -> None:
    config = job_config(**{
        "job.default.system": "", "task.checkpoint.factory": "", "stores.counts.factory": "",
        "stores.counts.changelog": "", "metrics.reporters": "", "job.container.count": "1",
    })
    admin = StrictAdmin("fake", {"edits": 2})
    plan = plan_of(config, admin)
    assert plan.changelog_partitions is None
    assert [(s.role, s.stream) for s in plan.streams] == [("input", "edits")]
    text = render(plan)
    assert "  TASK         INPUT PARTITIONS\n  Partition 0  fake.edits.0\n" in text
    assert "CHANGELOG" not in text
    assert "no job.coordinator.system (or job.default.system): no coordinator stream" in text
    assert admin.asked == ["edits", "edits"]


def test_existing_coordinator_stream_keeps_the_changelog_mapping() -> None:
    # An earlier run had 6 tasks; partitions are never reused, so the changelog needs 6 partitions.
    state = {("set-changelog", f"Partition {p}"): {"Partition": str(5 - p)} for p in range(6)}
    state[("set-config", "job.name")] = {"value": "stats"}
    admin = StrictAdmin("fake", {"edits": 4, COORDINATOR_TOPIC: 1, "counts-changelog": 4})
    reader = NoCoordinator(state)
    plan = plan_job(job_config(), {"fake": admin}, reader)
    assert reader.reads == 1
    assert plan.changelog_partitions == {"Partition 0": 5, "Partition 1": 4, "Partition 2": 3, "Partition 3": 2}
    text = render(plan)
    assert "  Partition 0  fake.edits.0      5\n" in text
    assert "  coordinator  fake.__samza_coordinator_stats_1           1           yes, 1 partition(s)\n" in text
    assert "fake.counts-changelog (store counts)       6           yes, 4 partition(s) (the job expects 6)" in text
    assert "changelog partitions of 6 task(s) kept from the coordinator stream" in text
    assert admin.created == []


def test_host_affinity_keeps_the_previous_assignment_on_yarn_only() -> None:
    state = {("set-task-container-assignment", f"Partition {p}"): {"containerId": str(p // 2)} for p in range(4)}
    admins = {"edits": 4, COORDINATOR_TOPIC: 1}
    yarn = job_config(**{"job.factory.class": YARN, "job.host-affinity.enabled": "true"})
    plan = plan_of(yarn, StrictAdmin("fake", admins), state)
    assert assignment(plan) == {"0": ["Partition 0", "Partition 1"], "1": ["Partition 2", "Partition 3"]}
    assert any(note.startswith("host affinity: the previous assignment of 4 task(s)") for note in plan.notes)
    # Local jobs group afresh on every run, host affinity or not.
    local = job_config(**{"job.host-affinity.enabled": "true"})
    plan = plan_of(local, StrictAdmin("fake", admins), state)
    assert assignment(plan) == {"0": ["Partition 0", "Partition 2"], "1": ["Partition 1", "Partition 3"]}


def test_missing_input_stream_fails_naming_it_and_prints_no_plan() -> None:
    out, err = io.StringIO(), io.StringIO()
    admin = StrictAdmin("fake", {})
    assert dry_run(job_config(), out, err, {"fake": admin}, NoCoordinator()) == 1
    assert out.getvalue() == ""
    assert "stream 'edits' does not exist in system 'fake'" in err.getvalue()
    assert admin.created == []


def test_more_containers_than_tasks_fails_naming_the_key() -> None:
    err = io.StringIO()
    config = job_config(**{"job.container.count": "3"})
    assert dry_run(config, io.StringIO(), err, {"fake": StrictAdmin("fake", {"edits": 2})}, NoCoordinator()) == 1
    assert "job.container.count" in err.getvalue()


def test_job_streams_lists_what_create_job_streams_creates() -> None:
    streams = job_streams(job_config(), {"Partition 0": 0, "Partition 1": 3})
    assert [(s.kind, s.system, s.spec.stream, s.spec.partitions, s.store) for s in streams] == [
        (CHECKPOINT, "fake", CHECKPOINT_TOPIC, 1, None),
        (CHANGELOG, "fake", "counts-changelog", 4, "counts"),
    ]
    admin = StrictAdmin("fake", {})
    create_job_streams(job_config(**{"task.checkpoint.factory": ""}), {"fake": admin}, {"Partition 0": 0})
    assert [(spec.stream, spec.partitions, spec.config["cleanup.policy"]) for spec in admin.created] == [
        ("counts-changelog", 1, "compact")
    ]


# --- run-job --dry-run ------------------------------------------------------------------------------------------


def write_config(tmp_path: Any, config: Config) -> str:
    path = tmp_path / "job.properties"
    path.write_text("".join(f"{key}={value}\n" for key, value in sorted(config.items())))
    return str(path)


def test_run_job_dry_run_prints_the_plan(world: FakeWorld, tmp_path: Any, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    admin = world.admins["fake"] = StrictAdmin("fake", {"edits": 4, "metrics": 1})
    # Without a coordinator stream nothing but the fake system is involved.
    path = write_config(tmp_path, job_config(**{"job.coordinator.system": "", "job.default.system": "",
                                                "task.checkpoint.factory": ""}))
    assert run_job.main(["--config-path", path, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Dry run of job stats (id 1)")
    assert "  1          Partition 1, Partition 3\n" in printed
    assert admin.created == []
    assert not (tmp_path / "run").exists()


def test_run_job_dry_run_with_an_invalid_config_exits_2_before_any_metadata_request(
    world: FakeWorld, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = world.admins["fake"] = StrictAdmin("fake", {"edits": 4})
    path = write_config(tmp_path, job_config(**{"task.window.ms": "soon", "stores.counts.key.serde": "nope"}))
    assert run_job.main(["--config-path", path, "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert "task.window.ms" in captured.err and "stores.counts.key.serde" in captured.err
    assert captured.out == ""
    assert admin.asked == [] and admin.created == []


def test_dry_run_is_only_for_the_run_operation(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_job.main(["--config-path", "job.properties", "--dry-run", "--operation", "kill"])
    assert exit_info.value.code == 2
    assert "--dry-run applies to --operation run, not kill" in capsys.readouterr().err


def test_standby_containers_are_planned_beside_their_actives() -> None:
    config = job_config(**{"job.factory.class": YARN, "job.host-affinity.enabled": "true",
                           "job.standbytask.replication.factor": "2"})
    out = io.StringIO()
    assert dry_run(config, out, io.StringIO(), {"fake": StrictAdmin("fake", {"edits": 4, "metrics": 1})},
                   NoCoordinator()) == 0
    text = out.getvalue()
    assert "Tasks (4):" in text and "Containers (4):" in text  # standby copies are not tasks of their own
    assert "  0-0        Standby-Partition 0-0, Standby-Partition 2-0\n" in text
    assert "  1-0        Standby-Partition 1-0, Standby-Partition 3-0\n" in text
