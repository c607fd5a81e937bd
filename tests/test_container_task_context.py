"""TaskContextImpl: starting-offset overrides (init only, own SSPs), stores, and what it exposes."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api import KeyValueStore, SystemStreamPartition
from samza_py.config.config import Config
from samza_py.container.task_context import TaskContextImpl
from samza_py.metrics.registry import MetricsRegistryMap

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "a", 1)


def context(stores: dict[str, Any] | None = None) -> TaskContextImpl:
    return TaskContextImpl("Partition 0", frozenset({A}), Config({"job.name": "j"}), MetricsRegistryMap("t"),
                           stores or {})


def test_exposes_task_name_ssps_config_and_registry() -> None:
    registry = MetricsRegistryMap("t")
    ctx = TaskContextImpl("Partition 0", frozenset({A}), Config({"job.name": "j"}), registry, {})
    assert ctx.task_name == "Partition 0"
    assert ctx.system_stream_partitions == frozenset({A})
    assert ctx.config["job.name"] == "j"
    assert ctx.metrics_registry is registry


def test_set_starting_offset_in_init_for_an_own_ssp() -> None:
    ctx = context()
    ctx.set_starting_offset(A, "5")
    ctx.set_starting_offset(A, "7")  # the last call wins
    assert ctx.starting_offset_overrides == {A: "7"}


def test_set_starting_offset_for_a_foreign_ssp_is_refused() -> None:
    ctx = context()
    with pytest.raises(ValueError, match=r"SystemStreamPartition \[fake, a, 1\] is not an input of task 'Partition 0'"):
        ctx.set_starting_offset(B, "5")
    assert ctx.starting_offset_overrides == {}


def test_set_starting_offset_after_init_is_refused() -> None:
    ctx = context()
    ctx.set_starting_offset(A, "5")
    ctx.initialised = True
    with pytest.raises(RuntimeError, match="only be called in init"):
        ctx.set_starting_offset(A, "9")
    assert ctx.starting_offset_overrides == {A: "5"}


def test_get_store_returns_the_named_store() -> None:
    store: KeyValueStore[Any, Any] = object()  # type: ignore[assignment]
    assert context({"counts": store}).get_store("counts") is store


def test_get_store_error_lists_known_stores() -> None:
    ctx = context({"zeta": object(), "alpha": object()})
    with pytest.raises(KeyError) as info:
        ctx.get_store("missing")
    message = info.value.args[0]
    assert message == "task 'Partition 0' has no store 'missing' (stores: alpha, zeta)"


def test_get_store_error_without_stores_says_none() -> None:
    with pytest.raises(KeyError) as info:
        context().get_store("counts")
    assert info.value.args[0] == "task 'Partition 0' has no store 'counts' (stores: none)"
