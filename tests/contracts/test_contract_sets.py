"""The committed contract sets are sound, complete and describe the real server."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.contracts.check import check
from mockserver.contracts.openapi import assemble
from mockserver.errors import UnknownOperation, UnknownSchema, UnknownVersion
from mockserver.exchange import Reply
from mockserver.validation import reply_violations

DEPLOYMENT_OPERATIONS = {"3.9.1": 20, "2.14.16": 13}


def test_every_contract_passes_the_metaschema_and_resolves(
    contract_set: ContractSet,
) -> None:
    assert check(contract_set) == []


def test_deployment_api_has_the_upstream_number_of_operations(
    contract_set: ContractSet,
) -> None:
    deployment = [op for op in contract_set if op.path.startswith("/deployments")]
    assert len(deployment) == DEPLOYMENT_OPERATIONS[contract_set.version]


def test_assembled_document_is_valid_openapi_3_1(contract_set: ContractSet) -> None:
    document = assemble(contract_set)

    validate_openapi(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == contract_set.version


@pytest.mark.parametrize(
    ("version", "operation", "statuses"),
    [
        ("3.9.1", "create_deployment", {200, 201, 400, 404, 409, 422}),
        ("3.9.1", "create_flow_run_from_deployment", {200, 201, 400, 404, 409, 422}),
        ("3.9.1", "update_deployment", {204, 400, 404, 409, 422}),
        ("3.9.1", "delete_deployment", {204, 404, 422}),
        ("3.9.1", "create_deployment_schedules", {201, 400, 404, 409, 422}),
        ("3.9.1", "schedule_deployment", {200, 400, 404, 422}),
        ("3.9.1", "set_flow_run_state", {200, 201, 400, 404, 422}),
        ("2.14.16", "create_deployment", {200, 201, 400, 404, 409, 422}),
        ("2.14.16", "set_schedule_active", {200, 404, 422}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_contracts_list_the_statuses_the_real_server_answers(
    version: str, operation: str, statuses: set[int]
) -> None:
    contract = load_contract_set(version).operation(operation)

    assert set(contract.responses) == statuses


def test_no_body_statuses_have_no_schema() -> None:
    contract = load_contract_set("3.9.1").operation("update_deployment")

    assert contract.responses[204] is None


def test_422_contract_is_the_real_envelope_not_fastapis(
    contract_set: ContractSet,
) -> None:
    operation = contract_set.operation("create_deployment")
    envelope = {
        "exception_message": "Invalid request received.",
        "exception_detail": [{"loc": ["body", "name"], "msg": "x", "type": "missing"}],
        "request_body": {},
    }
    fastapi = {"detail": [{"loc": ["body", "name"], "msg": "x", "type": "missing"}]}

    assert reply_violations(contract_set, operation, Reply(422, envelope)) == []
    assert reply_violations(contract_set, operation, Reply(422, fastapi)) != []


def test_unknown_names_suggest_the_closest_ones() -> None:
    contracts = load_contract_set("3.9.1")

    with pytest.raises(UnknownOperation) as operation:
        contracts.operation("read_deployment_by_nam")
    with pytest.raises(UnknownSchema) as schema:
        contracts.schema("FlowRunRespons")
    with pytest.raises(UnknownVersion) as version:
        load_contract_set("9.9.9")

    assert "read_deployment_by_name" in operation.value.candidates
    assert "FlowRunResponse" in schema.value.candidates
    assert "3.9.1" in version.value.available


def test_an_operation_is_found_by_the_one_endpoint_its_path_ends_in() -> None:
    contracts = load_contract_set("3.9.1")
    operation = contracts.operation("create_flow_run_from_deployment")

    assert contracts.schema("create_flow_run.request") == operation.part_ref("request")
    assert contracts.schema("create_flow_run.response.201") == operation.part_ref(
        "response-201"
    )
    # Many paths end in /filter: the name is ambiguous, so it names nothing.
    with pytest.raises(UnknownSchema):
        contracts.schema("filter.request")


def test_validators_are_compiled_once_and_reused() -> None:
    contracts = load_contract_set("3.9.1")
    reference = contracts.schema("FlowRunResponse")

    assert contracts.validator_for(reference) is contracts.validator_for(reference)
    assert load_contract_set("3.9.1") is contracts


def test_seed_request_and_response_satisfy_the_2_14_16_contract(
    seed: dict[str, Any],
) -> None:
    contracts = load_contract_set("2.14.16")
    operation = contracts.operation("create_flow_run_from_deployment")
    request = contracts.validator_for(operation.part_ref("request"))

    assert list(request.iter_errors(seed["request"])) == []
    assert reply_violations(contracts, operation, Reply(201, seed["response"])) == []


@pytest.mark.parametrize(
    ("name", "answered"),
    [
        ("read_deployment.response.200", True),
        ("DeploymentResponse", True),
        ("StateDetails", True),
        ("FlowRunPolicy", True),
        ("ErrorDetail", True),
        ("DeploymentCreate", False),
        ("DeploymentFilter", False),
        ("StateCreate", False),
    ],
    ids=lambda value: str(value),
)
def test_answered_schemas_are_those_some_response_reaches(
    name: str, answered: bool
) -> None:
    assert (name in load_contract_set("3.9.1").answered) is answered


def test_a_schema_reaches_the_components_it_refers_to_through_others() -> None:
    contracts = load_contract_set("3.9.1")
    flow_run = contracts.components["$defs"]["FlowRunResponse"]

    reached = contracts.reached(flow_run)

    assert {"State", "StateDetails", "FlowRunPolicy", "StateType"} <= reached
    assert "FlowRunResponse" not in reached
    assert "DeploymentCreate" not in reached
