"""The API's own HTTP request and response, on WSGI environments."""

from __future__ import annotations

import io
from typing import Any

import pytest

from mockserver.web import BodyTooLarge, BodyUnreadable, WebRequest, WebResponse


def environ(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/health",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "4200",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    return base | values


class Trickle(io.BytesIO):
    """A socket-like stream that hands over a few bytes per read."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(min(3, size if size is not None and size >= 0 else 3))


def test_the_path_is_decoded_as_utf8_and_starts_with_one_slash() -> None:
    raw = "//api/flows/é".encode().decode("latin-1")

    request = WebRequest(environ(PATH_INFO=raw, REQUEST_METHOD="post"))

    assert (request.method, request.path) == ("POST", "/api/flows/é")


def test_a_path_of_invalid_utf8_is_read_with_replacement_characters() -> None:
    request = WebRequest(environ(PATH_INFO=b"/api/\xff".decode("latin-1")))

    assert request.path == "/api/\ufffd"


def test_each_query_parameter_keeps_its_first_value_and_blanks_are_kept() -> None:
    request = WebRequest(environ(QUERY_STRING="limit=5&limit=6&name=&tag=a%20b"))

    assert request.query == {"limit": "5", "name": "", "tag": "a b"}


def test_headers_are_read_by_lower_case_name() -> None:
    request = WebRequest(
        environ(
            HTTP_X_PREFECT_API_VERSION="0.8.4",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH="2",
        )
    )

    assert request.headers == {
        "x-prefect-api-version": "0.8.4",
        "content-type": "application/json",
        "content-length": "2",
    }


@pytest.mark.parametrize(
    ("values", "root"),
    [
        ({"HTTP_HOST": "localhost:4200"}, "http://localhost:4200"),
        ({"HTTP_HOST": "example.test:80"}, "http://example.test"),
        (
            {"HTTP_HOST": "example.test:443", "wsgi.url_scheme": "https"},
            "https://example.test",
        ),
        ({}, "http://127.0.0.1:4200"),
        ({"SERVER_PORT": "80"}, "http://127.0.0.1"),
    ],
)
def test_the_url_root_is_the_host_the_client_addressed(
    values: dict[str, str], root: str
) -> None:
    assert WebRequest(environ(**values)).url_root == root


@pytest.mark.parametrize(
    ("values", "length"),
    [
        ({"CONTENT_LENGTH": "12"}, 12),
        ({"CONTENT_LENGTH": ""}, None),
        ({}, None),
        ({"CONTENT_LENGTH": "12", "HTTP_TRANSFER_ENCODING": "gzip, Chunked"}, None),
        ({"CONTENT_LENGTH": "twelve"}, 0),
        ({"CONTENT_LENGTH": "-3"}, 0),
    ],
)
def test_the_announced_length(values: dict[str, str], length: int | None) -> None:
    assert WebRequest(environ(**values)).content_length == length


def test_a_body_is_read_whole_across_short_reads() -> None:
    body = b'{"name": "etl"}'
    request = WebRequest(
        environ(CONTENT_LENGTH=str(len(body)), **{"wsgi.input": Trickle(body)})
    )

    assert request.read_body(100) == body


def test_a_body_announced_over_the_limit_is_refused_unread() -> None:
    stream = io.BytesIO(b"x" * 20)
    request = WebRequest(environ(CONTENT_LENGTH="20", **{"wsgi.input": stream}))

    with pytest.raises(BodyTooLarge) as refused:
        request.read_body(10)

    assert (refused.value.size, refused.value.limit) == (20, 10)
    assert stream.tell() == 0


def test_a_body_the_server_ends_is_read_up_to_the_limit() -> None:
    terminated = {"wsgi.input_terminated": True}
    at_limit = WebRequest(
        environ(**terminated, **{"wsgi.input": io.BytesIO(b"x" * 10)})
    )
    over = WebRequest(environ(**terminated, **{"wsgi.input": io.BytesIO(b"x" * 11)}))

    assert at_limit.read_body(10) == b"x" * 10
    with pytest.raises(BodyTooLarge) as refused:
        over.read_body(10)
    assert refused.value.size is None


def test_without_a_length_or_a_server_ending_it_no_body_is_read() -> None:
    stream = io.BytesIO(b"never read")

    assert WebRequest(environ(**{"wsgi.input": stream})).read_body(100) == b""
    assert stream.tell() == 0


def test_a_body_shorter_than_announced_is_unreadable() -> None:
    request = WebRequest(
        environ(CONTENT_LENGTH="10", **{"wsgi.input": io.BytesIO(b"12345")})
    )

    with pytest.raises(BodyUnreadable, match="after 5 of the 10 bytes announced"):
        request.read_body(100)


def send(response: WebResponse, method: str = "GET") -> tuple[str, list[Any], bytes]:
    started: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
        started.extend([status, headers])

    body = b"".join(response(environ(REQUEST_METHOD=method), start_response))
    return started[0], started[1], body


def test_a_response_sends_its_status_headers_and_length() -> None:
    response = WebResponse(
        201, b"{}", {"X-Trace": "1"}, content_type="application/json"
    )

    assert send(response) == (
        "201 Created",
        [
            ("content-type", "application/json"),
            ("content-length", "2"),
            ("x-trace", "1"),
        ],
        b"{}",
    )


def test_a_204_has_no_length_and_a_head_request_gets_no_body() -> None:
    assert send(WebResponse(204)) == ("204 No Content", [], b"")
    assert send(WebResponse(405, b"{}"), "HEAD") == (
        "405 Method Not Allowed",
        [("content-length", "2")],
        b"",
    )


def test_a_status_http_does_not_name_is_sent_all_the_same() -> None:
    assert send(WebResponse(599, b""))[0] == "599 Unknown"
