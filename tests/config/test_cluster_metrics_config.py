"""ClusterManagerConfig (1.x keys over legacy yarn.* keys) and MetricsConfig."""

from __future__ import annotations

import pytest

from samza_py.api import SystemStream
from samza_py.config import ClusterManagerConfig, Config, ConfigException, MetricsConfig

# (property, 1.x key, legacy key or None, default, a value to set)
SETTINGS = [
    ("container_memory_mb", "cluster-manager.container.memory.mb", "yarn.container.memory.mb", 1024, 2048),
    ("container_cpu_cores", "cluster-manager.container.cpu.cores", "yarn.container.cpu.cores", 1, 4),
    ("container_retry_count", "cluster-manager.container.retry.count", "yarn.container.retry.count", 8, -1),
    ("container_retry_window_ms", "cluster-manager.container.retry.window.ms", "yarn.container.retry.window.ms",
     300000, 1000),
    ("container_request_timeout_ms", "cluster-manager.container.request.timeout.ms",
     "yarn.container.request.timeout.ms", 5000, 10),
    ("allocator_sleep_ms", "cluster-manager.allocator.sleep.ms", "yarn.allocator.sleep.ms", 3600, 100),
    ("preferred_host_last_retry_delay_ms", "cluster-manager.container.preferred-host.last.retry.delay.ms", None,
     360000, 7),
    ("am_memory_mb", "yarn.am.container.memory.mb", None, 1024, 512),
    ("am_cpu_cores", "yarn.am.container.cpu.cores", None, 1, 2),
    ("am_poll_interval_ms", "yarn.am.poll.interval.ms", None, 1000, 100),
]


@pytest.mark.parametrize(("prop", "key", "legacy", "default", "value"), SETTINGS)
def test_cluster_manager_settings(prop: str, key: str, legacy: str | None, default: int, value: int) -> None:
    assert getattr(ClusterManagerConfig(Config({})), prop) == default
    assert getattr(ClusterManagerConfig({key: str(value)}), prop) == value
    if legacy is not None:
        assert getattr(ClusterManagerConfig({legacy: str(value)}), prop) == value
        assert getattr(ClusterManagerConfig({key: str(value), legacy: str(value + 1)}), prop) == value


def test_cluster_manager_other_settings() -> None:
    empty = ClusterManagerConfig({})
    assert empty.fail_job_after_retries is True
    assert empty.yarn_queue is None
    assert empty.package_path is None
    set_ = ClusterManagerConfig(
        {
            "cluster-manager.container.fail.job.after.retries": "false",
            "yarn.queue": "samza",
            "yarn.package.path": "hdfs:///jobs/job.tar.gz",
        }
    )
    assert set_.fail_job_after_retries is False
    assert set_.yarn_queue == "samza"
    assert set_.package_path == "hdfs:///jobs/job.tar.gz"


def test_cluster_manager_bad_legacy_value_names_the_legacy_key() -> None:
    with pytest.raises(ConfigException) as info:
        _ = ClusterManagerConfig({"yarn.container.memory.mb": "1g"}).container_memory_mb
    assert info.value.key == "yarn.container.memory.mb"


def test_metrics_config() -> None:
    m = MetricsConfig(
        {
            "metrics.reporters": "snapshot, jmx",
            "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
            "metrics.reporter.snapshot.stream": "kafka.metrics",
            "metrics.reporter.snapshot.interval": "10",
        }
    )
    assert m.reporters == ["snapshot", "jmx"]
    assert m.reporter_class("snapshot") == "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory"
    assert m.reporter_class("jmx") is None
    assert m.reporter_stream("snapshot") == SystemStream("kafka", "metrics")
    assert m.reporter_stream("jmx") is None
    assert m.reporter_interval_s("snapshot") == 10
    assert m.reporter_interval_s("jmx") == 60
    assert MetricsConfig({}).reporters == []


def test_metrics_bad_stream_names_its_key() -> None:
    with pytest.raises(ConfigException) as info:
        MetricsConfig({"metrics.reporter.r.stream": "metrics"}).reporter_stream("r")
    assert info.value.key == "metrics.reporter.r.stream"
