"""Classes that validation tests name in task.class and factory keys (all importable)."""

from __future__ import annotations

from typing import Any

from samza_py.api import IncomingMessageEnvelope, MessageCollector, StreamTask, TaskCoordinator


class GoodTask(StreamTask):
    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        pass


class DuckTask:
    """Not a StreamTask subclass, but it has process(): accepted like any duck-typed task."""

    def process(self, envelope: Any, collector: Any, coordinator: Any) -> None:
        pass


class AbstractTask(StreamTask):
    pass


class NotATask:
    def run(self) -> None:
        pass


def task_function(envelope: Any, collector: Any, coordinator: Any) -> None:
    pass


class AnyFactory:
    """Stands in for job, system, serde and store factories in configs that must validate."""
