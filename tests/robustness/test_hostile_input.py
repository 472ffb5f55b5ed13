"""Hostile request bodies, paths and parameters over real HTTP.

Every request here gets a clear answer in the real server's format: 400
``{"detail": ...}``, a 422 envelope, a 404, or a 2xx where the input is
legal. None is a 5xx, none is "mockserver failed to answer", and the
server answers ``/api/health`` afterwards. Where Prefect 3.9.1 answers a
hostile body with 500 (lone surrogates, values nested past ~255 levels),
the mock answers 400 ``There was an error parsing the body``, what the real
server answers to bodies it cannot parse at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.validation import MAX_NESTING
from tests.robustness.conftest import Served

UNPARSEABLE = {"detail": "There was an error parsing the body"}
JSON_TYPE = "application/json"

Check = Callable[[Any], None]


@dataclass(frozen=True)
class Hostile:
    """One hostile request and the answer it must get."""

    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = JSON_TYPE
    status: int | None = 400
    """The status to answer; ``None`` where any non-5xx answer will do."""
    check: Check = field(default=lambda body: None)


def parse_error(body: Any) -> None:
    assert body == UNPARSEABLE


def envelope(kind: str, location: list[Any] | None = None) -> Check:
    def check(body: Any) -> None:
        assert body["exception_message"] == "Invalid request received."
        first = body["exception_detail"][0]
        assert first["type"] == kind, body["exception_detail"]
        if location is not None:
            assert first["loc"] == location, body["exception_detail"]

    return check


def exactly(expected: Any) -> Check:
    def check(body: Any) -> None:
        assert body == expected

    return check


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


RUN = "/deployments/{deployment}/create_flow_run"
FILTER = "/deployments/filter"

HOSTILE: dict[str, Hostile] = {
    "json-nested-100000-arrays": Hostile(
        "POST", FILTER, nested(100_000).encode(), check=parse_error
    ),
    "json-nested-100000-objects": Hostile(
        "POST", "/deployments/", deep_object(100_000).encode(), check=parse_error
    ),
    "parameters-nested-past-the-limit": Hostile(
        "POST",
        RUN,
        ('{"parameters":{"x":' + nested(MAX_NESTING) + "}}").encode(),
        check=parse_error,
    ),
    "non-utf8-bytes": Hostile("POST", FILTER, b'{"limit": "\xff"}', check=parse_error),
    "utf8-encoded-surrogate": Hostile(
        "POST", RUN, b'{"name": "a\xed\xa0\x80b"}', check=parse_error
    ),
    "lone-surrogate-in-a-value": Hostile(
        "POST", RUN, b'{"name": "a\\ud800b"}', check=parse_error
    ),
    "lone-surrogate-in-a-key": Hostile(
        "POST", RUN, b'{"parameters": {"\\udfff": 1}}', check=parse_error
    ),
    "lone-surrogate-in-a-filter": Hostile(
        "POST",
        FILTER,
        b'{"deployments": {"name": {"any_": ["\\ud800"]}}}',
        check=parse_error,
    ),
    "integer-of-5000-digits-for-a-limit": Hostile(
        "POST", FILTER, b'{"limit": ' + b"9" * 5000 + b"}", check=parse_error
    ),
    "integer-of-5000-digits-in-parameters": Hostile(
        "POST", RUN, b'{"parameters": {"x": ' + b"9" * 5000 + b"}}", check=parse_error
    ),
    "whitespace-only-body": Hostile(
        "POST", FILTER, b"   ", status=422, check=envelope("json_invalid", ["body", 3])
    ),
    "truncated-json": Hostile(
        "POST", FILTER, b'{"limit":', status=422, check=envelope("json_invalid")
    ),
    "array-where-an-object-belongs": Hostile(
        "POST", FILTER, b"[1, 2]", status=422, check=envelope("missing")
    ),
    "string-where-an-object-belongs": Hostile(
        "POST",
        RUN,
        b'"run"',
        status=422,
        check=envelope("model_attributes_type", ["body"]),
    ),
    "object-where-a-list-belongs": Hostile(
        "POST",
        "/deployments/{deployment}/schedules",
        b"{}",
        status=422,
        check=envelope("list_type", ["body"]),
    ),
    "no-body-where-a-field-is-required": Hostile(
        "POST",
        "/ui/flows/count-deployments",
        None,
        status=422,
        check=envelope("missing", ["body", "flow_ids"]),
    ),
    "null-body-where-a-field-is-required": Hostile(
        "POST",
        "/deployments/get_scheduled_flow_runs",
        b"null",
        status=422,
        check=envelope("missing", ["body", "deployment_ids"]),
    ),
    # Legal for the validator, then handled by the stateful responder; the
    # statuses are the real server's.
    "interval-that-is-not-a-duration": Hostile(
        "POST",
        "/deployments/{deployment}/schedules",
        b'[{"schedule": {"interval": "soon"}}]',
        status=422,
        check=envelope("time_delta_parsing"),
    ),
    "interval-as-a-clock-time": Hostile(
        "POST",
        "/deployments/{deployment}/schedules",
        b'[{"schedule": {"interval": "01:00:00"}}]',
        status=201,
    ),
    "null-schedule-in-an-update": Hostile(
        "PATCH",
        "/deployments/{deployment}",
        b'{"schedules": [{"schedule": null}]}',
        status=204,
    ),
    "float-page-and-limit": Hostile(
        "POST",
        "/deployments/paginate",
        b'{"page": 2.0, "limit": 5.0}',
        status=200,
    ),
    # Prefect 3.9.1 answers 500 (an overflowing timedelta).
    "minimum-time-too-large": Hostile(
        "POST",
        "/deployments/{deployment}/schedule",
        b'{"min_time": 1e308}',
        status=None,
    ),
    "unknown-enum-value": Hostile(
        "POST",
        FILTER,
        b'{"sort": "BOGUS"}',
        status=422,
        check=envelope("enum", ["body", "sort"]),
    ),
    "unknown-state-type": Hostile(
        "POST",
        RUN,
        b'{"state": {"type": "EXPLODED"}}',
        status=422,
        check=envelope("enum", ["body", "state", "type"]),
    ),
    "absurd-limit": Hostile(
        "POST",
        FILTER,
        b'{"limit": 100000000000000000000}',
        status=422,
        check=exactly({"detail": "Invalid limit: must be less than or equal to 200."}),
    ),
    "negative-limit": Hostile(
        "POST",
        FILTER,
        b'{"limit": -1}',
        status=422,
        check=exactly({"detail": "Invalid limit: must be greater than or equal to 0."}),
    ),
    "negative-offset": Hostile(
        "POST",
        FILTER,
        b'{"offset": -5}',
        status=422,
        check=envelope("greater_than_equal", ["body", "offset"]),
    ),
    "absurd-offset": Hostile(
        "POST",
        FILTER,
        b'{"offset": 100000000000000000000}',
        status=200,
        check=exactly([]),
    ),
    "page-zero": Hostile(
        "POST",
        "/deployments/paginate",
        b'{"page": 0}',
        status=422,
        check=envelope("greater_than_equal", ["body", "page"]),
    ),
    "absurd-page": Hostile(
        "POST",
        "/deployments/paginate",
        b'{"page": 100000000000000000000}',
        status=200,
    ),
    "fractional-limit": Hostile(
        "POST",
        FILTER,
        b'{"limit": 5.5}',
        status=422,
        check=envelope("int_from_float", ["body", "limit"]),
    ),
    "nan-for-a-limit": Hostile("POST", FILTER, b'{"limit": NaN}', status=200),
    "float-too-large-for-a-limit": Hostile(
        "POST", FILTER, b'{"limit": 1e400}', status=200
    ),
    "duplicate-keys": Hostile(
        "POST", FILTER, b'{"limit": 0, "limit": 1, "limit": 0}', status=200
    ),
    "text-plain-body-on-a-filter": Hostile(
        "POST", FILTER, b'{"limit": 1}', content_type="text/plain", status=200
    ),
    "form-body-on-a-model": Hostile(
        "POST",
        "/flows/",
        b"name=x",
        content_type="application/x-www-form-urlencoded",
        status=422,
    ),
    "no-content-type": Hostile(
        "POST",
        "/flows/",
        b'{"name": "no-content-type"}',
        content_type=None,
        status=201,
    ),
    "json-suffix-content-type": Hostile(
        "POST", FILTER, b"{}", content_type="application/vnd.api+json", status=200
    ),
    "garbage-body-on-an-operation-without-one": Hostile(
        "GET", "/health", b"\xff[[[", status=200, check=exactly(True)
    ),
    "malformed-uuid-in-the-path": Hostile(
        "GET",
        "/deployments/not-a-uuid",
        status=404,
        check=exactly({"detail": "Not Found"}),
    ),
    "encoded-path-traversal": Hostile(
        "GET",
        "/deployments/..%2F..%2Fetc",
        status=404,
        check=exactly({"detail": "Not Found"}),
    ),
    "encoded-traversal-in-a-name": Hostile(
        "GET",
        "/flows/name/..%2F..%2Fetc%2Fpasswd",
        status=404,
        check=exactly({"detail": "Not Found"}),
    ),
    "path-of-30000-characters": Hostile(
        "GET",
        "/deployments/name/" + "a" * 30_000 + "/b",
        status=404,
        check=exactly({"detail": "Deployment not found"}),
    ),
    "nul-and-bad-percent-escapes-in-the-path": Hostile(
        "GET",
        "/flows/name/a%00b%ff%ED%A0%80",
        status=404,
        check=exactly({"detail": "Flow not found"}),
    ),
    "newline-in-the-path": Hostile(
        "GET",
        "/flows/name/a%0Ab",
        status=404,
        check=exactly({"detail": "Not Found"}),
    ),
    "garbage-in-the-query": Hostile(
        "GET",
        "/csrf-token?client=%ff%00&client=2&" + "x=" * 2000,
        status=422,
        check=exactly({"detail": "CSRF protection is disabled."}),
    ),
}


@pytest.fixture(scope="module")
def deployment(served: Served) -> str:
    with httpx.Client(base_url=served.api_url, timeout=30) as client:
        flow = client.post("/flows/", json={"name": "hostile"}).json()
        created = client.post(
            "/deployments/", json={"name": "target", "flow_id": flow["id"]}
        )
    assert created.status_code == 201
    return str(created.json()["id"])


def send(http: httpx.Client, case: Hostile, deployment: str) -> httpx.Response:
    headers = {} if case.content_type is None else {"content-type": case.content_type}
    request = http.build_request(
        case.method,
        case.path.format(deployment=deployment),
        content=case.body,
        headers=headers,
    )
    if case.content_type is None:
        request.headers.pop("content-type", None)
    return http.send(request)


@pytest.mark.parametrize("case", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_gets_a_clear_answer_and_the_server_stays_up(
    served: Served, http: httpx.Client, deployment: str, case: Hostile
) -> None:
    response = send(http, case, deployment)

    if case.status is None:
        assert response.status_code < 500, response.text[:500]
    else:
        assert response.status_code == case.status, response.text[:500]
    assert "mockserver failed" not in response.text
    if response.content:
        assert response.headers["content-type"] == JSON_TYPE
        case.check(response.json())
    assert served.is_healthy()


def test_no_answer_failed_and_the_log_shows_no_traceback(served: Served) -> None:
    # Runs after the table above, on the same server.
    assert served.failures_logged() == []


@pytest.mark.parametrize(
    ("literal", "stored"),
    [("NaN", None), ("Infinity", None), ("-Infinity", None), ("1e400", None)],
    ids=["nan", "infinity", "negative-infinity", "overflowing-float"],
)
def test_non_finite_numbers_are_stored_as_null_as_the_real_server_does(
    http: httpx.Client, deployment: str, literal: str, stored: Any
) -> None:
    body = f'{{"parameters": {{"x": {literal}, "y": [{literal}, 1.5]}}}}'

    created = http.post(
        RUN.format(deployment=deployment),
        content=body,
        headers={"content-type": JSON_TYPE},
    )
    read = http.get(f"/flow_runs/{created.json()['id']}")

    assert created.status_code == 201
    assert created.json()["parameters"] == {"x": stored, "y": [stored, 1.5]}
    assert read.json()["parameters"] == {"x": stored, "y": [stored, 1.5]}


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ('"a\\u0000b"', "a\x00b"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ("1" + "0" * 99, 10**99),
        (nested(MAX_NESTING - 3), json.loads(nested(MAX_NESTING - 3))),
    ],
    ids=["nul-character", "escaped-surrogate-pair", "integer-of-100-digits", "deep"],
)
def test_legal_but_unusual_values_round_trip(
    http: httpx.Client, deployment: str, value: str, stored: Any
) -> None:
    body = f'{{"parameters": {{"x": {value}}}}}'

    created = http.post(
        RUN.format(deployment=deployment),
        content=body.encode(),
        headers={"content-type": JSON_TYPE},
    )
    read = http.get(f"/flow_runs/{created.json()['id']}")
    listed = http.post("/flow_runs/filter", json={})

    assert created.status_code == 201, created.text[:300]
    assert read.json()["parameters"]["x"] == stored
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-16", "utf-32"], ids=["utf8-bom", "utf16", "utf32"]
)
def test_bodies_in_any_json_encoding_are_read_as_the_real_server_reads_them(
    http: httpx.Client, encoding: str
) -> None:
    body = json.dumps({"name": f"encoded-{encoding}"}).encode(encoding)

    response = http.post("/flows/", content=body, headers={"content-type": JSON_TYPE})

    assert response.status_code == 201
    assert response.json()["name"] == f"encoded-{encoding}"


WORKERS = 8
"""Threads of ``mockserver serve``: each keeps its own allocator arena."""

MIB = 1024 * 1024


def huge_refusals(deployment: str, size: int) -> dict[str, tuple[str, bytes, int]]:
    """Bodies of ``size`` bytes that are refused, so the server keeps nothing."""
    run = RUN.format(deployment=deployment)
    return {
        "list-for-a-filter": (FILTER, b"[" + b"1," * (size // 2 - 1) + b"1]", 422),
        "string-in-an-extra-field": (
            run,
            b'{"bogus": "' + b"x" * size + b'"}',
            422,
        ),
        "non-utf8": (FILTER, b'{"limit": "' + b"\xff" * size + b'"}', 400),
        "over-the-limit": (FILTER, b" " * (11 * MIB), 413),
    }


@pytest.mark.parametrize(
    "kind", list(huge_refusals("x", 1)), ids=list(huge_refusals("x", 1))
)
def test_a_body_of_many_megabytes_is_refused_cleanly(
    served: Served, http: httpx.Client, deployment: str, kind: str
) -> None:
    path, body, status = huge_refusals(deployment, 9 * MIB)[kind]

    response = http.post(path, content=body, headers={"content-type": JSON_TYPE})

    assert response.status_code == status
    assert response.headers["content-type"] == JSON_TYPE
    assert served.is_healthy()


def test_memory_stays_bounded_under_repeated_huge_bodies(
    served: Served, deployment: str
) -> None:
    refusals = huge_refusals(deployment, 3 * MIB)

    def wave(path: str, body: bytes, status: int) -> None:
        # As many requests at once as the server has threads, so that every
        # thread (and its allocator arena) answers one.
        def send_one(_: int) -> int:
            with httpx.Client(base_url=served.api_url, timeout=120) as client:
                headers = {"content-type": JSON_TYPE}
                return client.post(path, content=body, headers=headers).status_code

        with ThreadPoolExecutor(WORKERS) as pool:
            assert set(pool.map(send_one, range(WORKERS))) == {status}

    for refusal in refusals.values():
        wave(*refusal)
    warmed = served.rss_mib()
    for _ in range(2):
        for refusal in refusals.values():
            wave(*refusal)
    grown = served.rss_mib() - warmed

    # Two more cycles move another ~250 MiB through the server: a kept body
    # shows as growth (3 MiB a request), allocator slack barely grows.
    assert grown < 25, f"resident memory grew by {grown:.0f} MiB"
    assert served.is_healthy()


PARSE_LEVEL = [
    "json-nested-100000-arrays",
    "non-utf8-bytes",
    "lone-surrogate-in-a-filter",
    "integer-of-5000-digits-for-a-limit",
    "whitespace-only-body",
    "garbage-body-on-an-operation-without-one",
]


@pytest.mark.parametrize("name", PARSE_LEVEL, ids=PARSE_LEVEL)
def test_prefect_2_reads_hostile_bodies_the_same_way(name: str) -> None:
    # Prefect 2.14.16 vendors the same FastAPI body reading; its 422 items
    # are pydantic 1's, so only the status and the 400 body are compared.
    case = HOSTILE[name]
    client = create_app("2.14.16").test_client()

    response = client.open(
        "/api" + case.path,
        method=case.method,
        data=case.body,
        content_type=case.content_type,
    )

    assert response.status_code == case.status
    if case.status == 400:
        assert response.get_json() == UNPARSEABLE
    assert (response.status_code == 422) == ("exception_detail" in response.text)
