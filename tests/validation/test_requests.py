"""Requests are judged and answered the way the real server answers them.

Expected items are the real servers' answers to the same bodies, measured on
Prefect 3.9.1 and 2.14.16.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.contracts import load_contract_set
from mockserver.exchange import Call
from mockserver.validation import Rejected, parse_call

DEPLOYMENT_ID = "40686597-8f53-49e5-94b7-5b04446a39c2"


def _rejection(version: str, operation: str, body: bytes, **path: str) -> Rejected:
    contracts = load_contract_set(version)
    with pytest.raises(Rejected) as caught:
        parse_call(
            contracts,
            contracts.operation(operation),
            path=path,
            query={},
            headers={},
            body=body,
        )
    return caught.value


def _accept(version: str, operation: str, body: bytes, **path: str) -> Call:
    contracts = load_contract_set(version)
    return parse_call(
        contracts,
        contracts.operation(operation),
        path=path,
        query={},
        headers={},
        body=body,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"tags": "x"},
            [
                {"type": "missing", "loc": ["body", "name"], "msg": "Field required"},
                {
                    "type": "missing",
                    "loc": ["body", "flow_id"],
                    "msg": "Field required",
                },
                {
                    "type": "list_type",
                    "loc": ["body", "tags"],
                    "msg": "Input should be a valid list",
                },
            ],
        ),
        (
            {"name": "d", "flow_id": "not-a-uuid"},
            [
                {
                    "type": "uuid_parsing",
                    "loc": ["body", "flow_id"],
                    "msg": "Input should be a valid UUID, invalid character: "
                    "found `n` at 0",
                }
            ],
        ),
        (
            {"name": 5, "flow_id": DEPLOYMENT_ID},
            [
                {
                    "type": "string_type",
                    "loc": ["body", "name"],
                    "msg": "Input should be a valid string",
                }
            ],
        ),
        (
            {"name": "d", "flow_id": DEPLOYMENT_ID, "bogus": 1},
            [
                {
                    "type": "extra_forbidden",
                    "loc": ["body", "bogus"],
                    "msg": "Extra inputs are not permitted",
                }
            ],
        ),
        (
            {"name": "d", "flow_id": DEPLOYMENT_ID, "concurrency_limit": 0},
            [
                {
                    "type": "greater_than",
                    "loc": ["body", "concurrency_limit"],
                    "msg": "Input should be greater than 0",
                }
            ],
        ),
    ],
    ids=["missing-and-wrong-type", "bad-uuid", "int-for-string", "extra", "bound"],
)
def test_3_9_1_reports_every_violation_like_pydantic_2(
    body: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    rejected = _rejection("3.9.1", "create_deployment", json.dumps(body).encode())

    items = rejected.reply.body["exception_detail"]
    assert rejected.reply.status == 422
    assert [{k: item[k] for k in ("type", "loc", "msg")} for item in items] == expected
    assert rejected.reply.body["exception_message"] == "Invalid request received."
    # create_deployment fills in "parameters": {} before validating.
    assert rejected.reply.body["request_body"] == {**body, "parameters": {}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": "d", "flow_id": "nope"},
            [
                {
                    "loc": ["body", "flow_id"],
                    "msg": "value is not a valid uuid",
                    "type": "type_error.uuid",
                }
            ],
        ),
        (
            {"name": None, "flow_id": DEPLOYMENT_ID, "tags": "a"},
            [
                {
                    "loc": ["body", "name"],
                    "msg": "none is not an allowed value",
                    "type": "type_error.none.not_allowed",
                },
                {
                    "loc": ["body", "tags"],
                    "msg": "value is not a valid list",
                    "type": "type_error.list",
                },
            ],
        ),
        (
            {"name": "d", "flow_id": DEPLOYMENT_ID, "bogus": 1},
            [
                {
                    "loc": ["body", "bogus"],
                    "msg": "extra fields not permitted",
                    "type": "value_error.extra",
                }
            ],
        ),
    ],
    ids=["bad-uuid", "null-and-wrong-type", "extra"],
)
def test_2_14_16_reports_every_violation_like_pydantic_1(
    body: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    rejected = _rejection("2.14.16", "create_deployment", json.dumps(body).encode())

    assert rejected.reply.body["exception_detail"] == expected


def test_seed_request_breaks_3_9_1_in_exactly_three_places(
    seed: dict[str, Any],
) -> None:
    body = json.dumps(seed["request"]).encode()

    rejected = _rejection(
        "3.9.1", "create_flow_run_from_deployment", body, id=DEPLOYMENT_ID
    )

    found = [(v.location, v.kind) for v in rejected.violations]
    assert found == [
        (("body", "state", "timestamp"), "extra_forbidden"),
        (("body", "state", "id"), "extra_forbidden"),
        (("body", "empirical_policy", "pause_keys", 0), "string_type"),
    ]


def test_seed_request_is_accepted_by_2_14_16(seed: dict[str, Any]) -> None:
    call = _accept(
        "2.14.16",
        "create_flow_run_from_deployment",
        json.dumps(seed["request"]).encode(),
        id=DEPLOYMENT_ID,
    )

    assert call.body == seed["request"]
    assert call.path == {"id": DEPLOYMENT_ID}


@pytest.mark.parametrize(
    ("version", "expected_item"),
    [
        (
            "3.9.1",
            {
                "type": "json_invalid",
                "loc": ["body", 1],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "Expecting property name enclosed in double quotes"},
            },
        ),
        (
            "2.14.16",
            {
                "loc": ["body", 1],
                "msg": "Expecting property name enclosed in double quotes: "
                "line 1 column 2 (char 1)",
                "type": "value_error.jsondecode",
                "ctx": {
                    "msg": "Expecting property name enclosed in double quotes",
                    "doc": "{",
                    "pos": 1,
                    "lineno": 1,
                    "colno": 2,
                },
            },
        ),
    ],
    ids=["3.9.1", "2.14.16"],
)
def test_malformed_json_is_a_json_violation_echoing_the_text(
    version: str, expected_item: dict[str, Any]
) -> None:
    rejected = _rejection(version, "update_deployment", b"{", id=DEPLOYMENT_ID)

    assert rejected.reply.body["exception_detail"] == [expected_item]
    assert rejected.reply.body["request_body"] == "{"


def test_non_utf8_body_answers_400_like_the_real_server() -> None:
    rejected = _rejection("3.9.1", "create_deployment", b'{"name": "\xff"}')

    assert rejected.reply.status == 400
    assert rejected.reply.body == {"detail": "There was an error parsing the body"}


@pytest.mark.parametrize("body", [b"", b"null"], ids=["empty", "json-null"])
def test_a_required_body_that_is_absent_is_missing(body: bytes) -> None:
    rejected = _rejection("3.9.1", "create_deployment", body)

    assert rejected.reply.body["exception_detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def test_array_body_for_a_model_is_rejected_instead_of_a_server_error() -> None:
    # Prefect 3.9.1 itself answers 500 here; the mock answers a 422 instead.
    rejected = _rejection("3.9.1", "create_deployment", b"[1]")

    assert rejected.reply.status == 422
    assert rejected.violations[0].kind == "model_attributes_type"


def test_non_object_filter_body_misses_every_bundled_field() -> None:
    rejected = _rejection("3.9.1", "read_deployments", b"[1]")

    kinds = {(v.location[1], v.kind) for v in rejected.violations}
    assert ("limit", "missing") in kinds
    assert ("deployments", "missing") in kinds


@pytest.mark.parametrize(
    ("version", "body", "read"),
    [
        ("3.9.1", {"limit": "5"}, {"limit": 5}),
        ("3.9.1", {"limit": 5.0}, {"limit": 5}),
        ("3.9.1", {"limit": True}, {"limit": 1}),
        ("2.14.16", {"limit": 5.5}, {"limit": 5}),
        ("3.9.1", {"offset": "2", "limit": 3}, {"offset": 2, "limit": 3}),
    ],
    ids=["numeric-string", "integral-float", "bool", "v1-truncates-floats", "mixed"],
)
def test_lax_coercions_are_accepted_and_applied(
    version: str, body: dict[str, Any], read: dict[str, Any]
) -> None:
    call = _accept(version, "read_deployments", json.dumps(body).encode())

    assert call.body == read


def test_coerced_booleans_reach_the_responder_as_booleans() -> None:
    body = {"name": "d", "flow_id": DEPLOYMENT_ID, "paused": "yes"}

    call = _accept("3.9.1", "create_deployment", json.dumps(body).encode())

    assert call.body["paused"] is True


def test_fractional_float_for_an_integer_is_rejected_in_3_9_1() -> None:
    rejected = _rejection("3.9.1", "read_deployments", b'{"limit": 5.5}')

    assert rejected.violations[0].kind == "int_from_float"


def test_optional_body_may_be_absent() -> None:
    call = _accept("3.9.1", "count_deployments", b"")

    assert call.body is None


def test_null_fields_of_a_bundled_body_take_their_defaults() -> None:
    # The real client sends {"sort": null, "limit": null, ...} to filters.
    call = _accept("3.9.1", "read_deployments", b'{"sort": null, "limit": null}')

    assert call.body == {}


def test_a_body_sent_as_text_is_ignored_like_fastapi_does() -> None:
    contracts = load_contract_set("3.9.1")

    call = parse_call(
        contracts,
        contracts.operation("read_deployments"),
        path={},
        query={},
        headers={"Content-Type": "text/plain"},
        body=b'{"limit": "nope"}',
    )

    assert call.body is None


def test_missing_query_parameter_is_reported_without_input() -> None:
    contracts = load_contract_set("3.9.1")

    with pytest.raises(Rejected) as caught:
        parse_call(
            contracts,
            contracts.operation("create_csrf_token"),
            path={},
            query={},
            headers={},
            body=b"",
        )

    assert caught.value.reply.body["exception_detail"] == [
        {
            "type": "missing",
            "loc": ["query", "client"],
            "msg": "Field required",
            "input": None,
        }
    ]


@pytest.mark.parametrize(
    ("version", "item"),
    [
        (
            "3.9.1",
            {
                "type": "value_error",
                "loc": ["body", "scheduled_before"],
                "msg": "Value error, Unable to parse string [yesterday]",
                "input": "yesterday",
                "ctx": {"error": {}},
            },
        ),
        (
            "2.14.16",
            {
                "loc": ["body", "scheduled_before"],
                "msg": "Unable to parse string [yesterday]",
                "type": "value_error.parser",
            },
        ),
    ],
    ids=["3.9.1", "2.14.16"],
)
def test_unparseable_dates_are_worded_like_prefects_own_parser(
    version: str, item: dict[str, Any]
) -> None:
    body = {"deployment_ids": [DEPLOYMENT_ID], "scheduled_before": "yesterday"}

    rejected = _rejection(
        version, "get_scheduled_flow_runs_for_deployments", json.dumps(body).encode()
    )

    assert rejected.reply.body["exception_detail"] == [item]
