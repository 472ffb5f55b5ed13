"""The committed recordings of Prefect 3.9.1: complete, consistent, in contract."""

from __future__ import annotations

import json
import re

import pytest

from mockserver.contracts import ContractSet
from mockserver.exchange import Reply
from mockserver.recording import (
    REDACTED,
    Recording,
    RouteTable,
    list_recordings,
    read_recording,
)
from mockserver.recording.drift import request_drift, response_drift
from mockserver.validation import Rejected, parse_call

from .conftest import COMMITTED

NAMES = list_recordings(COMMITTED)


def _load(name: str) -> Recording:
    return read_recording(COMMITTED, name)


def test_every_deployment_operation_is_recorded_with_its_errors(
    contract_set: ContractSet,
) -> None:
    recorded = {(r.operation, r.response.status) for r in map(_load, NAMES)}
    operations = {op.name for op in contract_set if op.path.startswith("/deployments")}

    assert len(operations) == 20
    assert operations <= {operation for operation, _ in recorded}
    assert {status for _, status in recorded} >= {200, 201, 204, 404, 409, 422}


@pytest.mark.parametrize("name", NAMES)
def test_the_recording_agrees_with_its_contract(
    contract_set: ContractSet, name: str
) -> None:
    recording = _load(name)
    assert recording.operation is not None
    operation = contract_set.operation(recording.operation)
    request, response = recording.request, recording.response

    rejected = None
    try:
        parse_call(
            contract_set,
            operation,
            path=request.path_parameters,
            query=request.query,
            headers=request.headers,
            body=json.dumps(request.body).encode() if request.body is not None else b"",
        )
    except Rejected as error:
        rejected = error
    reply = Reply(response.status, response.body)

    assert request_drift(name, operation, rejected, response.status, reply.body) == []
    assert response_drift(name, contract_set, operation, reply) == []
    assert list(recording.drift) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_name_method_and_path_agree_with_the_content(
    contract_set: ContractSet, name: str
) -> None:
    recording = _load(name)
    found = RouteTable(contract_set, uuid_segments=True).match(
        recording.request.method, recording.request.path
    )

    assert found is not None
    assert found.operation.name == recording.operation
    assert dict(found.parameters) == dict(recording.request.path_parameters)
    assert re.fullmatch(
        rf"\d{{4}}-{recording.operation}-{recording.response.status}\.json", name
    )


@pytest.mark.parametrize("name", NAMES)
def test_no_secret_is_committed(name: str) -> None:
    recording = _load(name)
    headers = {**recording.request.headers, **recording.response.headers}

    for header in ("authorization", "cookie", "set-cookie", "x-api-key"):
        assert headers.get(header, REDACTED) == REDACTED
