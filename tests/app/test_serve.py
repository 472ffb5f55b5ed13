"""The application over real HTTP, on waitress."""

from __future__ import annotations

import logging
import platform
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.exchange import Reply
from mockserver.serve import ServerThread, bind, is_loopback
from tests.conftest import start_mock_server, stop_mock_server

DEPLOYMENT = "59dae061-cd4a-4f1a-ad07-86407a806e71"


class Served:
    def __init__(self, responder: Any, server: ServerThread) -> None:
        self.responder = responder
        self.base_url = server.url


@pytest.fixture(scope="module")
def served(make_responder: Callable[[Reply], Any]) -> Iterator[Served]:
    responder = make_responder(Reply(200, True))
    with ServerThread(create_app(responder=responder), threads=2) as server:
        yield Served(responder, server)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    served.responder.reply = Reply(200, True)
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        yield client


def test_an_answer_carries_the_real_servers_headers(http: httpx.Client) -> None:
    response = http.get("/api/health")

    assert response.status_code == 200
    assert response.content == b"true"
    assert response.headers["server"] == "uvicorn"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "4"
    assert response.headers["vary"] == "Origin"
    assert "date" in response.headers


def test_a_204_over_http_has_no_body_and_no_content_headers(
    http: httpx.Client, served: Served
) -> None:
    served.responder.reply = Reply(204)

    response = http.delete(f"/api/deployments/{DEPLOYMENT}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-length" not in response.headers
    assert "content-type" not in response.headers


def test_head_over_http_answers_405_with_the_length_of_the_unsent_body(
    http: httpx.Client,
) -> None:
    response = http.head("/api/health")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["content-length"] == "31"
    assert response.content == b""


def test_a_redirect_over_http_names_the_server_address(
    http: httpx.Client, served: Served
) -> None:
    response = http.post("/api/deployments", json={})

    assert response.status_code == 307
    assert response.headers["location"] == f"{served.base_url}/api/deployments/"


def test_an_encoded_slash_in_a_name_is_not_found(http: httpx.Client) -> None:
    # The server decodes %2F before routing, as uvicorn does.
    response = http.get("/api/deployments/name/flow/a%2Fb")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_binding_logs_the_api_url(
    make_responder: Callable[[Reply], Any], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(responder=make_responder(Reply(200, True)))

    with caplog.at_level(logging.INFO, logger="mockserver"):
        server = bind(app, port=0)
    server.close()

    messages = [record.getMessage() for record in caplog.records]
    pattern = re.compile(r"serving the Prefect API at http://127\.0\.0\.1:(\d+)/api$")
    (found,) = [pattern.match(message) for message in messages]
    assert found is not None
    assert found.group(1) == str(server.effective_port)


def test_binding_a_non_loopback_address_warns(
    make_responder: Callable[[Reply], Any], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(responder=make_responder(Reply(200, True)))

    # 192.0.2.1 is a documentation address this machine does not have: the
    # warning is logged, then binding fails, so nothing is exposed.
    with (
        caplog.at_level(logging.INFO, logger="mockserver"),
        pytest.raises(OSError, match="ssign"),
    ):
        bind(app, host="192.0.2.1", port=0)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "'192.0.2.1'" in warnings[0].getMessage()


GLIBC_HEAP = 64 * 1024 * 1024
"""The address space glibc reserves, aligned to its size, for each extra arena."""


def extra_malloc_arenas(pid: int) -> int:
    """Count the malloc arenas of a process beyond glibc's main one."""
    regions = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        start, end = (int(address, 16) for address in fields[0].split("-"))
        regions.append((start, end, fields[1], fields[5:]))

    count = 0
    for (start, end, mode, name), following in zip(
        regions, [*regions[1:], None], strict=True
    ):
        if start % GLIBC_HEAP or mode != "rw-p" or name:
            continue
        if following is not None and following[0] == end and following[2] == "---p":
            end = following[1]
        count += end - start == GLIBC_HEAP
    return count


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="counts glibc's malloc arenas"
)
def test_serve_keeps_its_request_threads_in_one_malloc_arena(tmp_path: Path) -> None:
    server = start_mock_server(tmp_path / "serve.log")
    try:

        def create_flows(worker: int) -> None:
            with httpx.Client(base_url=server.api_url, timeout=10) as client:
                for number in range(30):
                    name = f"flow-{worker}-{number}-" + "x" * 600
                    created = client.post("/flows/", json={"name": name})
                    assert created.status_code == 201, created.text

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(create_flows, range(16)))

        assert extra_malloc_arenas(server.process.pid) == 0
    finally:
        stop_mock_server(server)
