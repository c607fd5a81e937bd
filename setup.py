"""The compiled parts of samza-py: everything else is in pyproject.toml.

The per-message hot spots are compiled where a C compiler is found: Java's hashCode for the partition of a
keyed send (samza_py/_java_hash.c), the Kafka consumer's making of envelopes (samza_py/_message_runs.c),
the send path of a task's output (samza_py/_send_path.c), a store's object cache and its get and put
(samza_py/_store_cache.c), a store's reads through its serdes and its batched writes (samza_py/_store_io.c)
and the integer serdes' codecs (samza_py/_int_codecs.c). Without a compiler the install still succeeds, and
the modules that use them fall back to their Python versions (samza_py.system.kafka.partitioner,
samza_py.system.kafka.message_runs, samza_py.container.collector, samza_py.system.kafka.producer,
samza_py.storage.cached, samza_py.storage.object_cache, samza_py.storage.serialized, samza_py.storage.rocksdb,
samza_py.serializers.builtin), which are also the reference the tests hold the compiled ones to.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("samza_py._java_hash", ["samza_py/_java_hash.c"], depends=["samza_py/_java_hash.h"],
                  optional=True),
        Extension("samza_py._message_runs", ["samza_py/_message_runs.c"], optional=True),
        Extension("samza_py._send_path", ["samza_py/_send_path.c"],
                  depends=["samza_py/_java_hash.h", "samza_py/_counter.h"], optional=True),
        Extension("samza_py._store_cache", ["samza_py/_store_cache.c"], depends=["samza_py/_counter.h"],
                  optional=True),
        Extension("samza_py._store_io", ["samza_py/_store_io.c"], optional=True),
        Extension("samza_py._int_codecs", ["samza_py/_int_codecs.c"], optional=True),
    ],
)
