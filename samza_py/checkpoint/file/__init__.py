"""Checkpoints in files, in Samza's JSON format."""
