"""The consumer that reads a changelog (or any partition) by offset, outside any consumer group's work:
the partition reader's (restore, trim, checkpoint and coordinator stream reads) and a standby container's
tail of its actives' changelogs. Both start from reader settings (``client_config.reader_settings``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from confluent_kafka import Consumer


def changelog_consumer(settings: Mapping[str, object], role: str, *, partition_eof: bool) -> Consumer:
    """A consumer for ``assign`` only: a throwaway group (``samza-py-<role>-…``) that commits nothing.
    ``partition_eof``: report reaching a partition's end (a reader of a bounded range wants it)."""
    return Consumer({
        **settings,
        "group.id": f"samza-py-{role}-{uuid.uuid4().hex}",
        "enable.auto.commit": False,
        "enable.partition.eof": partition_eof,
    })
