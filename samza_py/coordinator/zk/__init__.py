"""Standalone mode: processors that form one job through ZooKeeper (kazoo), without YARN.

Layout and protocol follow Samza's ``ZkJobCoordinator``: processors register as ephemeral sequential
znodes, the lowest is the leader, the leader publishes versioned job models, and every processor moves
to a new version through a barrier.
"""
