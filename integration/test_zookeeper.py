"""ZooKeeper on the grid through kazoo: znode lifecycle and ephemeral nodes."""

from __future__ import annotations

import threading

from kazoo.client import KazooClient

from .conftest import ZOOKEEPER_CONNECT


def _client() -> KazooClient:
    client = KazooClient(hosts=ZOOKEEPER_CONNECT, timeout=10)
    client.start(timeout=15)
    return client


def test_create_read_delete_znode(unique: str) -> None:
    zk = _client()
    try:
        path = f"/samza-py-test/{unique}"
        zk.create(path, b"hello grid", makepath=True)
        data, stat = zk.get(path)
        assert data == b"hello grid"
        assert stat.version == 0
        zk.set(path, b"again")
        assert zk.get(path)[0] == b"again"
        zk.delete(path)
        assert zk.exists(path) is None
    finally:
        zk.stop()
        zk.close()


def test_ephemeral_node_vanishes_when_its_session_closes(unique: str) -> None:
    watcher, owner = _client(), _client()
    try:
        path = f"/samza-py-test/{unique}-ephemeral"
        owner.create(path, b"processor-0", ephemeral=True, makepath=True)
        assert watcher.get(path)[0] == b"processor-0"
        assert watcher.get(path)[1].ephemeralOwner == owner.client_id[0]

        gone = threading.Event()

        def on_change(event: object) -> None:
            gone.set()

        watcher.exists(path, watch=on_change)
        owner.stop()
        owner.close()
        assert gone.wait(timeout=30), "the watch never fired after the owner's session closed"
        assert watcher.exists(path) is None
    finally:
        watcher.stop()
        watcher.close()
