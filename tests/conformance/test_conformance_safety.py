"""The safety guard: destructive requests only reach what the run created."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mockserver.conformance import document_for
from mockserver.conformance.safety import (
    NO_BODY,
    Request,
    SafetyGuard,
    canonical_uuid,
)

OWNED = "0b6a9a7e-3a9c-4a51-8d3e-6a3f4c2a1b10"
FOREIGN = "7f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
OWNED_POOL = "pool-the-run-made"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return document_for("3.9.1")


@pytest.fixture
def guard(document: dict[str, Any]) -> SafetyGuard:
    """A guard that has seen the run create one deployment and one work pool."""
    guard = SafetyGuard(document)
    guard.observe("create_deployment", 201, {"id": OWNED, "name": "mine"})
    guard.observe(
        "create_work_pool", 201, {"id": str(uuid.uuid4()), "name": OWNED_POOL}
    )
    return guard


def delete(path: str, **parameters: Any) -> Request:
    return Request("DELETE", path, parameters, operation="delete_deployment")


@pytest.mark.parametrize(
    ("request_", "destructive"),
    [
        (Request("DELETE", "/deployments/{id}"), True),
        (
            Request(
                "POST", "/deployments/bulk_delete", {}, None, "bulk_delete_deployments"
            ),
            True,
        ),
        # Undeclared here, but Prefect serves DELETE and PATCH on these paths.
        (Request("DELETE", "/flows/{id}", operation="read_flow"), True),
        (Request("PATCH", "/work_pools/{name}", operation="read_work_pool"), True),
        (Request("PUT", "/flows/{id}", operation="read_flow"), True),
        (Request("GET", "/deployments/{id}", operation="read_deployment"), False),
        (Request("OPTIONS", "/flows/{id}", operation="read_flow"), False),
        (Request("HEAD", "/flows/{id}", operation="read_flow"), False),
        (Request("POST", "/deployments/", operation="create_deployment"), False),
        (Request("PATCH", "/deployments/{id}", operation="update_deployment"), False),
    ],
    ids=[
        "delete",
        "bulk-delete",
        "undeclared-delete",
        "undeclared-patch",
        "undeclared-put",
        "get",
        "options",
        "head",
        "create",
        "declared-patch",
    ],
)
def test_destructive_requests_are_recognised(
    guard: SafetyGuard, request_: Request, destructive: bool
) -> None:
    assert guard.is_destructive(request_) is destructive


@pytest.mark.parametrize(
    ("operation", "status", "body", "owned"),
    [
        ("create_deployment", 201, {"id": FOREIGN}, True),
        ("create_flow", 201, {"id": FOREIGN, "name": "f"}, True),
        ("create_flow_run_from_deployment", 201, {"id": FOREIGN}, True),
        ("create_deployment_schedules", 201, [{"id": FOREIGN}], True),
        ("create_deployment", 201, {"id": OWNED, "schedules": [{"id": FOREIGN}]}, True),
        (
            "create_deployment",
            201,
            {"id": OWNED, "global_concurrency_limit": {"id": FOREIGN}},
            False,
        ),
        # 200: Prefect found the flow or deployment already there (an upsert).
        ("create_deployment", 200, {"id": FOREIGN}, False),
        ("create_flow", 200, {"id": FOREIGN}, False),
        ("create_flow_run_from_deployment", 200, {"id": FOREIGN}, False),
        ("read_deployment", 200, {"id": FOREIGN}, False),
        ("read_deployments", 200, [{"id": FOREIGN}], False),
        ("create_deployment", 422, {"id": FOREIGN}, False),
    ],
    ids=[
        "created-deployment",
        "created-flow",
        "created-flow-run",
        "created-schedules",
        "schedules-created-with-a-deployment",
        "limit-named-by-a-deployment",
        "upserted-deployment",
        "upserted-flow",
        "idempotent-flow-run",
        "read",
        "filtered",
        "rejected",
    ],
)
def test_only_objects_a_create_answered_201_for_are_owned(
    document: dict[str, Any], operation: str, status: int, body: Any, owned: bool
) -> None:
    guard = SafetyGuard(document)

    guard.observe(operation, status, body)

    assert (FOREIGN in guard.owned_ids) is owned


@pytest.mark.parametrize(
    "spelling",
    [
        FOREIGN,
        FOREIGN.upper(),
        FOREIGN.replace("-", ""),
        "{" + FOREIGN + "}",
        "%7B" + FOREIGN + "%7D",
        "urn:uuid:" + FOREIGN,
    ],
    ids=["dashed", "upper-case", "dashless", "braced", "percent-encoded", "urn"],
)
def test_a_delete_of_a_foreign_id_is_redirected_in_every_spelling(
    guard: SafetyGuard, spelling: str
) -> None:
    verdict = guard.inspect(delete("/deployments/{id}", id=spelling))

    sent = verdict.path_parameters["id"]
    assert verdict.rewritten == ("path id",)
    assert canonical_uuid(sent) not in {FOREIGN, OWNED}
    assert uuid.UUID(sent).version == 5


def test_a_redirected_id_is_the_same_every_time(guard: SafetyGuard) -> None:
    first = guard.inspect(delete("/deployments/{id}", id=FOREIGN))
    second = guard.inspect(delete("/deployments/{id}", id=FOREIGN.upper()))

    assert first.path_parameters == second.path_parameters


@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        ("/deployments/{id}", {"id": OWNED}),
        ("/deployments/{id}", {"id": OWNED.upper()}),
        (
            "/deployments/{id}/schedules/{schedule_id}",
            {"id": OWNED, "schedule_id": OWNED},
        ),
        ("/work_pools/{name}", {"name": OWNED_POOL}),
        (
            "/automations/owned-by/{resource_id}",
            {"resource_id": f"prefect.deployment.{OWNED}"},
        ),
        # No object can be named by these, so negative cases stay negative.
        ("/deployments/{id}", {"id": "not-a-uuid"}),
        ("/deployments/{id}", {"id": ""}),
    ],
    ids=[
        "owned-id",
        "owned-id-upper-case",
        "owned-schedule",
        "owned-work-pool",
        "owned-resource",
        "not-a-uuid",
        "empty",
    ],
)
def test_a_delete_that_can_only_reach_owned_objects_goes_out_unchanged(
    guard: SafetyGuard, path: str, parameters: dict[str, Any]
) -> None:
    verdict = guard.inspect(delete(path, **parameters))

    assert verdict.rewritten == ()
    assert verdict.path_parameters == parameters


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/work_pools/{name}", "name", "default"),
        ("/work_pools/{name}", "name", "mine"),
        (
            "/automations/owned-by/{resource_id}",
            "resource_id",
            f"prefect.deployment.{FOREIGN}",
        ),
        ("/automations/owned-by/{resource_id}", "resource_id", "prefect.flow.anything"),
        ("/deployments/{id}", "id", "x/../" + FOREIGN),
        ("/deployments/{id}", "id", "0123456789abcdef"),
    ],
    ids=[
        "foreign-work-pool",
        "name-of-another-collection",
        "foreign-resource",
        "resource-without-id",
        "id-inside-text",
        "sixteen-bytes",
    ],
)
def test_a_delete_of_anything_else_is_redirected(
    guard: SafetyGuard, path: str, name: str, value: str
) -> None:
    verdict = guard.inspect(Request("DELETE", path, {name: value}))

    sent = str(verdict.path_parameters[name])
    assert verdict.rewritten == (f"path {name}",)
    assert FOREIGN not in sent
    assert sent != value


@pytest.mark.parametrize(
    "body",
    [
        None,
        NO_BODY,
        {},
        {"limit": 50},
        {"deployments": None},
        {"deployments": {"operator": "or_", "name": {"like_": ""}}},
        [1, 2],
        "everything",
    ],
    ids=[
        "null",
        "no-body",
        "empty",
        "limit-only",
        "null-filter",
        "or-filter",
        "list",
        "string",
    ],
)
def test_a_bulk_delete_is_bounded_to_owned_ids(guard: SafetyGuard, body: Any) -> None:
    verdict = guard.inspect(
        Request("POST", "/deployments/bulk_delete", {}, body, "bulk_delete_deployments")
    )

    assert verdict.rewritten == ("body",)
    assert verdict.body["deployments"] == {"id": {"any_": sorted(guard.owned_ids)}}
    assert OWNED in guard.owned_ids
    if isinstance(body, dict) and "limit" in body:
        assert verdict.body["limit"] == body["limit"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"content-type": "multipart/form-data", "X-Trace": "1"},
        {},
    ],
    ids=["text", "multipart", "none"],
)
def test_a_bulk_delete_always_goes_out_as_json(
    guard: SafetyGuard, headers: dict[str, str]
) -> None:
    # Prefect ignores a body of another content type, and a bulk delete
    # without its filter deletes the first 50 deployments it finds.
    request = Request(
        "POST",
        "/deployments/bulk_delete",
        {},
        {"deployments": None},
        "bulk_delete_deployments",
        headers,
    )

    verdict = guard.inspect(request)

    kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    assert verdict.headers == {**kept, "Content-Type": "application/json"}


def test_a_bulk_delete_before_anything_was_created_matches_nothing(
    document: dict[str, Any],
) -> None:
    guard = SafetyGuard(document)

    verdict = guard.inspect(
        Request("POST", "/deployments/bulk_delete", {}, None, "bulk_delete_deployments")
    )

    (decoy,) = verdict.body["deployments"]["id"]["any_"]
    assert uuid.UUID(decoy).version == 5


def test_allow_destructive_sends_requests_as_generated(
    document: dict[str, Any],
) -> None:
    guard = SafetyGuard(document, allow_destructive=True)

    verdict = guard.inspect(delete("/deployments/{id}", id=FOREIGN))

    assert verdict.destructive
    assert verdict.path_parameters == {"id": FOREIGN}
    assert guard.stats.as_dict() == {"destructive": 1, "redirected": 0, "unchanged": 0}


def test_the_guard_counts_what_it_did(guard: SafetyGuard) -> None:
    guard.inspect(delete("/deployments/{id}", id=FOREIGN))
    guard.inspect(delete("/deployments/{id}", id=OWNED))
    guard.inspect(Request("GET", "/deployments/{id}", {"id": FOREIGN}))

    assert guard.stats.as_dict() == {"destructive": 2, "redirected": 1, "unchanged": 1}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FOREIGN, FOREIGN),
        (uuid.UUID(FOREIGN), FOREIGN),
        (FOREIGN.replace("-", "").upper(), FOREIGN),
        ("not a uuid", None),
        (None, None),
        (True, None),
        ([FOREIGN], None),
    ],
    ids=["text", "uuid", "dashless-upper", "other-text", "none", "bool", "list"],
)
def test_canonical_uuid(value: Any, expected: str | None) -> None:
    assert canonical_uuid(value) == expected
