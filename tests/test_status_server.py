"""The AM's status server over real HTTP on loopback: JSON API, the page, 404, errors."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from samza_py.appmaster.status_server import StatusServer, page_url_via_rm, register_page

STATUS: dict[str, Any] = {
    "job": {"name": "wikipedia-parser", "id": "1", "app_id": "application_1_0001", "state": "RUNNING",
            "updated_ms": 1_700_000_000_000, "message": None},
    "containers": [{
        "id": "0", "yarn_container": "container_1_0001_01_000002", "host": "node1", "state": "RUNNING",
        "restarts": 1, "last_exit_status": "1", "metrics_url": None, "process_envelopes": 42, "throughput": 3.5,
        "tasks": [{"name": "Partition 0", "partitions": ["kafka.wikipedia-raw.0"], "lag": 7, "processed": 42,
                   "throughput": 3.5, "restore": {"store": {"restored": 5, "total": 10, "done": False}}}],
    }],
}


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server() -> Iterator[StatusServer]:
    s = StatusServer(lambda: STATUS)
    s.start(host="127.0.0.1")
    yield s
    s.stop()


def test_api_status_is_the_status_dict_as_json_and_not_cached(server: StatusServer) -> None:
    code, headers, body = get(f"{server.url}api/status")
    assert code == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body) == STATUS


def test_page_polls_the_api_by_a_relative_url_and_links_nothing_absolute(server: StatusServer) -> None:
    for path in ("", "index.html"):
        code, headers, body = get(f"{server.url}{path}")
        html = body.decode()
        assert code == 200
        assert headers["Content-Type"].startswith("text/html")
        assert 'return "api/status"' in html and "fetch(statusUrl()" in html
        assert not re.search(r"""fetch\(\s*["'`]?/""", html)
        assert not re.search(r"""(src|href|action)\s*=\s*["']?(/|https?:)""", html)
        assert "<script src" not in html and "<link" not in html  # CSS and JS are inline


def test_proxy_style_paths_and_query_strings_are_tolerated(server: StatusServer) -> None:
    assert json.loads(get(f"{server.url}/api/status?ts=1")[2]) == STATUS
    assert get(f"{server.url}/index.html")[0] == 200


def test_unknown_paths_are_404(server: StatusServer) -> None:
    for path in ("nope", "api", "api/status/extra", "api/status/"):
        code, _, body = get(f"{server.url}{path}")
        assert code == 404, path
        assert b"not found" in body


def test_a_failing_status_callable_is_a_500_with_its_error_and_the_server_lives_on() -> None:
    calls = {"n": 0}

    def status() -> dict:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("job model not ready")
        return STATUS

    s = StatusServer(status)
    url = s.start(host="127.0.0.1")
    try:
        code, headers, body = get(f"{url}api/status")
        assert code == 500
        assert headers["Content-Type"].startswith("text/plain")
        assert b"RuntimeError: job model not ready" in body
        assert get(f"{url}api/status")[0] == 200
    finally:
        s.stop()


def test_unserializable_status_is_a_500() -> None:
    s = StatusServer(lambda: {"job": object()})
    url = s.start(host="127.0.0.1")
    try:
        code, _, body = get(f"{url}api/status")
        assert code == 500 and b"TypeError" in body
    finally:
        s.stop()


def test_base_url_names_nm_host_when_bound_to_all_interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NM_HOST", "localhost")
    s = StatusServer(lambda: STATUS)
    url = s.start()
    try:
        assert re.fullmatch(r"http://localhost:\d+/", url)
        assert get(f"{url}api/status")[0] == 200
    finally:
        s.stop()


def test_stop_closes_the_port_and_the_server_can_start_again() -> None:
    s = StatusServer(lambda: STATUS)
    first = s.start(host="127.0.0.1")
    with pytest.raises(RuntimeError):
        s.start(host="127.0.0.1")
    s.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{first}api/status", timeout=5)
    second = s.start(host="127.0.0.1")
    try:
        assert get(f"{second}api/status")[0] == 200
    finally:
        s.stop()
    s.stop()  # idempotent


class FakeUI:
    def __init__(self) -> None:
        self.pages: list[tuple[str, str, str | None]] = []

    def add_page(self, route: str, target: str, link_name: str | None = None) -> Any:
        self.pages.append((route, target, link_name))
        return type("Page", (), {"address": f"http://rm:8088/proxy/app_1/pages/{route}/"})()


def test_register_page_adds_the_samza_route_to_skeins_ui() -> None:
    app = type("App", (), {"ui": FakeUI()})()
    assert register_page(app, "http://node1:4242/") == "http://rm:8088/proxy/app_1/pages/samza/"
    assert app.ui.pages == [("samza", "http://node1:4242/", "Samza job")]


def test_page_url_via_rm() -> None:
    assert page_url_via_rm("http://rm:8088/", "application_1_0001") == "http://rm:8088/proxy/application_1_0001/pages/samza/"
    assert page_url_via_rm("http://rm:8088", "app") == "http://rm:8088/proxy/app/pages/samza/"
