"""KafkaSystemFactory: builds the Kafka consumer, producer and admin for a system from config."""

from __future__ import annotations

import os

from samza_py.api import MetricsRegistry
from samza_py.config.config import Config
from samza_py.system.interfaces import SystemFactory
from samza_py.system.kafka import client_config
from samza_py.system.kafka.admin import KafkaSystemAdmin
from samza_py.system.kafka.consumer import KafkaSystemConsumer
from samza_py.system.kafka.producer import KafkaSystemProducer


class KafkaSystemFactory(SystemFactory):
    def get_consumer(self, system_name: str, config: Config, registry: MetricsRegistry) -> KafkaSystemConsumer:
        ident = client_config.job_ident(config)
        container = os.environ.get("SAMZA_CONTAINER_ID", "0")
        settings = client_config.consumer_settings(
            config, system_name, client_id=f"{ident}-{container}-{system_name}-consumer", group_id=ident
        )
        batch = config.get_int(f"systems.{system_name}.samza.poll.batch.size", 1000)
        return KafkaSystemConsumer(system_name, settings, batch_size=batch, registry=registry)

    def get_producer(self, system_name: str, config: Config, registry: MetricsRegistry) -> KafkaSystemProducer:
        container = os.environ.get("SAMZA_CONTAINER_ID", "0")
        settings = client_config.producer_settings(
            config, system_name, client_id=client_config.client_id(config, f"{container}-{system_name}-producer")
        )
        max_block_ms = client_config.producer_max_block_ms(config, system_name)
        return KafkaSystemProducer(system_name, settings, registry, max_block_ms=max_block_ms)

    def get_admin(self, system_name: str, config: Config) -> KafkaSystemAdmin:
        return KafkaSystemAdmin(system_name, client_config.admin_settings(config, system_name, f"{system_name}-admin"))
