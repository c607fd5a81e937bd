"""The CheckpointManager protocol and its backends."""
