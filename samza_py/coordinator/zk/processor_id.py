"""Processor ids: ``processor.id`` if set, else what ``app.processor-id-generator.class`` generates."""

from __future__ import annotations

import uuid
from typing import Protocol

from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.zk_config import ZkConfig, check_processor_id


class ProcessorIdGenerator(Protocol):
    def generate_processor_id(self, config: Config) -> str: ...


class UUIDGenerator:
    """Samza's default: a fresh random UUID for every processor start."""

    def generate_processor_id(self, config: Config) -> str:
        return str(uuid.uuid4())


def processor_id_for(config: Config) -> str:
    zk = ZkConfig(config)
    configured = zk.processor_id
    if configured is not None:
        return configured
    generator: ProcessorIdGenerator = resolve_class(zk.processor_id_generator)()
    return check_processor_id(str(generator.generate_processor_id(config)))
