"""``ServerThread``: a mock server on a thread of the test process."""

from __future__ import annotations

import threading

import httpx
import pytest
from flask import Flask

from mockserver.app import create_app
from mockserver.serve import ServerThread


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app("3.9.1")


def test_serves_on_a_free_loopback_port_until_stopped(app: Flask) -> None:
    server = ServerThread(app)
    server.start()
    try:
        answer = httpx.get(server.api_url + "/health")
    finally:
        server.stop()

    assert answer.json() is True
    assert server.api_url.startswith("http://127.0.0.1:")
    assert server.api_url.endswith("/api")
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.api_url + "/health")


def test_two_servers_get_two_ports(app: Flask) -> None:
    with ServerThread(app) as one, ServerThread(app) as two:
        assert one.url != two.url


def test_stopping_closes_open_connections_and_the_thread(app: Flask) -> None:
    threads_before = threading.active_count()
    server = ServerThread(app)
    server.start()
    # A keep-alive connection is still open when the server stops.
    with httpx.Client() as client:
        client.get(server.api_url + "/health")
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(server.api_url + "/health")

    assert threading.active_count() == threads_before


def test_stopping_twice_or_before_starting_does_nothing(app: Flask) -> None:
    server = ServerThread(app)
    server.stop()
    server.start()
    server.stop()
    server.stop()


def test_starting_twice_is_refused(app: Flask) -> None:
    with (
        ServerThread(app) as server,
        pytest.raises(RuntimeError, match="started already"),
    ):
        server.start()


def test_the_url_is_unknown_before_starting(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="has not been started"):
        _ = ServerThread(app).url
