"""The only package a job author imports.

Tasks, envelopes, streams, collector, coordinator, context, stores and metrics.
"""

from samza_py.api.collector import MessageCollector
from samza_py.api.context import TaskContext
from samza_py.api.coordinator import RequestScope, TaskCoordinator
from samza_py.api.envelope import END_OF_STREAM_OFFSET, IncomingMessageEnvelope, OutgoingMessageEnvelope
from samza_py.api.metrics import Counter, Gauge, MetricsRegistry, Timer
from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.api.streams import Partition, SystemStream, SystemStreamPartition
from samza_py.api.task import (
    ClosableTask,
    EndOfStreamListenerTask,
    InitableTask,
    StreamTask,
    WindowableTask,
)

__all__ = [
    "END_OF_STREAM_OFFSET",
    "ClosableTask",
    "Counter",
    "EndOfStreamListenerTask",
    "Entry",
    "Gauge",
    "IncomingMessageEnvelope",
    "InitableTask",
    "KeyValueIterator",
    "KeyValueStore",
    "MessageCollector",
    "MetricsRegistry",
    "OutgoingMessageEnvelope",
    "Partition",
    "RequestScope",
    "StreamTask",
    "SystemStream",
    "SystemStreamPartition",
    "TaskContext",
    "TaskCoordinator",
    "Timer",
    "WindowableTask",
]
