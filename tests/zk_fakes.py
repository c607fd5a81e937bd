"""An in-memory ZooKeeper with the slice of kazoo's client API the standalone coordinator uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kazoo.exceptions import NodeExistsError, NoNodeError, NotEmptyError


@dataclass
class FakeStat:
    version: int
    ephemeralOwner: int  # noqa: N815 (kazoo's ZnodeStat name)


class FakeZk:
    def __init__(self, session: int = 1) -> None:
        self.nodes: dict[str, list[Any]] = {"/": [b"", 0, 0]}  # path -> [data, version, ephemeral owner]
        self.session = session
        self.connected = True
        self._sequence: dict[str, int] = {}

    def client(self, session: int) -> FakeZk:
        """Another client (its own session) of the same ZooKeeper."""
        other = FakeZk(session)
        other.nodes, other._sequence = self.nodes, self._sequence
        return other

    @property
    def client_id(self) -> tuple[int, bytes]:
        return (self.session, b"")

    def _parent(self, path: str) -> str:
        return path.rsplit("/", 1)[0] or "/"

    def ensure_path(self, path: str) -> None:
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            self.nodes.setdefault("/" + "/".join(parts[:i]), [b"", 0, 0])

    def create(self, path: str, value: bytes = b"", ephemeral: bool = False, sequence: bool = False,
               makepath: bool = False) -> str:
        parent = self._parent(path)
        if parent not in self.nodes:
            if not makepath:
                raise NoNodeError(parent)
            self.ensure_path(parent)
        if sequence:
            n = self._sequence.get(parent, 0)
            self._sequence[parent] = n + 1
            path = f"{path}{n:010d}"
        if path in self.nodes:
            raise NodeExistsError(path)
        self.nodes[path] = [value, 0, self.session if ephemeral else 0]
        return path

    def exists(self, path: str, watch: Callable[..., Any] | None = None) -> FakeStat | None:
        node = self.nodes.get(path)
        return None if node is None else FakeStat(node[1], node[2])

    def get(self, path: str, watch: Callable[..., Any] | None = None) -> tuple[bytes, FakeStat]:
        if path not in self.nodes:
            raise NoNodeError(path)
        data, version, owner = self.nodes[path]
        return data, FakeStat(version, owner)

    def set(self, path: str, value: bytes) -> None:
        if path not in self.nodes:
            raise NoNodeError(path)
        self.nodes[path][0] = value
        self.nodes[path][1] += 1

    def get_children(self, path: str, watch: Callable[..., Any] | None = None) -> list[str]:
        if path not in self.nodes:
            raise NoNodeError(path)
        prefix = path.rstrip("/") + "/"
        return sorted({p[len(prefix):].split("/")[0] for p in self.nodes if p.startswith(prefix)})

    def delete(self, path: str, recursive: bool = False) -> None:
        if path not in self.nodes:
            raise NoNodeError(path)
        below = [p for p in self.nodes if p.startswith(path + "/")]
        if below and not recursive:
            raise NotEmptyError(path)
        for p in [*below, path]:
            del self.nodes[p]

    def expire(self, session: int) -> None:
        """The server ends ``session``: its ephemeral znodes go."""
        for path in [p for p, node in self.nodes.items() if node[2] == session]:
            del self.nodes[path]
