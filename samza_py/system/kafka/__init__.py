"""The Kafka system, on confluent-kafka."""
