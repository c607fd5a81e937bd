"""Metrics registry, metric types and reporters."""
