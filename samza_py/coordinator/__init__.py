"""The coordinator stream (Kafka) and standalone coordination (ZooKeeper)."""
