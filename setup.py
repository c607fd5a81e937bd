"""The compiled parts of samza-py: everything else is in pyproject.toml.

Two hot spots are compiled where a C compiler is found: Java's hashCode for the partition of a keyed send
(samza_py/_java_hash.c) and the Kafka consumer's making of envelopes (samza_py/_message_runs.c). Without a
compiler the install still succeeds, and the modules that use them fall back to their Python versions
(samza_py.system.kafka.partitioner, samza_py.system.kafka.message_runs), which are also the reference.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("samza_py._java_hash", ["samza_py/_java_hash.c"], optional=True),
        Extension("samza_py._message_runs", ["samza_py/_message_runs.c"], optional=True),
    ],
)
