"""Async tasks of the async integration tests (run by run-job with the repository on PYTHONPATH)."""

from __future__ import annotations

import asyncio
import time

from samza_py.api import (
    AsyncioStreamTask,
    AsyncStreamTask,
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    SystemStream,
    TaskCallback,
    TaskContext,
    TaskCoordinator,
)


class HttpLookupTask(AsyncioStreamTask):
    """Asks a local HTTP service (``lookup.port``) about each message, then sends the answer with when it
    came (``done_at``) to ``lookup.output``."""

    def init(self, context: TaskContext) -> None:
        self.port = int(context.config.get_str("lookup.port") or "0")
        output = context.config.get_str("lookup.output") or ""
        self.output = SystemStream(*output.split(".", 1))

    async def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator) -> None:
        item = envelope.message["id"]
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
        try:
            writer.write(f"GET /lookup?id={item} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            await writer.drain()
            response = await asyncio.wait_for(reader.read(), 10)
        finally:
            writer.close()
        status, _, body = response.partition(b"\r\n\r\n")
        if not status.startswith(b"HTTP/1.0 200") and not status.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"lookup of {item} answered {status[:40]!r}")
        collector.send(OutgoingMessageEnvelope(self.output, {
            "id": item, "partition": envelope.system_stream_partition.partition_id,
            "offset": int(envelope.offset), "answer": body.decode(), "done_at": time.time(),
        }))


class NeverCompletesTask(AsyncStreamTask):
    """Completes every callback at once, except that of offset ``stuck.offset``, which it never calls."""

    def init(self, context: TaskContext) -> None:
        self.stuck = context.config.get_str("stuck.offset")

    def process_async(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator, callback: TaskCallback) -> None:
        if envelope.offset != self.stuck:
            callback.complete()
