"""JobConfig and TaskConfig: Samza's keys, defaults and legacy fallbacks."""

from __future__ import annotations

import os

import pytest

from samza_py.api import SystemStream
from samza_py.config import Config, ConfigException, JobConfig, TaskConfig


def test_job_defaults() -> None:
    j = JobConfig(Config({"job.name": "wikipedia-stats"}))
    assert j.name == "wikipedia-stats"
    assert j.id == "1"
    assert j.container_count == 1
    assert j.default_system is None
    assert j.coordinator_system is None
    assert j.coordinator_replication_factor == 3
    assert j.changelog_system is None
    assert j.ssp_grouper_factory == "org.apache.samza.container.grouper.stream.GroupByPartitionFactory"
    assert j.task_name_grouper_factory == "org.apache.samza.container.grouper.task.GroupByContainerCountFactory"
    assert j.host_affinity_enabled is False
    assert j.logged_store_base_dir is None
    assert j.checkpoint_validation_enabled is True


def test_job_required_keys() -> None:
    empty = JobConfig(Config({}))
    with pytest.raises(ConfigException) as info:
        _ = empty.name
    assert info.value.key == "job.name"
    with pytest.raises(ConfigException) as info:
        _ = empty.factory_class
    assert info.value.key == "job.factory.class"


def test_job_values() -> None:
    j = JobConfig(
        {
            "job.name": "n",
            "job.id": "3",
            "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
            "job.systemstreampartition.grouper.factory": "x.G",
            "task.name.grouper.factory": "x.T",
            "job.logged.store.base.dir": "/data/state",
            "job.checkpoint.validation.enabled": "false",
        }
    )
    assert (j.id, j.factory_class) == ("3", "org.apache.samza.job.local.ThreadJobFactory")
    assert (j.ssp_grouper_factory, j.task_name_grouper_factory) == ("x.G", "x.T")
    assert j.logged_store_base_dir == "/data/state"
    assert j.checkpoint_validation_enabled is False


def test_container_count_legacy_and_precedence() -> None:
    assert JobConfig({"yarn.container.count": "4"}).container_count == 4
    assert JobConfig({"job.container.count": "2", "yarn.container.count": "4"}).container_count == 2
    with pytest.raises(ConfigException) as info:
        _ = JobConfig({"yarn.container.count": "four"}).container_count
    assert info.value.key == "yarn.container.count"


def test_host_affinity_legacy_and_precedence() -> None:
    assert JobConfig({"yarn.samza.host-affinity.enabled": "true"}).host_affinity_enabled is True
    both = {"job.host-affinity.enabled": "false", "yarn.samza.host-affinity.enabled": "true"}
    assert JobConfig(both).host_affinity_enabled is False


def test_systems_fall_back_to_default_system() -> None:
    j = JobConfig({"job.default.system": "kafka"})
    assert (j.default_system, j.coordinator_system, j.changelog_system) == ("kafka", "kafka", "kafka")
    j = JobConfig({"job.default.system": "kafka", "job.coordinator.system": "coord", "job.changelog.system": "cl"})
    assert (j.coordinator_system, j.changelog_system) == ("coord", "cl")


def test_coordinator_replication_factor_fallback() -> None:
    base = {"job.coordinator.system": "kafka", "systems.kafka.default.stream.replication.factor": "2"}
    assert JobConfig(base).coordinator_replication_factor == 2
    assert JobConfig({**base, "job.coordinator.replication.factor": "1"}).coordinator_replication_factor == 1
    # The system default applies to the coordinator system only.
    other = {"job.coordinator.system": "other", "systems.kafka.default.stream.replication.factor": "2"}
    assert JobConfig(other).coordinator_replication_factor == 3
    via_default = {"job.default.system": "kafka", "systems.kafka.default.stream.replication.factor": "5"}
    assert JobConfig(via_default).coordinator_replication_factor == 5


def test_topic_names() -> None:
    j = JobConfig({"job.name": "wikipedia-stats"})
    assert j.checkpoint_topic() == "__samza_checkpoint_ver_1_for_wikipedia-stats_1"
    assert j.coordinator_topic() == "__samza_coordinator_wikipedia-stats_1"
    j = JobConfig({"job.name": "my_job_x", "job.id": "dev_2"})
    assert j.checkpoint_topic() == "__samza_checkpoint_ver_1_for_my-job-x_dev-2"
    assert j.coordinator_topic() == "__samza_coordinator_my-job-x_dev-2"


def test_logged_store_base_dir_resolution() -> None:
    j = JobConfig({"job.name": "stats", "job.id": "2", "job.logged.store.base.dir": "/cfg"})
    assert j.resolve_logged_store_base_dir({"LOGGED_STORE_BASE_DIR": "/env"}) == os.path.join("/env", "stats-2")
    assert j.resolve_logged_store_base_dir({}) == "/cfg"
    bare = JobConfig({"job.name": "stats"})
    assert bare.resolve_logged_store_base_dir({}, cwd="/work") == os.path.join("/work", "state")


def test_task_defaults() -> None:
    t = TaskConfig(Config({"task.class": "a.B"}))
    assert t.task_class == "a.B"
    assert t.inputs == []
    assert t.broadcast_inputs == set()
    assert t.window_ms == -1
    assert t.commit_ms == 60000
    assert t.checkpoint_factory is None
    assert t.checkpoint_system is None
    assert t.checkpoint_replication_factor == 3
    assert t.checkpoint_path is None
    assert t.chooser_class == "org.apache.samza.system.chooser.RoundRobinChooserFactory"
    assert t.consumer_batch_size == 1
    assert t.poll_interval_ms == 50
    assert t.shutdown_ms == 30000
    assert t.drop_deserialization_errors is False
    assert t.ignored_exceptions == []
    assert t.max_concurrency == 1
    assert t.callback_timeout_ms == -1
    assert t.transactional_state_checkpoint_enabled is True
    assert t.transactional_state_restore_enabled is True
    assert t.transactional_state_retain_existing_state is True


def test_task_class_required() -> None:
    with pytest.raises(ConfigException) as info:
        _ = TaskConfig({}).task_class
    assert info.value.key == "task.class"


def test_task_values() -> None:
    t = TaskConfig(
        {
            "task.window.ms": "10000",
            "task.commit.ms": "-1",
            "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
            "task.checkpoint.path": "/tmp/cp",
            "task.chooser.class": "x.Chooser",
            "task.consumer.batch.size": "100",
            "task.poll.interval.ms": "10",
            "task.shutdown.ms": "5000",
            "task.drop.deserialization.errors": "true",
            "task.ignored.exceptions": "ValueError, my.mod.Err",
        }
    )
    assert (t.window_ms, t.commit_ms) == (10000, -1)
    assert t.checkpoint_factory == "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory"
    assert t.checkpoint_path == "/tmp/cp"
    assert t.chooser_class == "x.Chooser"
    assert (t.consumer_batch_size, t.poll_interval_ms, t.shutdown_ms) == (100, 10, 5000)
    assert t.drop_deserialization_errors is True
    assert t.ignored_exceptions == ["ValueError", "my.mod.Err"]
    assert TaskConfig({"task.ignored.exceptions": "*"}).ignored_exceptions == ["*"]


def test_task_inputs_split_at_first_dot() -> None:
    t = TaskConfig({"task.inputs": " kafka.wikipedia-edits , wikipedia.#en.wikipedia,,kafka.wikipedia-edits"})
    assert t.inputs == [SystemStream("kafka", "wikipedia-edits"), SystemStream("wikipedia", "#en.wikipedia")]


def test_task_inputs_malformed() -> None:
    with pytest.raises(ConfigException) as info:
        _ = TaskConfig({"task.inputs": "kafka.a,nodot"}).inputs
    assert info.value.key == "task.inputs"
    assert "'nodot'" in info.value.message


def test_checkpoint_system_and_replication_fallbacks() -> None:
    t = TaskConfig({"job.default.system": "kafka", "systems.kafka.default.stream.replication.factor": "2"})
    assert t.checkpoint_system == "kafka"
    assert t.checkpoint_replication_factor == 2
    t = TaskConfig(
        {"job.default.system": "kafka", "task.checkpoint.system": "cp", "task.checkpoint.replication.factor": "1"}
    )
    assert (t.checkpoint_system, t.checkpoint_replication_factor) == ("cp", 1)
