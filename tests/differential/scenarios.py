"""Scripted sequences of requests that the mock and the real server must answer alike.

Each scenario is data: a name and a list of steps. A step's path, body and
header values may hold placeholders: ``{run}`` is unique to each run of the
scenario (every name a scenario creates contains it, so runs never collide on
a shared server), and any other ``{name}`` is a value captured from an earlier
answer. Scenarios confine every read that could see other scenarios' data
(filters, counts, queue checks) to what they created themselves.

Measured on Prefect 3.9.1; the comments give the answer the real server
gives, as recorded in the survey of its behaviour.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class _NoBody(enum.Enum):
    NO_BODY = "no body"


NO_BODY = _NoBody.NO_BODY
"""Send no request body at all (distinct from a JSON ``null`` body)."""

UNKNOWN_ID = "5d8e6a77-1c2b-4e3f-9a0b-0c1d2e3f4a5b"
"""A well-formed id that no server will ever have issued."""


@dataclass(frozen=True)
class Step:
    """One request of a scenario.

    :param name: unique within the scenario; names the exchange in reports.
    :param method: the HTTP method.
    :param path: relative to the API root, for example ``/deployments/{id}``.
    :param body: the JSON body, :data:`NO_BODY` for none, ``None`` for ``null``.
    :param content: raw bytes to send instead of a JSON body.
    :param headers: request headers.
    :param capture: variable name -> dotted path into the answer's body.
    :param only: keep only list items whose fields equal these values, for
        answers that list objects from the whole server.
    """

    name: str
    method: str
    path: str
    body: Any = NO_BODY
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    capture: Mapping[str, str] = field(default_factory=dict)
    only: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A named sequence of steps, run in order."""

    name: str
    steps: tuple[Step, ...]


def scenario(name: str, *steps: Step) -> Scenario:
    names = [step.name for step in steps]
    duplicates = sorted({step for step in names if names.count(step) > 1})
    if duplicates:
        raise ValueError(f"scenario {name!r} repeats step names {duplicates!r}")
    return Scenario(name, steps)


FLOW = "diff-flow-{run}"
OTHER_FLOW = "diff-other-{run}"
POOL = "diff-pool-{run}"
SCHEMA = {
    "type": "object",
    "properties": {"x": {"type": "integer"}, "y": {"type": "string"}},
    "required": ["x"],
}
MY_FLOWS = {"flows": {"name": {"any_": [FLOW, OTHER_FLOW]}}}
JSON = {"content-type": "application/json"}


def create_flow(name: str = FLOW, variable: str = "flow_id") -> Step:
    return Step(
        f"create flow {variable}",
        "POST",
        "/flows/",
        {"name": name},
        capture={variable: "id"},
    )


def create_pool() -> Step:
    return Step(
        "create work pool",
        "POST",
        "/work_pools/",
        {"name": POOL, "type": "process"},
        capture={"work_pool_id": "id"},
    )


def create_deployment(
    name: str, variable: str, flow: str = "{flow_id}", **fields: Any
) -> Step:
    return Step(
        f"create deployment {variable}",
        "POST",
        "/deployments/",
        {"name": name, "flow_id": flow, **fields},
        capture={variable: "id"},
    )


def scheduled_at(moment: str) -> dict[str, Any]:
    return {"type": "SCHEDULED", "state_details": {"scheduled_time": moment}}


FULL_DEPLOYMENT: dict[str, Any] = {
    "tags": ["b", "a", "a"],
    "parameters": {"x": 1, "y": "s"},
    "parameter_openapi_schema": SCHEMA,
    "enforce_parameter_schema": True,
    "description": "described",
    "version": "1.0",
    "entrypoint": "flow.py:hello",
    "path": "/srv/flows",
    "pull_steps": [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/srv"}}
    ],
    "work_pool_name": POOL,
    "work_queue_name": "q1",
    "labels": {"team": "data"},
    "job_variables": {"env": {"A": "1"}},
    "concurrency_limit": 2,
    "schedules": [{"schedule": {"interval": 3600}, "active": True}],
}

LIFECYCLE = scenario(
    "deployment_lifecycle",
    create_flow(),
    create_pool(),
    create_deployment("minimal", "minimal_id"),
    create_deployment("full", "deployment_id", **FULL_DEPLOYMENT),
    Step("read by id", "GET", "/deployments/{deployment_id}"),
    Step("read by name", "GET", f"/deployments/name/{FLOW}/full"),
    # Same flow and name again: 200, same id, fields replaced.
    Step(
        "create again (upsert)",
        "POST",
        "/deployments/",
        {**FULL_DEPLOYMENT, "name": "full", "flow_id": "{flow_id}", "tags": ["c"]},
    ),
    Step(
        "update",
        "PATCH",
        "/deployments/{deployment_id}",
        {"description": "patched", "tags": ["z"], "paused": True},
    ),
    Step("read after update", "GET", "/deployments/{deployment_id}"),
    Step("update with an empty body", "PATCH", "/deployments/{deployment_id}", {}),
    Step(
        "update description to null",
        "PATCH",
        "/deployments/{minimal_id}",
        {"description": None},
    ),
    Step("read minimal", "GET", "/deployments/{minimal_id}"),
    Step("delete", "DELETE", "/deployments/{minimal_id}"),
    Step("read deleted", "GET", "/deployments/{minimal_id}"),
    Step("delete again", "DELETE", "/deployments/{minimal_id}"),
)

NOT_FOUND = scenario(
    "unknown_deployment",
    # "Deployment not found" without a dot, except PATCH and the schedules.
    Step("read", "GET", f"/deployments/{UNKNOWN_ID}"),
    Step("read by name", "GET", f"/deployments/name/{FLOW}/nothing"),
    Step("update", "PATCH", f"/deployments/{UNKNOWN_ID}", {"description": "x"}),
    Step("delete", "DELETE", f"/deployments/{UNKNOWN_ID}"),
    Step("create flow run", "POST", f"/deployments/{UNKNOWN_ID}/create_flow_run", {}),
    Step(
        "bulk create flow runs",
        "POST",
        f"/deployments/{UNKNOWN_ID}/create_flow_run/bulk",
        [{}],
    ),
    Step("pause", "POST", f"/deployments/{UNKNOWN_ID}/pause_deployment"),
    Step("resume", "POST", f"/deployments/{UNKNOWN_ID}/resume_deployment"),
    Step("work queue check", "GET", f"/deployments/{UNKNOWN_ID}/work_queue_check"),
    Step("read schedules", "GET", f"/deployments/{UNKNOWN_ID}/schedules"),
    Step(
        "create schedules",
        "POST",
        f"/deployments/{UNKNOWN_ID}/schedules",
        [{"schedule": {"interval": 60}}],
    ),
    # A malformed id matches no route: 404 Not Found, not 422.
    Step("read a malformed id", "GET", "/deployments/not-a-uuid"),
    Step("delete a malformed id", "DELETE", "/deployments/not-a-uuid"),
    # Upper-case and undashed ids are the same id.
    Step("read an upper-case id", "GET", f"/deployments/{UNKNOWN_ID.upper()}"),
)

CONFLICTS = scenario(
    "deployment_conflicts",
    create_flow(),
    create_flow(OTHER_FLOW, "other_flow_id"),
    create_deployment("shared-name", "first_id"),
    # The same name under another flow is another deployment.
    create_deployment("shared-name", "second_id", flow="{other_flow_id}"),
    Step(
        "create for an unknown flow (409)",
        "POST",
        "/deployments/",
        {"name": "orphan", "flow_id": UNKNOWN_ID},
    ),
    Step(
        "create in an unknown work pool (404)",
        "POST",
        "/deployments/",
        {"name": "lost", "flow_id": "{flow_id}", "work_pool_name": "no-pool-{run}"},
    ),
    Step(
        "create with parameters breaking the schema (422)",
        "POST",
        "/deployments/",
        {
            "name": "strict",
            "flow_id": "{flow_id}",
            "enforce_parameter_schema": True,
            "parameter_openapi_schema": SCHEMA,
            "parameters": {"x": "not an integer"},
        },
    ),
    create_deployment(
        "enforced",
        "enforced_id",
        parameter_openapi_schema=SCHEMA,
        parameters={"x": 1},
    ),
    Step(
        "update parameters breaking the schema (409)",
        "PATCH",
        "/deployments/{enforced_id}",
        {"parameters": {"x": "not an integer"}},
    ),
)

VALIDATION = scenario(
    "request_validation",
    create_flow(),
    Step("missing name", "POST", "/deployments/", {"flow_id": "{flow_id}"}),
    Step("empty object", "POST", "/deployments/", {}),
    Step(
        "extra field",
        "POST",
        "/deployments/",
        {"name": "e", "flow_id": "{flow_id}", "bogus": 1},
    ),
    Step(
        "malformed flow id", "POST", "/deployments/", {"name": "e", "flow_id": "nope"}
    ),
    Step(
        "tags not a list",
        "POST",
        "/deployments/",
        {"name": "e", "flow_id": "{flow_id}", "tags": "a"},
    ),
    Step("name null", "POST", "/deployments/", {"name": None, "flow_id": "{flow_id}"}),
    Step("name a number", "POST", "/deployments/", {"name": 5, "flow_id": "{flow_id}"}),
    Step(
        "parameters null",
        "POST",
        "/deployments/",
        {"name": "e", "flow_id": "{flow_id}", "parameters": None},
    ),
    Step(
        "concurrency limit zero",
        "POST",
        "/deployments/",
        {"name": "e", "flow_id": "{flow_id}", "concurrency_limit": 0},
    ),
    # Pydantic's lax mode turns "5" into 5 and "yes" into true.
    Step(
        "concurrency limit as a string",
        "POST",
        "/deployments/",
        {
            "name": "lax",
            "flow_id": "{flow_id}",
            "concurrency_limit": "5",
            "paused": "yes",
        },
    ),
    Step(
        "malformed JSON",
        "POST",
        "/deployments/",
        content=b'{"name": "x",',
        headers=JSON,
    ),
    Step("empty body", "POST", "/deployments/", content=b"", headers=JSON),
    Step("null body", "POST", "/deployments/", None),
    Step(
        "non-UTF-8 body",
        "POST",
        "/deployments/",
        content=b'{"name": "\xff"}',
        headers=JSON,
    ),
    create_deployment("target", "deployment_id"),
    Step("update the name", "PATCH", "/deployments/{deployment_id}", {"name": "new"}),
    Step(
        "update malformed",
        "PATCH",
        "/deployments/{deployment_id}",
        content=b"{",
        headers=JSON,
    ),
    Step("update without a body", "PATCH", "/deployments/{deployment_id}"),
    Step("filter with a bad sort", "POST", "/deployments/filter", {"sort": "BOGUS"}),
    Step(
        "filter with a negative offset", "POST", "/deployments/filter", {"offset": -1}
    ),
    Step("filter with limit 201", "POST", "/deployments/filter", {"limit": 201}),
    Step("filter with limit -1", "POST", "/deployments/filter", {"limit": -1}),
    Step("filter with limit 5.5", "POST", "/deployments/filter", {"limit": 5.5}),
    Step(
        "filter with an unknown nested field",
        "POST",
        "/deployments/filter",
        {"deployments": {"bogus": 1}},
    ),
    Step(
        "filter with a malformed id",
        "POST",
        "/deployments/filter",
        {"deployments": {"id": {"any_": ["nope"]}}},
    ),
    Step("filter malformed", "POST", "/deployments/filter", content=b"{", headers=JSON),
    Step("filter with an array body", "POST", "/deployments/filter", [1]),
    Step(
        "flow run with an array body",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        [1],
    ),
    Step(
        "flow run without a body",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
    ),
    Step(
        "flow run with a bad state type",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"state": {"type": "BOGUS"}},
    ),
    Step(
        "flow run with an extra field",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"bogus": 1},
    ),
    Step("a flow run", "POST", "/deployments/{deployment_id}/create_flow_run", {}),
    # Pydantic 2 reads a number as a Unix timestamp, in milliseconds past 2e10,
    # and refuses one beyond the year 9999 or any other non-string.
    *(
        Step(
            f"count runs expected after {after!r}",
            "POST",
            "/flow_runs/count",
            {
                "deployments": {"id": {"any_": ["{deployment_id}"]}},
                "flow_runs": {"expected_start_time": {"after_": after}},
            },
        )
        for after in (1.5, 1e11, 3e10, 4e9, 1e15, 253402300800000, True, [])
    ),
)

FILTERING = scenario(
    "filter_count_paginate",
    create_flow(),
    create_flow(OTHER_FLOW, "other_flow_id"),
    create_pool(),
    create_deployment("alpha", "alpha_id", tags=["red"], work_pool_name=POOL),
    create_deployment("bravo", "bravo_id", tags=["blue"], paused=True),
    create_deployment(
        "charlie", "charlie_id", flow="{other_flow_id}", tags=["red", "blue"]
    ),
    Step("filter mine, default sort", "POST", "/deployments/filter", MY_FLOWS),
    *(
        Step(
            f"filter mine, {sort}",
            "POST",
            "/deployments/filter",
            {**MY_FLOWS, "sort": sort},
        )
        for sort in ("NAME_ASC", "NAME_DESC", "CREATED_DESC", "UPDATED_DESC")
    ),
    Step(
        "filter by ids",
        "POST",
        "/deployments/filter",
        {"deployments": {"id": {"any_": ["{alpha_id}", "{charlie_id}", UNKNOWN_ID]}}},
    ),
    Step(
        "filter by names",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "deployments": {"name": {"any_": ["alpha", "charlie"]}}},
    ),
    Step(
        "filter by name substring",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "deployments": {"name": {"like_": "RAV"}}},
    ),
    Step(
        "filter by tags",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "deployments": {"tags": {"all_": ["red"]}}},
    ),
    Step(
        "filter by flow name",
        "POST",
        "/deployments/filter",
        {"flows": {"name": {"any_": [OTHER_FLOW]}}},
    ),
    Step(
        "filter paused",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "deployments": {"paused": {"eq_": True}}},
    ),
    Step(
        "filter by work pool name",
        "POST",
        "/deployments/filter",
        {"work_pools": {"name": {"any_": [POOL]}}},
    ),
    Step(
        "filter limit 1 offset 1",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "sort": "NAME_ASC", "limit": 1, "offset": 1},
    ),
    Step("filter limit 0", "POST", "/deployments/filter", {**MY_FLOWS, "limit": 0}),
    Step(
        "filter past the end", "POST", "/deployments/filter", {**MY_FLOWS, "offset": 50}
    ),
    Step(
        "filter ignores unknown top-level fields",
        "POST",
        "/deployments/filter",
        {**MY_FLOWS, "bogus": 1},
    ),
    Step("count mine", "POST", "/deployments/count", MY_FLOWS),
    Step(
        "count by tag",
        "POST",
        "/deployments/count",
        {**MY_FLOWS, "deployments": {"tags": {"all_": ["blue"]}}},
    ),
    Step(
        "paginate page 2 of 1",
        "POST",
        "/deployments/paginate",
        {**MY_FLOWS, "sort": "NAME_ASC", "page": 2, "limit": 1},
    ),
    Step(
        "paginate past the end",
        "POST",
        "/deployments/paginate",
        {**MY_FLOWS, "page": 9, "limit": 2},
    ),
    Step("paginate limit 0", "POST", "/deployments/paginate", {**MY_FLOWS, "limit": 0}),
    Step("paginate page 0", "POST", "/deployments/paginate", {"page": 0}),
    Step(
        "count deployments per flow",
        "POST",
        "/ui/flows/count-deployments",
        {"flow_ids": ["{flow_id}", "{other_flow_id}", UNKNOWN_ID]},
    ),
)

FLOW_RUNS = scenario(
    "create_flow_run",
    create_flow(),
    create_pool(),
    create_deployment(
        "runner",
        "deployment_id",
        tags=["z"],
        parameters={"x": 1, "y": "s"},
        parameter_openapi_schema=SCHEMA,
        labels={"env": "dev"},
        work_pool_name=POOL,
        work_queue_name="q1",
        job_variables={"env": {"A": "1"}},
    ),
    create_deployment("bare", "bare_id"),
    Step("defaults", "POST", "/deployments/{deployment_id}/create_flow_run", {}),
    # Parameters merge (run wins); tags are the union of both.
    Step(
        "parameters, tags and a name",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {
            "parameters": {"y": "override"},
            "tags": ["run-tag", "z"],
            "name": "named-{run}",
        },
        capture={"flow_run_id": "id"},
    ),
    Step("read the flow run", "GET", "/flow_runs/{flow_run_id}"),
    Step(
        "parameters breaking the schema (409)",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"parameters": {"x": "not an integer"}},
    ),
    Step(
        "schema enforcement switched off",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"parameters": {"x": "not an integer"}, "enforce_parameter_schema": False},
    ),
    # The same idempotency key: 200 and the same run, new fields ignored.
    Step(
        "idempotency key, first",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"idempotency_key": "key-{run}"},
    ),
    Step(
        "idempotency key, again",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"idempotency_key": "key-{run}", "tags": ["ignored"]},
    ),
    Step(
        "scheduled in 2030",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"state": scheduled_at("2030-01-01T00:00:00Z")},
    ),
    Step(
        "another work queue",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"work_queue_name": "other-q"},
    ),
    Step(
        "job variables and labels",
        "POST",
        "/deployments/{deployment_id}/create_flow_run",
        {"job_variables": {"env": {"B": "2"}}, "labels": {"k": "v"}},
    ),
    Step(
        "a deployment without a pool",
        "POST",
        "/deployments/{bare_id}/create_flow_run",
        {"parameters": {"a": 1}},
    ),
)

BULK_FLOW_RUNS = scenario(
    "bulk_create_flow_runs",
    create_flow(),
    create_deployment(
        "bulk", "deployment_id", parameters={"x": 1}, parameter_openapi_schema=SCHEMA
    ),
    # One result per item, in order; a failing item does not fail the others.
    Step(
        "three items, one failing",
        "POST",
        "/deployments/{deployment_id}/create_flow_run/bulk",
        [{}, {"parameters": {"x": 5}}, {"parameters": {"x": "bad"}}],
    ),
    Step("no items", "POST", "/deployments/{deployment_id}/create_flow_run/bulk", []),
    Step(
        "101 items (400)",
        "POST",
        "/deployments/{deployment_id}/create_flow_run/bulk",
        [{}] * 101,
    ),
    Step(
        "an object body",
        "POST",
        "/deployments/{deployment_id}/create_flow_run/bulk",
        {},
    ),
    Step(
        "an item with an extra field",
        "POST",
        "/deployments/{deployment_id}/create_flow_run/bulk",
        [{"bogus": 1}],
    ),
)

SCHEDULES = scenario(
    "schedules",
    create_flow(),
    create_deployment(
        "scheduled",
        "deployment_id",
        schedules=[{"schedule": {"interval": 3600}, "active": True}],
    ),
    Step("read schedules", "GET", "/deployments/{deployment_id}/schedules"),
    Step(
        "add a cron schedule",
        "POST",
        "/deployments/{deployment_id}/schedules",
        [{"schedule": {"cron": "0 0 * * *", "timezone": "UTC"}, "active": False}],
        capture={"schedule_id": "0.id"},
    ),
    Step(
        "add an rrule schedule with a slug",
        "POST",
        "/deployments/{deployment_id}/schedules",
        [{"schedule": {"rrule": "FREQ=DAILY"}, "slug": "daily"}],
    ),
    Step(
        "add the same slug again (409)",
        "POST",
        "/deployments/{deployment_id}/schedules",
        [{"schedule": {"interval": 60}, "slug": "daily"}],
    ),
    Step("add nothing", "POST", "/deployments/{deployment_id}/schedules", []),
    Step(
        "add an object, not a list",
        "POST",
        "/deployments/{deployment_id}/schedules",
        {"schedule": {"interval": 60}},
    ),
    Step("read schedules again", "GET", "/deployments/{deployment_id}/schedules"),
    Step("read the deployment", "GET", "/deployments/{deployment_id}"),
    Step(
        "update a schedule",
        "PATCH",
        "/deployments/{deployment_id}/schedules/{schedule_id}",
        {"active": True, "schedule": {"interval": 7200}},
    ),
    Step(
        "update an unknown schedule",
        "PATCH",
        f"/deployments/{{deployment_id}}/schedules/{UNKNOWN_ID}",
        {"active": True},
    ),
    Step(
        "delete a schedule",
        "DELETE",
        "/deployments/{deployment_id}/schedules/{schedule_id}",
    ),
    Step(
        "delete it again",
        "DELETE",
        "/deployments/{deployment_id}/schedules/{schedule_id}",
    ),
    Step(
        "replace all schedules",
        "PATCH",
        "/deployments/{deployment_id}",
        {"schedules": [{"schedule": {"interval": 900}, "active": True}]},
    ),
    Step(
        "read schedules after replacing",
        "GET",
        "/deployments/{deployment_id}/schedules",
    ),
    Step(
        "a bad cron",
        "POST",
        "/deployments/{deployment_id}/schedules",
        [{"schedule": {"cron": "nope"}}],
    ),
)

PAUSE_RESUME = scenario(
    "pause_resume",
    create_flow(),
    create_deployment("pausable", "deployment_id"),
    Step("pause", "POST", "/deployments/{deployment_id}/pause_deployment"),
    Step("read paused", "GET", "/deployments/{deployment_id}"),
    Step("pause again", "POST", "/deployments/{deployment_id}/pause_deployment"),
    Step("resume", "POST", "/deployments/{deployment_id}/resume_deployment"),
    Step("read resumed", "GET", "/deployments/{deployment_id}"),
    Step(
        "pause with a body", "POST", "/deployments/{deployment_id}/pause_deployment", {}
    ),
    Step("read paused again", "GET", "/deployments/{deployment_id}"),
)

SCHEDULED_RUNS = scenario(
    "get_scheduled_flow_runs",
    create_flow(),
    create_deployment("polled", "deployment_id"),
    *(
        Step(
            f"schedule a run in {year}",
            "POST",
            "/deployments/{deployment_id}/create_flow_run",
            {
                "state": scheduled_at(f"{year}-01-01T00:00:00Z"),
                "name": f"run-{year}-{{run}}",
            },
        )
        for year in (2033, 2031, 2032)
    ),
    Step(
        "all scheduled runs",
        "POST",
        "/deployments/get_scheduled_flow_runs",
        {"deployment_ids": ["{deployment_id}"]},
    ),
    Step(
        "scheduled before mid-2032",
        "POST",
        "/deployments/get_scheduled_flow_runs",
        {
            "deployment_ids": ["{deployment_id}"],
            "scheduled_before": "2032-06-01T00:00:00Z",
        },
    ),
    Step(
        "the first one",
        "POST",
        "/deployments/get_scheduled_flow_runs",
        {"deployment_ids": ["{deployment_id}"], "limit": 1},
    ),
    Step(
        "an unknown deployment",
        "POST",
        "/deployments/get_scheduled_flow_runs",
        {"deployment_ids": [UNKNOWN_ID]},
    ),
    Step("no deployment ids", "POST", "/deployments/get_scheduled_flow_runs", {}),
    Step(
        "an unparsable date",
        "POST",
        "/deployments/get_scheduled_flow_runs",
        {"deployment_ids": ["{deployment_id}"], "scheduled_before": "yesterday"},
    ),
    # Answers 200 null even for a deployment that does not exist.
    Step(
        "schedule an unknown deployment",
        "POST",
        f"/deployments/{UNKNOWN_ID}/schedule",
        {},
    ),
)

WORK_QUEUE_CHECK = scenario(
    "work_queue_check",
    create_flow(),
    create_pool(),
    create_deployment(
        "queued", "deployment_id", work_pool_name=POOL, work_queue_name="q1"
    ),
    # The real server lists queues from the whole server; keep this pool's.
    Step(
        "check",
        "GET",
        "/deployments/{deployment_id}/work_queue_check",
        only={"work_pool_id": "{work_pool_id}"},
    ),
)

BULK_DELETE = scenario(
    "bulk_delete",
    create_flow(),
    create_deployment("alpha-{run}", "alpha_id"),
    create_deployment("beta-{run}", "beta_id"),
    create_deployment("gamma-{run}", "gamma_id"),
    Step(
        "delete by ids, one unknown",
        "POST",
        "/deployments/bulk_delete",
        {"deployments": {"id": {"any_": ["{alpha_id}", UNKNOWN_ID]}}},
    ),
    Step(
        "delete the same ids again",
        "POST",
        "/deployments/bulk_delete",
        {"deployments": {"id": {"any_": ["{alpha_id}"]}}},
    ),
    # The first matches by name, ascending, up to the limit.
    Step(
        "delete by names, limit 1",
        "POST",
        "/deployments/bulk_delete",
        {"deployments": {"name": {"any_": ["gamma-{run}", "beta-{run}"]}}, "limit": 1},
    ),
    Step("limit 0", "POST", "/deployments/bulk_delete", {"limit": 0}),
    Step("limit 51", "POST", "/deployments/bulk_delete", {"limit": 51}),
    Step(
        "an unknown nested field",
        "POST",
        "/deployments/bulk_delete",
        {"deployments": {"bogus": 1}},
    ),
    Step("an array body", "POST", "/deployments/bulk_delete", [1]),
    Step(
        "what is left",
        "POST",
        "/deployments/filter",
        {"flows": {"name": {"any_": [FLOW]}}},
    ),
)

PROTOCOL = scenario(
    "protocol",
    Step("health", "GET", "/health"),
    Step("version", "GET", "/version"),
    Step("admin version", "GET", "/admin/version"),
    Step("csrf token", "GET", "/csrf-token?client=diff-{run}"),
    Step("unknown route", "GET", "/no-such-route"),
    Step("create without the trailing slash (307)", "POST", "/deployments", {}),
    Step("filter with a trailing slash (307)", "POST", "/deployments/filter/", {}),
    Step("read with a trailing slash (307)", "GET", f"/deployments/{UNKNOWN_ID}/"),
    Step("PUT a deployment (405)", "PUT", f"/deployments/{UNKNOWN_ID}", {}),
    Step("GET the filter (405)", "GET", "/deployments/filter"),
    Step("DELETE the collection (405)", "DELETE", "/deployments/"),
    Step("HEAD health (405)", "HEAD", "/health"),
    Step("OPTIONS without CORS headers (405)", "OPTIONS", "/deployments/filter"),
    # Prefect 3.9.1 crashes on a non-object create body: 500.
    Step("create with an array body (500)", "POST", "/deployments/", [1, 2]),
)

NULL_UPDATES = scenario(
    "null_updates",
    create_flow(),
    create_deployment("nulls", "deployment_id", description="kept"),
    # Both versions let these nulls through validation; the NOT NULL columns
    # then fail the write (409) and nothing of the update is kept.
    *(
        step
        for index, body in enumerate(
            (
                {"enforce_parameter_schema": None},
                {"parameters": None},
                {"enforce_parameter_schema": None, "description": "lost"},
                {"description": None},
                {"tags": None},
            )
        )
        for step in (
            Step(
                f"update {index}: {body!r}",
                "PATCH",
                "/deployments/{deployment_id}",
                body,
            ),
            Step(f"read after update {index}", "GET", "/deployments/{deployment_id}"),
        )
    ),
)
"""Written for both versions: it runs against Prefect 2.14.16 as well."""

SCENARIOS: tuple[Scenario, ...] = (
    LIFECYCLE,
    NOT_FOUND,
    CONFLICTS,
    VALIDATION,
    FILTERING,
    FLOW_RUNS,
    BULK_FLOW_RUNS,
    SCHEDULES,
    PAUSE_RESUME,
    SCHEDULED_RUNS,
    WORK_QUEUE_CHECK,
    BULK_DELETE,
    PROTOCOL,
    NULL_UPDATES,
)
"""Every scenario, in the order the differential tests run them."""

PORTABLE_SCENARIOS: tuple[Scenario, ...] = (NULL_UPDATES,)
"""The scenarios also compared on Prefect 2.14.16."""
