"""RocksDB options from Samza's store settings (names as ``stores.<st>.rocksdb.*`` spells them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import rocksdict

T = TypeVar("T")

COMPRESSIONS: dict[str, Callable[[], rocksdict.DBCompressionType]] = {
    "none": rocksdict.DBCompressionType.none,
    "snappy": rocksdict.DBCompressionType.snappy,
    "zlib": rocksdict.DBCompressionType.zlib,
    "bzip2": rocksdict.DBCompressionType.bz2,
    "lz4": rocksdict.DBCompressionType.lz4,
    "lz4hc": rocksdict.DBCompressionType.lz4hc,
    "zstd": rocksdict.DBCompressionType.zstd,
}
COMPACTION_STYLES: dict[str, Callable[[], rocksdict.DBCompactionStyle]] = {
    "universal": rocksdict.DBCompactionStyle.universal,
    "level": rocksdict.DBCompactionStyle.level,
    "fifo": rocksdict.DBCompactionStyle.fifo,
}

# Samza's fixed RocksDB defaults for what it does not expose per store here: three memtables, and the
# info LOG kept small so long-running containers do not fill the disk with it.
MAX_WRITE_BUFFERS = 3
MAX_LOG_FILE_SIZE = 64 * 1024 * 1024
KEEP_LOG_FILES = 2
# RocksDB's own thresholds of level-0 files at which writes slow down and stop, set explicitly so that a
# bulk load can lift them and put these same values back.
L0_SLOWDOWN_WRITES_TRIGGER = 20
L0_STOP_WRITES_TRIGGER = 36

# While a store is rebuilt from its changelog, nothing reads it: background compactions would merge the
# same data again and again as memtables flush (taking CPU from the restore), and the level-0 limits would
# stall writes waiting for them. Both off during the load; one compaction of everything once it is done.
BULK_LOAD_SETTINGS = {
    "disable_auto_compactions": "true",
    "level0_slowdown_writes_trigger": str(2**30),
    "level0_stop_writes_trigger": str(2**30),
}
SERVING_SETTINGS = {
    "disable_auto_compactions": "false",
    "level0_slowdown_writes_trigger": str(L0_SLOWDOWN_WRITES_TRIGGER),
    "level0_stop_writes_trigger": str(L0_STOP_WRITES_TRIGGER),
}


def _choose(kind: str, table: dict[str, Callable[[], T]], name: str) -> T:
    factory = table.get(name.strip().lower())
    if factory is None:
        raise ValueError(f"unknown RocksDB {kind} {name!r}; expected one of {', '.join(table)}")
    return factory()


def rocksdb_options(
    *, compression: str, compaction_style: str, write_buffer_size: int, block_cache_size: int
) -> rocksdict.Options:
    """Raw-mode options (bytes in, bytes out); a ValueError names an unknown compression or compaction style."""
    if write_buffer_size <= 0 or block_cache_size <= 0:
        raise ValueError(
            f"RocksDB write buffer ({write_buffer_size}) and block cache ({block_cache_size}) sizes must be positive"
        )
    options = rocksdict.Options(raw_mode=True)
    options.create_if_missing(True)
    options.set_compression_type(_choose("compression", COMPRESSIONS, compression))
    options.set_compaction_style(_choose("compaction style", COMPACTION_STYLES, compaction_style))
    options.set_write_buffer_size(write_buffer_size)
    options.set_max_write_buffer_number(MAX_WRITE_BUFFERS)
    options.set_level_zero_slowdown_writes_trigger(L0_SLOWDOWN_WRITES_TRIGGER)
    options.set_level_zero_stop_writes_trigger(L0_STOP_WRITES_TRIGGER)
    table = rocksdict.BlockBasedOptions()
    table.set_block_cache(rocksdict.Cache(block_cache_size))
    options.set_block_based_table_factory(table)
    options.set_max_log_file_size(MAX_LOG_FILE_SIZE)
    options.set_keep_log_file_num(KEEP_LOG_FILES)
    return options
