"""The only package a job author imports.

Tasks, envelopes, streams, collector, coordinator, context, stores and metrics; and the high-level API:
applications, descriptors, serdes, MessageStream and windows.
"""

from samza_py.api.application import (
    StreamApplication,
    StreamApplicationDescriptor,
    TaskApplication,
    TaskApplicationDescriptor,
)
from samza_py.api.collector import MessageCollector
from samza_py.api.context import TaskContext
from samza_py.api.coordinator import RequestScope, TaskCoordinator
from samza_py.api.descriptors import (
    InputDescriptor,
    KafkaSystemDescriptor,
    OutputDescriptor,
    SystemDescriptor,
)
from samza_py.api.envelope import END_OF_STREAM_OFFSET, IncomingMessageEnvelope, OutgoingMessageEnvelope
from samza_py.api.message_stream import MessageStream, OutputStream
from samza_py.api.metrics import Counter, Gauge, MetricsRegistry, Timer
from samza_py.api.serdes import (
    KV,
    ByteSerde,
    DoubleSerde,
    IntegerSerde,
    JsonSerde,
    KVSerde,
    LongSerde,
    NoOpSerde,
    RegisteredSerde,
    Serde,
    StringSerde,
)
from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.api.streams import Partition, SystemStream, SystemStreamPartition
from samza_py.api.task import (
    AsyncioStreamTask,
    AsyncStreamTask,
    ClosableTask,
    EndOfStreamListenerTask,
    InitableTask,
    StreamTask,
    TaskCallback,
    WindowableTask,
)
from samza_py.api.windows import TriggerType, Window, WindowKey, WindowPane, Windows

__all__ = [
    "END_OF_STREAM_OFFSET",
    "KV",
    "AsyncStreamTask",
    "AsyncioStreamTask",
    "ByteSerde",
    "ClosableTask",
    "Counter",
    "DoubleSerde",
    "EndOfStreamListenerTask",
    "Entry",
    "Gauge",
    "IncomingMessageEnvelope",
    "InitableTask",
    "InputDescriptor",
    "IntegerSerde",
    "JsonSerde",
    "KVSerde",
    "KafkaSystemDescriptor",
    "KeyValueIterator",
    "KeyValueStore",
    "LongSerde",
    "MessageCollector",
    "MessageStream",
    "MetricsRegistry",
    "NoOpSerde",
    "OutgoingMessageEnvelope",
    "OutputDescriptor",
    "OutputStream",
    "Partition",
    "RegisteredSerde",
    "RequestScope",
    "Serde",
    "StreamApplication",
    "StreamApplicationDescriptor",
    "StreamTask",
    "StringSerde",
    "SystemDescriptor",
    "SystemStream",
    "SystemStreamPartition",
    "TaskApplication",
    "TaskCallback",
    "TaskApplicationDescriptor",
    "TaskContext",
    "TaskCoordinator",
    "Timer",
    "TriggerType",
    "Window",
    "WindowKey",
    "WindowPane",
    "WindowableTask",
    "Windows",
]
