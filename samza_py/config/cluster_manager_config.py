"""ClusterManagerConfig: container and AM resources, retry policy and YARN settings.

For each setting the 1.x ``cluster-manager.*`` key wins over the legacy ``yarn.*`` one.
"""

from __future__ import annotations

from samza_py.config._view import ConfigView

_CM = "cluster-manager.container."
_YARN = "yarn.container."


class ClusterManagerConfig(ConfigView):
    __slots__ = ()

    @property
    def container_memory_mb(self) -> int:
        return self.int_of((_CM + "memory.mb", _YARN + "memory.mb"), 1024)

    @property
    def container_cpu_cores(self) -> int:
        return self.int_of((_CM + "cpu.cores", _YARN + "cpu.cores"), 1)

    @property
    def container_retry_count(self) -> int:
        """Restarts allowed per container in the window: 0 = first failure fails the job, <0 = unlimited."""
        return self.int_of((_CM + "retry.count", _YARN + "retry.count"), 8)

    @property
    def container_retry_window_ms(self) -> int:
        return self.int_of((_CM + "retry.window.ms", _YARN + "retry.window.ms"), 300000)

    @property
    def fail_job_after_retries(self) -> bool:
        return self.config.get_bool(_CM + "fail.job.after.retries", True)

    @property
    def preferred_host_last_retry_delay_ms(self) -> int:
        return self.config.get_int(_CM + "preferred-host.last.retry.delay.ms", 360000)

    @property
    def container_request_timeout_ms(self) -> int:
        return self.int_of((_CM + "request.timeout.ms", _YARN + "request.timeout.ms"), 5000)

    @property
    def allocator_sleep_ms(self) -> int:
        return self.int_of(("cluster-manager.allocator.sleep.ms", "yarn.allocator.sleep.ms"), 3600)

    @property
    def am_memory_mb(self) -> int:
        return self.config.get_int("yarn.am.container.memory.mb", 1024)

    @property
    def am_cpu_cores(self) -> int:
        return self.config.get_int("yarn.am.container.cpu.cores", 1)

    @property
    def am_poll_interval_ms(self) -> int:
        return self.config.get_int("yarn.am.poll.interval.ms", 1000)  # Samza's code; its docs say 100

    @property
    def yarn_queue(self) -> str | None:
        return self.config.get_str("yarn.queue")

    @property
    def package_path(self) -> str | None:
        """``yarn.package.path``; required by the YARN job factory, which validation checks."""
        return self.config.get_str("yarn.package.path")
