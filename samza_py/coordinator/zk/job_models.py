"""Job models in ZooKeeper: Samza's metadata-store encoding (value + 8-byte CRC32, split in ≤1020×1020-byte
segments ``<key>/0``, ``<key>/1``, ...), and the version counters."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import Any

from samza_py.coordinator.zk.paths import ZkPaths
from samza_py.job.model import JobModel

SEGMENT_SIZE = 1020 * 1020  # under ZooKeeper's default 1 MB znode limit
# Versions an old leader's barrier and model are kept for (Samza's leader keeps 10).
KEEP_VERSIONS = 10


class JobModelChecksumError(ValueError):
    """A stored job model whose segments do not add up to their checksum (a torn or foreign write)."""


def encode_segments(value: bytes, segment_size: int = SEGMENT_SIZE) -> list[bytes]:
    """``value`` with its CRC32 as a big-endian 8-byte long appended, cut into segments."""
    data = value + struct.pack(">q", zlib.crc32(value))
    return [data[i : i + segment_size] for i in range(0, len(data), segment_size)]


def decode_segments(segments: Sequence[bytes], where: str = "value") -> bytes:
    data = b"".join(segments)
    if len(data) < 8:
        raise JobModelChecksumError(f"{where}: {len(data)} byte(s) is too short to hold a checksum")
    value, checksum = data[:-8], struct.unpack(">q", data[-8:])[0]
    if zlib.crc32(value) != checksum:
        raise JobModelChecksumError(f"{where}: checksum mismatch ({zlib.crc32(value)} != {checksum})")
    return value


def write_job_model(zk: Any, paths: ZkPaths, version: int, model: JobModel) -> None:
    base = paths.job_model(version)
    for index, segment in enumerate(encode_segments(model.to_json().encode())):
        zk.create(f"{base}/{index}", segment, makepath=True)


def read_job_model(zk: Any, paths: ZkPaths, version: int) -> JobModel:
    base = paths.job_model(version)
    names = sorted(zk.get_children(base), key=int)
    segments = [zk.get(f"{base}/{name}")[0] for name in names]
    return JobModel.from_json(decode_segments(segments, base))


def read_version(zk: Any, path: str) -> int | None:
    """A version counter's value; None when it is not there yet."""
    if zk.exists(path) is None:
        return None
    text = zk.get(path)[0].decode().strip()
    return int(text) if text else None


def write_version(zk: Any, path: str, version: int) -> None:
    data = str(version).encode()
    if zk.exists(path) is None:
        zk.create(path, data, makepath=True)
    else:
        zk.set(path, data)


def prune_old_versions(zk: Any, paths: ZkPaths, newest: int) -> None:
    """Delete job models and barriers more than KEEP_VERSIONS behind ``newest``."""
    for parent, prefix in ((paths.job_models, ""), (paths.barriers, "barrier_")):
        if zk.exists(parent) is None:
            continue
        for name in zk.get_children(parent):
            number = name[len(prefix):]
            if name.startswith(prefix) and number.isdigit() and int(number) <= newest - KEEP_VERSIONS:
                zk.delete(f"{parent}/{name}", recursive=True)
