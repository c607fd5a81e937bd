"""The key-value store stack: RocksDB, in-memory, cache, serde, changelog logging, restore."""
