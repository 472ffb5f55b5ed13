"""The diff between contract sets names what breaks a client, and what does not."""

from __future__ import annotations

import pytest

from mockserver.contracts import load_contract_set
from mockserver.contracts.diff import Change, diff


@pytest.fixture(scope="module")
def changes() -> list[Change]:
    return diff(load_contract_set("2.14.16"), load_contract_set("3.9.1"))


@pytest.mark.parametrize(
    ("where", "kind", "breaking"),
    [
        ("operation set_schedule_active", "operation-removed", True),
        ("operation set_schedule_inactive", "operation-removed", True),
        ("StateCreate.id", "field-removed", True),
        ("StateCreate.timestamp", "field-removed", True),
        ("FlowRunPolicy.pause_keys[]", "null-removed", True),
        ("operation pause_deployment", "operation-added", False),
        ("operation resume_deployment", "operation-added", False),
        ("operation bulk_delete_deployments", "operation-added", False),
        ("operation bulk_create_flow_runs_from_deployment", "operation-added", False),
        ("operation create_deployment_schedules", "operation-added", False),
        ("operation read_deployment_schedules", "operation-added", False),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_diff_from_2_14_16_to_3_9_1_finds(
    changes: list[Change], where: str, kind: str, breaking: bool
) -> None:
    matching = [c for c in changes if c.where == where and c.kind == kind]

    assert len(matching) == 1
    assert matching[0].breaking is breaking


def test_breaking_changes_come_first(changes: list[Change]) -> None:
    flags = [change.breaking for change in changes]

    assert flags == sorted(flags, reverse=True)


def test_a_set_has_no_changes_against_itself() -> None:
    contracts = load_contract_set("3.9.1")

    assert diff(contracts, contracts) == []


def test_the_reverse_diff_turns_added_operations_into_breaking_removals() -> None:
    backwards = diff(load_contract_set("3.9.1"), load_contract_set("2.14.16"))

    removed = {c.where for c in backwards if c.kind == "operation-removed"}
    assert "operation pause_deployment" in removed
    assert all(c.breaking for c in backwards if c.kind == "operation-removed")
