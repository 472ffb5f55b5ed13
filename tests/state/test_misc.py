"""Work pools, workers, versions, health and the small UI and auth routes."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api


def test_a_new_work_pool_has_a_default_queue(any_api: Api) -> None:
    reply = any_api("create_work_pool", {"name": "pool-1", "type": "process"})

    pool = reply.body
    assert reply.status == 201
    assert (pool["name"], pool["type"], pool["status"]) == (
        "pool-1",
        "process",
        "NOT_READY",
    )
    assert any_api("read_work_pool", name="pool-1").body == pool


@pytest.mark.parametrize(
    ("name", "status", "detail"),
    [
        ("pool-1", 409, "A work pool with this name already exists."),
        (
            "Prefect-pool",
            403,
            "Work pools starting with 'Prefect' are reserved for internal use.",
        ),
    ],
    ids=["taken", "reserved"],
)
def test_work_pool_names_that_are_refused(
    any_api: Api, name: str, status: int, detail: str
) -> None:
    any_api("create_work_pool", {"name": "pool-1", "type": "process"})

    reply = any_api("create_work_pool", {"name": name})

    assert (reply.status, reply.body) == (status, {"detail": detail})


@pytest.mark.parametrize(
    ("operation", "path", "body"),
    [
        ("read_work_pool", {"name": "nope"}, None),
        ("read_workers", {"work_pool_name": "nope"}, {}),
    ],
    ids=["pool", "workers"],
)
def test_a_missing_work_pool_is_a_404(
    any_api: Api, operation: str, path: dict[str, str], body: Any
) -> None:
    reply = any_api(operation, body, **path)

    assert (reply.status, reply.body) == (
        404,
        {"detail": 'Work pool "nope" not found.'},
    )


@pytest.mark.parametrize(
    ("limit", "detail"),
    [
        (201, "Invalid limit: must be less than or equal to 200."),
        (-1, "Invalid limit: must be greater than or equal to 0."),
    ],
    ids=["above-200", "negative"],
)
def test_reading_workers_checks_the_limit_before_the_pool(
    any_api: Api, limit: int, detail: str
) -> None:
    # Measured on Prefect 3.9.1: the limit is refused even for a missing pool.
    reply = any_api("read_workers", {"limit": limit}, work_pool_name="nope")

    assert (reply.status, reply.body) == (422, {"detail": detail})


def test_a_pool_has_no_workers(any_api: Api) -> None:
    any_api("create_work_pool", {"name": "pool-1", "type": "process"})

    assert any_api("read_workers", {}, work_pool_name="pool-1").body == []


def test_prefect_2_starts_with_the_default_agent_pool(make_api: Any) -> None:
    api = make_api("2.14.16")

    pool = api("read_work_pool", name="default-agent-pool").body

    assert (pool["type"], pool["status"]) == ("prefect-agent", None)


@pytest.mark.parametrize(
    ("version", "operation", "answer"),
    [
        ("3.9.1", "health_check", True),
        ("3.9.1", "server_version", "0.8.4"),
        ("3.9.1", "read_version", "3.9.1"),
        ("2.14.16", "health_check", True),
        ("2.14.16", "read_version", "2.14.16"),
    ],
    ids=["health-3", "api-version-3", "version-3", "health-2", "version-2"],
)
def test_status_routes(
    make_api: Any, version: str, operation: str, answer: object
) -> None:
    reply = make_api(version)(operation)

    assert (reply.status, reply.body) == (200, answer)


def test_csrf_tokens_are_refused_while_protection_is_off(api: Api) -> None:
    reply = api("create_csrf_token")

    assert (reply.status, reply.body) == (
        422,
        {"detail": "CSRF protection is disabled."},
    )


def test_no_automations_relate_to_anything(api: Api) -> None:
    related = api("read_automations_related_to_resource", resource_id="prefect.x")
    deleted = api("delete_automations_owned_by_resource", resource_id="prefect.x")

    assert (related.status, related.body) == (200, [])
    assert (deleted.status, deleted.body) == (202, None)
