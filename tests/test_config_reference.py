"""The config reference (samza_py.config.reference) matches the typed views, the code, and README.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from samza_py.api.streams import SystemStream
from samza_py.config import (
    ClusterManagerConfig,
    Config,
    JobConfig,
    MetricsConfig,
    StorageConfig,
    StreamConfig,
    SystemConfig,
    TaskConfig,
)
from samza_py.config.reference import REFERENCE, render_markdown
from samza_py.config.zk_config import ZkConfig

ROOT = Path(__file__).resolve().parent.parent

# A minimal config: one system "kafka", one store "s", one reporter "r"; everything else unset.
MINIMAL = Config({
    "job.name": "j",
    "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
    "task.class": "t.T",
    "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
    "stores.s.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
    "metrics.reporters": "r",
})
SS = SystemStream("kafka", "in")

job, task, cm = JobConfig(MINIMAL), TaskConfig(MINIMAL), ClusterManagerConfig(MINIMAL)
systems, streams = SystemConfig(MINIMAL), StreamConfig(MINIMAL)
stores, metrics = StorageConfig(MINIMAL), MetricsConfig(MINIMAL)
zk = ZkConfig(MINIMAL)

# Every REFERENCE key whose default a typed view computes -> the getter that computes it.
GETTERS: dict[str, Callable[[], Any]] = {
    "job.id": lambda: job.id,
    "job.container.count": lambda: job.container_count,
    "yarn.container.count": lambda: job.container_count,
    "job.container.restore.thread.pool.size": lambda: job.restore_thread_pool_size,
    "job.container.restore.thread.pool.max.size": lambda: job.restore_thread_pool_max_size,
    "job.coordinator.replication.factor": lambda: job.coordinator_replication_factor,
    "job.systemstreampartition.grouper.factory": lambda: job.ssp_grouper_factory,
    "task.name.grouper.factory": lambda: job.task_name_grouper_factory,
    "job.host-affinity.enabled": lambda: job.host_affinity_enabled,
    "yarn.samza.host-affinity.enabled": lambda: job.host_affinity_enabled,
    "job.logged.store.base.dir": lambda: job.resolve_logged_store_base_dir(environ={}, cwd="."),
    "job.checkpoint.validation.enabled": lambda: job.checkpoint_validation_enabled,
    "task.window.ms": lambda: task.window_ms,
    "task.commit.ms": lambda: task.commit_ms,
    "task.checkpoint.replication.factor": lambda: task.checkpoint_replication_factor,
    "task.checkpoint.write.versions": lambda: ",".join(map(str, task.checkpoint_write_versions)),
    "task.checkpoint.read.versions": lambda: ",".join(map(str, task.checkpoint_read_versions)),
    "task.live.checkpoint.max.age": lambda: task.live_checkpoint_max_age_ms,
    "task.checkpoint.write.timeout.ms": lambda: task.checkpoint_write_timeout_ms,
    "task.chooser.class": lambda: task.chooser_class,
    "task.consumer.batch.size": lambda: task.consumer_batch_size,
    "task.poll.interval.ms": lambda: task.poll_interval_ms,
    "task.shutdown.ms": lambda: task.shutdown_ms,
    "task.drop.deserialization.errors": lambda: task.drop_deserialization_errors,
    "task.max.concurrency": lambda: task.max_concurrency,
    "task.callback.timeout.ms": lambda: task.callback_timeout_ms,
    "task.transactional.state.checkpoint.enabled": lambda: task.transactional_state_checkpoint_enabled,
    "task.transactional.state.restore.enabled": lambda: task.transactional_state_restore_enabled,
    "task.transactional.state.retain.existing.state": lambda: task.transactional_state_retain_existing_state,
    "systems.<s>.samza.offset.default": lambda: systems.offset_default("kafka"),
    "systems.<s>.default.stream.samza.offset.default": lambda: systems.offset_default("kafka"),
    "systems.<s>.samza.fetch.threshold": lambda: systems.fetch_threshold("kafka"),
    "systems.<s>.streams.<stream>.samza.reset.offset": lambda: streams.reset_offset(SS),
    "systems.<s>.streams.<stream>.samza.priority": lambda: streams.priority(SS),
    "systems.<s>.streams.<stream>.samza.bootstrap": lambda: streams.is_bootstrap(SS),
    "systems.<s>.streams.<stream>.samza.bounded": lambda: streams.stream_property(SS, "bounded", "false"),
    "stores.<store>.changelog.replication.factor": lambda: stores.changelog_replication_factor("s"),
    "stores.<store>.changelog.delete.retention.ms": lambda: stores.changelog_delete_retention_ms("s"),
    "stores.<store>.changelog.min.compaction.lag.ms": lambda: stores.changelog_min_compaction_lag_ms("s"),
    "stores.<store>.write.batch.size": lambda: stores.write_batch_size("s"),
    "stores.<store>.container.cache.size.bytes": lambda: stores.container_cache_size_bytes("s"),
    "stores.<store>.container.write.buffer.size.bytes": lambda: stores.container_write_buffer_size_bytes("s"),
    "stores.<store>.rocksdb.compression": lambda: stores.rocksdb_compression("s"),
    "stores.<store>.rocksdb.compaction.style": lambda: stores.rocksdb_compaction_style("s"),
    "stores.<store>.rocksdb.wal.enabled": lambda: stores.rocksdb_wal_enabled("s"),
    "cluster-manager.container.memory.mb": lambda: cm.container_memory_mb,
    "yarn.container.memory.mb": lambda: cm.container_memory_mb,
    "cluster-manager.container.cpu.cores": lambda: cm.container_cpu_cores,
    "yarn.container.cpu.cores": lambda: cm.container_cpu_cores,
    "cluster-manager.container.retry.count": lambda: cm.container_retry_count,
    "yarn.container.retry.count": lambda: cm.container_retry_count,
    "cluster-manager.container.retry.window.ms": lambda: cm.container_retry_window_ms,
    "yarn.container.retry.window.ms": lambda: cm.container_retry_window_ms,
    "cluster-manager.container.fail.job.after.retries": lambda: cm.fail_job_after_retries,
    "cluster-manager.container.preferred-host.last.retry.delay.ms": lambda: cm.preferred_host_last_retry_delay_ms,
    "cluster-manager.container.request.timeout.ms": lambda: cm.container_request_timeout_ms,
    "yarn.container.request.timeout.ms": lambda: cm.container_request_timeout_ms,
    "cluster-manager.allocator.sleep.ms": lambda: cm.allocator_sleep_ms,
    "yarn.allocator.sleep.ms": lambda: cm.allocator_sleep_ms,
    "yarn.am.container.memory.mb": lambda: cm.am_memory_mb,
    "yarn.am.container.cpu.cores": lambda: cm.am_cpu_cores,
    "yarn.am.poll.interval.ms": lambda: cm.am_poll_interval_ms,
    "metrics.reporter.<name>.interval": lambda: metrics.reporter_interval_s("r"),
    "job.coordinator.zk.session.timeout.ms": lambda: zk.session_timeout_ms,
    "job.coordinator.zk.connection.timeout.ms": lambda: zk.connection_timeout_ms,
    "job.coordinator.zk.consensus.timeout.ms": lambda: zk.consensus_timeout_ms,
    "job.debounce.time.ms": lambda: zk.debounce_ms,
    "app.processor-id-generator.class": lambda: zk.processor_id_generator,
}

BY_KEY = {entry.key: entry for entry in REFERENCE}


def as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_reference_keys_are_unique_and_filled() -> None:
    assert len(BY_KEY) == len(REFERENCE)
    for entry in REFERENCE:
        assert entry.key and entry.default and entry.meaning, entry
        assert "|" not in entry.meaning + entry.default, entry


@pytest.mark.parametrize("key", sorted(GETTERS))
def test_default_matches_the_typed_view(key: str) -> None:
    assert key in BY_KEY, f"{key} is checked but missing from REFERENCE"
    assert BY_KEY[key].default == as_text(GETTERS[key]()), key


def test_readme_holds_the_rendered_table() -> None:
    text = (ROOT / "README.md").read_text()
    start, end = "<!-- config-reference:start -->\n", "<!-- config-reference:end -->"
    assert text.count(start) == 1 and text.count(end) == 1
    inside = text.split(start, 1)[1].split(end, 1)[0]
    assert inside == render_markdown(), "README.md's config table is stale: regenerate it with bin/config-reference"


# f-string fields in key literals -> REFERENCE placeholders; any other field stands for any text.
FIELDS = {
    "system": "<s>", "system_name": "<s>", "ss.system": "<s>", "changelog.system": "<s>",
    "self.coordinator_system": "<s>", "self.checkpoint_system": "<s>",
    "stream_id": "<stream>", "ss.stream": "<stream>", "ids[1]": "<stream>",
    "store": "<store>", "store_name": "<store>", "st": "<store>",
    "name": "<name>", "n": "<name>", "reporter": "<name>",
}
PREFIXES = ("job.", "task.", "systems.", "stores.", "cluster-manager.", "yarn.", "metrics.", "serializers.",
            "streams.", "samza-py.")
_ALTERNATIVES = "|".join(re.escape(p) for p in PREFIXES)
KEY_LITERAL = re.compile(r"""f?(["'])((?:""" + _ALTERNATIVES + r""")[A-Za-z0-9_.{}\[\]-]*)\1""")
SOURCES = [
    *sorted((ROOT / "samza_py" / "config").glob("*_config.py")),
    ROOT / "samza_py" / "config" / "validation.py",
    ROOT / "samza_py" / "job" / "yarn.py",
    ROOT / "samza_py" / "system" / "kafka" / "factory.py",
    ROOT / "samza_py" / "system" / "kafka" / "client_config.py",
    ROOT / "samza_py" / "serializers" / "builtin.py",
    ROOT / "appmaster" / "application_master.py",
    ROOT / "container" / "chooser.py",
]


def keys_read() -> set[str]:
    found = set()
    for path in SOURCES:
        for match in KEY_LITERAL.finditer(path.read_text()):
            found.add(re.sub(r"\{([^{}]+)\}", lambda m: FIELDS.get(m.group(1), "{*}"), match.group(2)))
    return found


def covered(key: str) -> bool:
    pattern = re.escape(key).replace(re.escape("{*}"), ".+")
    if key.endswith("."):  # a prefix the code scans: some REFERENCE key must live under it
        return any(re.match(pattern, ref) for ref in BY_KEY)
    return any(re.fullmatch(pattern, ref) or ref.endswith(".*") and key.startswith(ref[:-1]) for ref in BY_KEY)


def test_every_key_the_code_reads_is_in_the_reference() -> None:
    found = keys_read()
    assert "stores.<store>.rocksdb.compression" in found and "samza-py.python" in found  # the scan works
    missing = sorted(key for key in found if not covered(key))
    assert not missing, f"keys read by samza-py but missing from samza_py/config/reference.py: {missing}"
