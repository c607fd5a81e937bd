"""The compiled part of samza-py: everything else is in pyproject.toml.

Java's hashCode (samza_py/_java_hash.c) is built where a C compiler is found; without one the install
still succeeds and samza_py.system.kafka.partitioner falls back to its Python version of the same hash.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("samza_py._java_hash", ["samza_py/_java_hash.c"], optional=True),
    ],
)
