"""``mockserver serve --server httptools``: the event-loop server over real HTTP."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from flask import Flask

from mockserver.loop_server import LoopServer
from mockserver.serve import BACKSTOP_FACTOR, SERVER_HEADER
from tests.conftest import MockServer, start_mock_server, stop_mock_server

LIMIT = 1000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    log = tmp_path_factory.mktemp("httptools") / "serve.log"
    server = start_mock_server(
        log, "--server", "httptools", "--max-body-size", str(LIMIT)
    )
    yield server
    stop_mock_server(server)


@pytest.fixture
def api_url(served: MockServer) -> Iterator[str]:
    yield served.api_url
    _set_faults(served.api_url, [])


def _root(api_url: str) -> str:
    return api_url.removesuffix("/api")


def _set_faults(api_url: str, rules: list[dict[str, object]]) -> None:
    faults = _root(api_url) + "/__mock/faults"
    httpx.put(faults, json=rules, timeout=10).raise_for_status()


def _exchange(api_url: str, raw: bytes, *, timeout: float = 10) -> bytes:
    """Send ``raw`` on a fresh connection and read until the server closes it."""
    address = urlsplit(api_url)
    with socket.create_connection((address.hostname, address.port), timeout) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _request(
    method: str, path: str, body: bytes = b"", *, close: bool = False
) -> bytes:
    lines = [f"{method} /api{path} HTTP/1.1", "Host: 127.0.0.1"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_answers_carry_the_real_servers_headers(api_url: str) -> None:
    response = httpx.get(api_url + "/health", timeout=10)

    assert response.status_code == 200
    assert response.content == b"true"
    assert response.headers["server"] == SERVER_HEADER
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "4"
    assert "date" in response.headers


def test_state_is_kept_across_requests_on_one_connection(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        created = client.post("/flows/", json={"name": "etl"})
        read = client.get(f"/flows/{created.json()['id']}")

    assert created.status_code == 201
    assert read.json() == created.json()


def test_pipelined_requests_are_answered_in_their_order(api_url: str) -> None:
    missing = "/flows/00000000-0000-4000-8000-000000000000"
    raw = _request("GET", "/health") + _request("GET", missing, close=True)

    received = _exchange(api_url, raw)

    first, second = received.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 OK")
    assert second.startswith(b"404 Not Found")
    assert b"connection: close" in second


def test_a_head_request_gets_the_headers_alone(api_url: str) -> None:
    response = httpx.head(api_url + "/health", timeout=10)

    assert response.status_code == 405
    assert response.headers["content-length"] == "31"
    assert response.content == b""


def test_a_body_over_the_limit_is_refused_and_the_connection_kept(
    api_url: str,
) -> None:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        refused = client.post("/flows/", content=b"x" * (LIMIT + 1))
        after = client.post("/flows/", json={"name": "after"})

    assert refused.status_code == 413
    assert "at most 1000 bytes" in refused.json()["detail"]
    assert after.status_code == 201


def test_a_chunked_body_over_the_limit_is_refused(api_url: str) -> None:
    def pieces() -> Iterator[bytes]:
        for _ in range(3):
            yield b"y" * LIMIT

    response = httpx.post(api_url + "/flows/", content=pieces(), timeout=10)

    assert response.status_code == 413
    assert "Request body too large:" in response.json()["detail"]


def test_a_body_announced_far_over_the_limit_is_refused_unread(
    api_url: str,
) -> None:
    announced = BACKSTOP_FACTOR * LIMIT + 1
    head = _request("POST", "/flows/").removesuffix(b"\r\n")
    raw = head + f"Content-Length: {announced}\r\n\r\n".encode()

    received = _exchange(api_url, raw)

    assert received.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
    assert f"({announced} bytes)".encode() in received


def test_a_client_expecting_100_continue_is_told_to_go_on(api_url: str) -> None:
    body = b'{"name": "continued"}'
    head = _request("POST", "/flows/", body, close=True).removesuffix(body)
    address = urlsplit(api_url)
    with socket.create_connection((address.hostname, address.port), 10) as sock:
        sock.sendall(head.removesuffix(b"\r\n") + b"Expect: 100-continue\r\n\r\n")
        interim = sock.recv(65536)
        sock.sendall(body)
        final = b""
        while chunk := sock.recv(65536):
            final += chunk

    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert final.startswith(b"HTTP/1.1 201 Created\r\n")


def test_a_malformed_request_is_answered_400_and_closed(api_url: str) -> None:
    received = _exchange(api_url, b"NOT HTTP AT ALL\r\n\r\n")

    assert received.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"connection: close" in received


def test_a_latency_fault_does_not_hold_up_other_connections(api_url: str) -> None:
    rule = {"operation": "read_flows", "latency_ms": 3000}
    _set_faults(api_url, [rule])

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(httpx.post, api_url + "/flows/filter", json={}, timeout=10)
        time.sleep(0.2)
        quick = httpx.get(api_url + "/health", timeout=10)
        answered_quickly = not slow.done()

        assert slow.result().status_code == 200
    assert quick.status_code == 200
    assert answered_quickly


def test_a_dropping_fault_closes_the_connection_unanswered(api_url: str) -> None:
    rule = {"operation": "read_flows", "drop": True}
    _set_faults(api_url, [rule])

    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(api_url + "/flows/filter", json={}, timeout=10)

    journal = httpx.get(_root(api_url) + "/__mock/requests", timeout=10).json()
    assert journal[-1]["status"] == 0


def test_the_control_api_is_served(api_url: str) -> None:
    httpx.get(api_url + "/health", timeout=10)

    response = httpx.get(_root(api_url) + "/__mock/requests", timeout=10)

    assert response.status_code == 200
    assert response.json()[-1]["path"] == "/api/health"


def test_a_client_that_stops_sending_gets_every_answer(api_url: str) -> None:
    address = urlsplit(api_url)
    control = b"GET /__mock/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection((address.hostname, address.port), 10) as sock:
        sock.sendall(control + _request("GET", "/health"))
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk

    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert received.count(b"HTTP/1.1 200 OK\r\n") == 2
    assert received.endswith(b"\r\n\r\ntrue")


def test_any_wsgi_application_is_served_from_the_pool() -> None:
    app = Flask("plain")
    answered_on: list[str] = []

    @app.get("/hello")
    def hello() -> str:
        answered_on.append(threading.current_thread().name)
        return "hello"

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = LoopServer(app, listening, body_limit=None)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(10)
        response = httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10)
    finally:
        server.stop()
        thread.join(10)

    assert response.text == "hello"
    assert response.headers["server"] == "uvicorn"
    assert answered_on[0].startswith("mockserver")
    assert not thread.is_alive()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_a_signal_ends_the_server_with_connections_open(
    tmp_path: Path, stop: signal.Signals
) -> None:
    server = start_mock_server(tmp_path / "serve.log", "--server", "httptools")
    address = urlsplit(server.api_url)
    try:
        with socket.create_connection((address.hostname, address.port), 10) as idle:
            idle.sendall(_request("GET", "/health"))
            assert idle.recv(65536).startswith(b"HTTP/1.1 200 OK")
            server.process.send_signal(stop)
            returncode = server.process.wait(timeout=10)
            assert idle.recv(65536) == b""
    finally:
        stop_mock_server(server)

    assert returncode == 0
