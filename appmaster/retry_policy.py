"""Samza's container retry policy: failures of one processor counted within a time window."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryDecision:
    restart: bool
    fail_job: bool
    failures: int


@dataclass
class ContainerRetryPolicy:
    """``retry.count`` restarts per processor; failures further apart than ``retry.window.ms`` start over.

    ``retry.count`` 0 fails the job on the first failure; below 0 means unlimited restarts. Past the
    limit the job fails, or (``fail.job.after.retries=false``) the processor is left stopped.
    """

    retry_count: int
    retry_window_ms: int
    fail_job_after_retries: bool = True
    _failures: dict[str, int] = field(default_factory=dict)
    _last_failure_ms: dict[str, int] = field(default_factory=dict)

    def on_failure(self, processor_id: str, now_ms: int) -> RetryDecision:
        last = self._last_failure_ms.get(processor_id)
        if last is not None and now_ms - last < self.retry_window_ms:
            count = self._failures.get(processor_id, 0) + 1
        else:
            count = 1
        self._failures[processor_id] = count
        self._last_failure_ms[processor_id] = now_ms
        if self.retry_count == 0:
            return RetryDecision(restart=False, fail_job=True, failures=count)
        if 0 < self.retry_count < count:
            return RetryDecision(restart=False, fail_job=self.fail_job_after_retries, failures=count)
        return RetryDecision(restart=True, fail_job=False, failures=count)

    def failures(self, processor_id: str) -> int:
        return self._failures.get(processor_id, 0)
