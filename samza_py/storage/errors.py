"""Why a store could not be opened or used."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base of the storage errors; ``path`` is the store's directory when it has one."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class StoreLockedError(StoreError):
    """Another live process (or another open handle in this one) holds the store's RocksDB LOCK."""

    def __init__(self, path: Path, cause: BaseException | None = None) -> None:
        detail = f" ({cause})" if cause is not None else ""
        super().__init__(
            f"store {path} is locked: another live process (or another open handle) has it open{detail}", path
        )
        self.cause = cause


class StoreOpenError(StoreError):
    """The store's directory cannot be opened (permissions, disk full, too many open files, ...): the
    files may be fine, so they are left alone and the container fails naming the directory and cause."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        super().__init__(f"store {path} cannot be opened: {cause}", path)
        self.cause = cause


class StoreCorruptedError(StoreOpenError):
    """RocksDB reported real corruption (a ``Corruption:`` status): rebuilding from a changelog is the way out."""


class StoreClosedError(StoreError):
    """An operation on a store after ``close()``."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is closed")
