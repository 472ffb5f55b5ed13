"""The guard every client test runs under: the server's log must stay clean."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import MockServer

from .support import traffic_problems, watched

LINES = {
    "answered": "15:15:53 INFO POST /api/flows/ create_flow 201 1.3ms",
    "not-found": "15:15:53 INFO GET /api/deployments/x read_deployment 404 0.9ms",
    "csrf": "15:15:53 INFO GET /api/csrf-token create_csrf_token 422 1.1ms",
    "refused": "15:15:53 INFO POST /api/deployments/ create_deployment 422 2.0ms",
    "crashed": "15:15:53 INFO POST /api/deployments/ create_deployment 500 2.0ms",
    "broken-reply": "15:15:53 WARNING reply 200 to read_flow breaks its contract: x",
    "failed": "15:15:53 ERROR mockserver failed to answer read_flow",
}


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("answered", False),
        ("not-found", False),
        ("csrf", False),
        ("refused", True),
        ("crashed", True),
        ("broken-reply", True),
        ("failed", True),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_only_answers_a_real_client_never_gets_are_flagged(
    line: str, flagged: bool
) -> None:
    assert traffic_problems(LINES[line]) == ([LINES[line]] if flagged else [])


def test_a_request_the_server_refuses_fails_the_watch(
    mock_server: MockServer,
) -> None:
    with (
        pytest.raises(AssertionError, match="create_deployment 422"),
        watched(mock_server),
        httpx.Client(base_url=mock_server.api_url) as http,
    ):
        http.post("/deployments/", json={"name": 1})
