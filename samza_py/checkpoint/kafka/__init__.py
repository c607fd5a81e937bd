"""Checkpoints in Samza's Kafka checkpoint topic and JSON format."""
