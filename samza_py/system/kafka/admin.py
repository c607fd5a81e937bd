"""KafkaSystemAdmin: partition offsets and topic creation through confluent-kafka's AdminClient."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from samza_py.api import SystemStreamPartition
from samza_py.system.interfaces import (
    StreamNotFoundError,
    StreamSpec,
    SystemAdmin,
    SystemStreamMetadata,
    SystemStreamPartitionMetadata,
)
from samza_py.system.kafka.authentication import AuthenticationWatch

_TIMEOUT_S = 30.0
# How long a topic the broker may be auto-creating is waited for before it counts as missing.
_AUTO_CREATE_WAIT_S = 5.0


class KafkaSystemAdmin(SystemAdmin):
    def __init__(self, system: str, settings: Mapping[str, object]) -> None:
        self.system = system
        self.settings = dict(settings)
        # A refused login ends the first wait on the broker at once instead of after _TIMEOUT_S.
        self._auth = AuthenticationWatch(system, self.settings)
        self._client: AdminClient | None = None
        self._client_lock = threading.Lock()  # restores on several threads may ask first at once
        # librdkafka's admin asks the broker to auto-create a missing topic unless told not to.
        self._may_auto_create = str(self.settings.get("allow.auto.create.topics", True)).lower() != "false"

    @property
    def _admin(self) -> AdminClient:
        # Connected on first use: building an admin (e.g. to inspect its settings) opens no connection.
        # One client, shared: librdkafka's admin client is thread safe.
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = AdminClient(self.settings)  # type: ignore[arg-type]
                client = self._client
        return client

    def partition_count(self, topic: str) -> int:
        """The topic's partition count. A missing topic is asked for again for a few seconds when this client
        may auto-create it: the broker answers "unknown topic" to the request that creates it (as Java Samza's
        admin, which retries its metadata fetch, a job may start before the job that writes its input)."""
        deadline = time.monotonic() + (_AUTO_CREATE_WAIT_S if self._may_auto_create else 0.0)
        backoff = 0.05
        while True:
            meta = self._list_topics(topic).topics.get(topic)
            if meta is not None and meta.error is None and meta.partitions:
                return len(meta.partitions)
            if time.monotonic() + backoff > deadline:
                raise StreamNotFoundError(self.system, topic)
            time.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    def _list_topics(self, topic: str) -> Any:
        admin = self._admin
        return self._auth.wait(admin, lambda slice_s: admin.list_topics(topic, timeout=slice_s), _TIMEOUT_S,
                               f"the metadata of {topic}")

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        streams = list(streams)
        requests: dict[TopicPartition, tuple[str, int]] = {}
        for topic in streams:
            for p in range(self.partition_count(topic)):
                requests[TopicPartition(topic, p)] = (topic, p)
        lows = self._list_offsets(requests, OffsetSpec.earliest())
        highs = self._list_offsets(requests, OffsetSpec.latest())
        result: dict[str, dict[int, SystemStreamPartitionMetadata]] = {topic: {} for topic in streams}
        for topic, p in requests.values():
            low, high = lows[(topic, p)], highs[(topic, p)]
            empty = high <= low
            result[topic][p] = SystemStreamPartitionMetadata(
                oldest_offset=str(low), newest_offset=None if empty else str(high - 1), upcoming_offset=str(high)
            )
        return {topic: SystemStreamMetadata(topic, parts) for topic, parts in result.items()}

    def upcoming_offsets(self, ssps: Iterable[SystemStreamPartition]) -> dict[SystemStreamPartition, int]:
        """Only the given partitions' end offsets, in one request (the commit path asks this every commit)."""
        requests = {TopicPartition(ssp.stream, ssp.partition_id): (ssp.stream, ssp.partition_id) for ssp in ssps}
        highs = self._list_offsets(requests, OffsetSpec.latest())
        return {ssp: highs[(ssp.stream, ssp.partition_id)] for ssp in ssps}

    def _list_offsets(
        self, requests: Mapping[TopicPartition, tuple[str, int]], spec: OffsetSpec
    ) -> dict[tuple[str, int], int]:
        if not requests:
            return {}
        futures = self._admin.list_offsets({tp: spec for tp in requests}, request_timeout=_TIMEOUT_S)
        out: dict[tuple[str, int], int] = {}
        for tp, future in futures.items():
            out[(tp.topic, tp.partition)] = future.result().offset
        return out

    def get_offsets_after(self, offsets: Mapping[SystemStreamPartition, str]) -> dict[SystemStreamPartition, str]:
        return {ssp: str(int(offset) + 1) for ssp, offset in offsets.items()}

    def offset_comparator(self, a: str, b: str) -> int:
        x, y = int(a), int(b)
        return (x > y) - (x < y)

    def create_stream(self, spec: StreamSpec) -> bool:
        topic = NewTopic(
            spec.stream,
            num_partitions=spec.partitions,
            replication_factor=spec.replication_factor,
            config=dict(spec.config),
        )
        future = self._admin.create_topics([topic], request_timeout=_TIMEOUT_S)[spec.stream]
        try:
            self._auth.wait(self._admin, lambda slice_s: future.result(slice_s), _TIMEOUT_S + 5,
                            f"the creation of {spec.stream}")
            created = True
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
            created = False
        self._wait_until_visible(spec.stream)
        return created

    def _wait_until_visible(self, topic: str) -> None:
        deadline = time.monotonic() + _TIMEOUT_S
        while True:
            try:
                self.partition_count(topic)
                return
            except StreamNotFoundError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def delete_streams(self, topics: Iterable[str]) -> None:
        for future in self._admin.delete_topics(list(topics), operation_timeout=_TIMEOUT_S).values():
            future.result()
