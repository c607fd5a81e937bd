"""Tasks of the bootstrap and priority integration tests (run by run-job with the repository on PYTHONPATH)."""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)


class ProfileEnrichTask:
    """Page views joined with a profiles table kept in the ``profiles`` store (fed by a bootstrap stream).

    Each enriched view says how many profile messages this process had read when the view was processed:
    with the profiles stream bootstrapped (and re-read in full at every start), that is every profile of
    the task's partition, for every view.
    """

    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("profiles")
        output = context.config.get_str("enrich.output") or ""
        self.output = SystemStream(*output.split(".", 1))
        self.profiles_read = 0

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        message: dict[str, Any] = envelope.message
        if "profile_id" in message and "name" in message:
            self.store.put(str(message["profile_id"]), message)
            self.profiles_read += 1
            return
        profile = self.store.get(str(message["viewed_profile_id"]))
        collector.send(OutgoingMessageEnvelope(self.output, {
            "view_id": message["view_id"],
            "partition": envelope.system_stream_partition.partition_id,
            "profile_name": None if profile is None else profile["name"],
            "profiles_read": self.profiles_read,
        }))


class ProcessingOrderTask:
    """Sends (stream, offset) of every message, in processing order, to ``order.output`` (give it one partition)."""

    def init(self, context: TaskContext) -> None:
        output = context.config.get_str("order.output") or ""
        self.output = SystemStream(*output.split(".", 1))

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        ssp = envelope.system_stream_partition
        collector.send(OutgoingMessageEnvelope(self.output, {"stream": ssp.stream, "offset": int(envelope.offset)}))
