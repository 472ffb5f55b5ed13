"""Drift: when the contract's verdict and the server's answer disagree."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.contracts import ContractSet
from mockserver.exchange import Reply
from mockserver.recording import Drift, DriftReport
from mockserver.recording.drift import request_drift, response_drift
from mockserver.validation import Rejected, parse_call

NAME = "0001-create_flow-201.json"
VALID = {"name": "etl"}
INVALID = {"name": 5}
ENVELOPE = {
    "exception_message": "Invalid request received.",
    "exception_detail": [{"type": "missing", "loc": ["body", "name"], "msg": "x"}],
    "request_body": {},
}


def verdict(contract_set: ContractSet, body: Any) -> Rejected | None:
    try:
        parse_call(
            contract_set,
            contract_set.operation("create_flow"),
            path={},
            query={},
            headers={},
            body=json.dumps(body).encode(),
        )
    except Rejected as rejected:
        return rejected
    return None


@pytest.mark.parametrize(
    ("sent", "status", "answer", "expected"),
    [
        (VALID, 201, {"id": "x"}, None),
        (INVALID, 422, ENVELOPE, None),
        (VALID, 422, {"detail": "CSRF protection is disabled."}, None),
        (VALID, 422, ENVELOPE, "the server rejected with 422 a request the contract"),
        (
            VALID,
            400,
            {"detail": "There was an error parsing the body"},
            "the server rejected with 400",
        ),
        (INVALID, 201, {"id": "x"}, "body.name: Input should be a valid string"),
        (INVALID, 404, {"detail": "x"}, "the contract rejects it with 422, the server"),
    ],
    ids=[
        "both-accept",
        "both-reject",
        "server-refuses-for-its-own-reason",
        "only-the-server-rejects",
        "only-the-server-cannot-parse",
        "only-the-contract-rejects",
        "rejected-with-other-statuses",
    ],
)
def test_request_drift_compares_both_verdicts(
    contract_set: ContractSet,
    sent: Any,
    status: int,
    answer: Any,
    expected: str | None,
) -> None:
    operation = contract_set.operation("create_flow")

    found = request_drift(NAME, operation, verdict(contract_set, sent), status, answer)

    if expected is None:
        assert found == []
    else:
        [drift] = found
        assert (drift.recording, drift.side) == (NAME, "request")
        assert expected in drift.message


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(404, {"detail": "Deployment not found"}), []),
        (Reply(404, {"detail": 5}), ["404 body.detail: Input should be a valid"]),
        (Reply(418, {"detail": "tea"}), ["418 status: status 418 is not documented"]),
    ],
    ids=["in-contract", "wrong-type", "undocumented-status"],
)
def test_response_drift_lists_every_violation(
    contract_set: ContractSet, reply: Reply, expected: list[str]
) -> None:
    operation = contract_set.operation("read_deployment")

    found = response_drift(NAME, contract_set, operation, reply)

    assert [drift.side for drift in found] == ["response"] * len(expected)
    assert len(found) == len(expected)
    for drift, start in zip(found, expected, strict=True):
        assert drift.message.startswith(start)


def test_the_summary_lists_every_drift_under_its_recording() -> None:
    report = DriftReport()
    report.add("0001-a-200.json", [], outside=False)
    report.add("0002-unmatched-404.json", [], outside=True)
    report.add(
        "0003-b-200.json",
        [
            Drift("0003-b-200.json", "b", "request", "one"),
            Drift("0003-b-200.json", "b", "response", "two"),
        ],
        outside=False,
    )

    assert report.summary().splitlines() == [
        "recorded 3 exchanges (1 outside the contract set)",
        "drift in 1 of 3:",
        "  0003-b-200.json: request: one",
        "  0003-b-200.json: response: two",
    ]
