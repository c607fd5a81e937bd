"""The only package a job author imports.

Tasks, envelopes, streams, collector, coordinator, context, stores and metrics.
"""
