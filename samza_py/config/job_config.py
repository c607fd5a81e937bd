"""JobConfig: the ``job.*`` keys (name, id, factory, containers, default systems, groupers, topics)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from samza_py.config._view import ConfigView

DEFAULT_SSP_GROUPER_FACTORY = "org.apache.samza.container.grouper.stream.GroupByPartitionFactory"
DEFAULT_TASK_NAME_GROUPER_FACTORY = "org.apache.samza.container.grouper.task.GroupByContainerCountFactory"
DEFAULT_COORDINATOR_REPLICATION_FACTOR = 3  # Samza's code; its docs say 2
DEFAULT_RESTORE_THREAD_POOL_SIZE = 2
DEFAULT_RESTORE_THREAD_POOL_MAX_SIZE = 64


class JobConfig(ConfigView):
    __slots__ = ()

    @property
    def name(self) -> str:
        return self.config.require("job.name")

    @property
    def id(self) -> str:
        return self.config.get_str("job.id") or "1"

    @property
    def factory_class(self) -> str:
        return self.config.require("job.factory.class")

    @property
    def container_count(self) -> int:
        return self.int_of(("job.container.count", "yarn.container.count"), 1)

    @property
    def restore_thread_pool_size(self) -> int:
        return self.int_of(("job.container.restore.thread.pool.size",), DEFAULT_RESTORE_THREAD_POOL_SIZE)

    @property
    def restore_thread_pool_max_size(self) -> int:
        return self.int_of(("job.container.restore.thread.pool.max.size",), DEFAULT_RESTORE_THREAD_POOL_MAX_SIZE)

    def restore_threads(self, tasks_in_container: int) -> int:
        """Samza's restore pool: ``min(max(2 × tasks, pool.size), pool.max.size)`` threads."""
        return min(max(2 * tasks_in_container, self.restore_thread_pool_size), self.restore_thread_pool_max_size)

    @property
    def default_system(self) -> str | None:
        return self.config.get_str("job.default.system")

    @property
    def coordinator_system(self) -> str | None:
        return self.config.get_str("job.coordinator.system") or self.default_system

    @property
    def coordinator_replication_factor(self) -> int:
        keys = ["job.coordinator.replication.factor"]
        if self.coordinator_system is not None:
            keys.append(f"systems.{self.coordinator_system}.default.stream.replication.factor")
        return self.int_of(tuple(keys), DEFAULT_COORDINATOR_REPLICATION_FACTOR)

    @property
    def coordinator_topic_properties(self) -> dict[str, str]:
        """samza-py: topic settings for the coordinator stream (``job.coordinator.kafka.*``, e.g.
        ``min.insync.replicas``), over the defaults."""
        return self.prefixed("job.coordinator.kafka.")

    @property
    def changelog_system(self) -> str | None:
        return self.config.get_str("job.changelog.system") or self.default_system

    @property
    def ssp_grouper_factory(self) -> str:
        return self.config.get_str("job.systemstreampartition.grouper.factory") or DEFAULT_SSP_GROUPER_FACTORY

    @property
    def task_name_grouper_factory(self) -> str:
        return self.config.get_str("task.name.grouper.factory") or DEFAULT_TASK_NAME_GROUPER_FACTORY

    @property
    def host_affinity_enabled(self) -> bool:
        return self.bool_of(("job.host-affinity.enabled", "yarn.samza.host-affinity.enabled"), False)

    @property
    def logged_store_base_dir(self) -> str | None:
        """``job.logged.store.base.dir`` as configured; see ``resolve_logged_store_base_dir`` for the rule."""
        return self.config.get_str("job.logged.store.base.dir")

    def resolve_logged_store_base_dir(self, environ: Mapping[str, str] | None = None, cwd: str | None = None) -> str:
        """``$LOGGED_STORE_BASE_DIR/<name>-<id>``, else ``job.logged.store.base.dir``, else ``<cwd>/state``."""
        env = os.environ if environ is None else environ
        from_env = env.get("LOGGED_STORE_BASE_DIR")
        if from_env:
            return os.path.join(from_env, f"{self.name}-{self.id}")
        return self.logged_store_base_dir or os.path.join(cwd if cwd is not None else os.getcwd(), "state")

    @property
    def checkpoint_validation_enabled(self) -> bool:
        return self.config.get_bool("job.checkpoint.validation.enabled", True)

    def _topic_suffix(self) -> str:
        # Kafka topic names of Samza's internal streams use '-' where the job name/id have '_'.
        return self.name.replace("_", "-") + "_" + self.id.replace("_", "-")

    def checkpoint_topic(self) -> str:
        return "__samza_checkpoint_ver_1_for_" + self._topic_suffix()

    def coordinator_topic(self) -> str:
        return "__samza_coordinator_" + self._topic_suffix()
