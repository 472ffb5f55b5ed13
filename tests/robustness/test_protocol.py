"""Abuse below the API: oversized bodies, broken HTTP and idle connections.

Each test runs against both servers ``mockserver serve`` offers without
extras, httptools (the default) and waitress, each started with
``--max-body-size 1048576``. A body over that limit answers 413 in the real
server's error format; one announced far over it (eight times) is answered
413 at once and its connection closed, unread. Requests that are not HTTP
get a plain-text 4xx: httptools answers them as the real server's uvicorn
does, waitress in its own words. Whatever arrives, the server keeps
answering.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver.serve import BACKSTOP_FACTOR
from tests.robustness.conftest import Served, serve_in_child

LIMIT = 1024 * 1024
FILTER = "/deployments/filter"
JSON_HEADERS = {"content-type": "application/json"}
_TOO_LARGE_1_1 = b"HTTP/1.1 431 Request Header Fields Too Large"
_TOO_LARGE_1_0 = b"HTTP/1.0 431 Request Header Fields Too Large"


@pytest.fixture(scope="module", params=["httptools", "waitress"])
def server_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, server_name: str
) -> Iterator[Served]:
    yield from serve_in_child(
        tmp_path_factory,
        "protocol",
        "--server",
        server_name,
        "--max-body-size",
        str(LIMIT),
    )


def padded(size: int) -> bytes:
    """A JSON string of exactly ``size`` bytes."""
    return b'"' + b"x" * (size - 2) + b'"'


def test_a_body_at_the_limit_is_read(http: httpx.Client) -> None:
    response = http.post(FILTER, content=padded(LIMIT), headers=JSON_HEADERS)

    # A string is not a filter: the body was read and validated.
    assert response.status_code == 422
    assert response.json()["exception_detail"][0]["type"] == "missing"


def test_a_body_over_the_limit_answers_413_naming_the_limit(
    served: Served, http: httpx.Client
) -> None:
    response = http.post(FILTER, content=padded(LIMIT + 1), headers=JSON_HEADERS)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": f"Request body too large ({LIMIT + 1} bytes): this mock server "
        f"accepts at most {LIMIT} bytes (mockserver serve --max-body-size)"
    }
    assert re.search(r"POST /api/deployments/filter - 413 ", served.server.log())


def test_a_chunked_body_over_the_limit_answers_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            yield b" " * (LIMIT // 2)

    response = http.post(FILTER, content=chunks(), headers=JSON_HEADERS)

    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body too large")


def test_a_body_far_over_the_limit_is_cut_off_before_it_is_read(
    served: Served,
) -> None:
    declared = BACKSTOP_FACTOR * LIMIT + 1
    answer = served.raw(
        b"POST /api/deployments/filter HTTP/1.1\r\nHost: mock\r\n"
        b"Content-Length: %d\r\n\r\n" % declared
    )

    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
    assert b"connection: close\r\n" in answer.lower()
    assert served.is_healthy()


@pytest.mark.parametrize(
    ("request_bytes", "answers"),
    [
        (
            b"GARBAGE\r\n\r\n",
            (b"HTTP/1.1 400 Bad Request", b"HTTP/1.0 400 Bad Request"),
        ),
        (
            b"\x00\x01\x02\xff\xfe\r\n\r\n",
            (b"HTTP/1.1 400 Bad Request", b"HTTP/1.0 400 Bad Request"),
        ),
        (
            b"GET /api/health HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n",
            (b"HTTP/1.1 400", b"HTTP/1.0 400"),
        ),
        (
            b"POST /api/deployments/filter HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: -5\r\n\r\n",
            (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 400 Bad Request"),
        ),
        (
            b"POST /api/deployments/filter HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 400 Bad Request"),
        ),
        (
            b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: "
            + b"a" * 300_000
            + b"\r\n\r\n",
            (_TOO_LARGE_1_1, _TOO_LARGE_1_0),
        ),
        (
            b"GET /api/flows/name/" + b"a" * 300_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            (_TOO_LARGE_1_1, _TOO_LARGE_1_0),
        ),
        (b"GET /api/health HTTP/1.0\r\n\r\n", (b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK")),
        (
            b"GET /api/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            (b"HTTP/1.1 404 ", b"HTTP/1.1 404 "),
        ),
    ],
    ids=[
        "garbage-request-line",
        "binary-request-line",
        "header-without-colon",
        "negative-content-length",
        "bad-chunk-size",
        "header-of-300000-bytes",
        "request-line-of-300000-bytes",
        "http-1.0-without-host",
        "unnormalised-traversal",
    ],
)
def test_broken_http_gets_a_4xx_and_the_server_stays_up(
    served: Served, server_name: str, request_bytes: bytes, answers: tuple[bytes, bytes]
) -> None:
    status_line = dict(zip(("httptools", "waitress"), answers, strict=True))[
        server_name
    ]
    try:
        answer = served.raw(request_bytes)
    except ConnectionResetError:
        # The server may close before the client finishes sending; the answer
        # was then lost with the connection, and only the server matters.
        answer = status_line

    assert answer.startswith(status_line), answer[:200]
    assert served.is_healthy()


def test_a_connection_dropped_mid_body_leaves_the_server_answering(
    served: Served,
) -> None:
    for _ in range(20):
        with socket.create_connection(served.address, timeout=5) as connection:
            connection.sendall(
                b"POST /api/deployments/ HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                b'{"name": "half'
            )

    assert served.is_healthy()


def test_idle_and_half_sent_connections_do_not_block_others(served: Served) -> None:
    # More connections than the server has threads, each stuck mid-request.
    stuck = []
    try:
        for number in range(64):
            connection = socket.create_connection(served.address, timeout=5)
            if number % 2:
                connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
            stuck.append(connection)

        started = time.monotonic()
        assert served.is_healthy()
        assert time.monotonic() - started < 5
    finally:
        for connection in stuck:
            connection.close()


def test_nothing_failed_inside_the_server(served: Served) -> None:
    assert served.failures_logged() == []
