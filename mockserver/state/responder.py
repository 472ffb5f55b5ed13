"""The stateful responder: Prefect's deployment API as plain Python.

:class:`StatefulResponder` answers validated calls the way a real Prefect
server with no worker attached does: objects persist between calls, ids and
names are minted from a seed, refusals carry the real status and detail,
and every body has the real keys in the real order. Calls arrive validated
against their contract but without defaults, so each handler fills in
Prefect's own.

Which operations it answers depends on the version: 3.9.1 adds pagination,
bulk routes, pause and resume, deployment schedules and a few UI routes;
2.14.16 has ``set_schedule_active`` and ``set_schedule_inactive`` instead of
pause and resume.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from mockserver.errors import OperationRefused, UnknownOperation, UnknownVersion
from mockserver.exchange import JSON, Call, Reply
from mockserver.state import deployments as deps
from mockserver.state import filters
from mockserver.state.fixtures import load_fixtures
from mockserver.state.flow_runs import (
    FlowRun,
    create_flow_run_from_deployment,
    delete_flow_run,
    new_state_id,
    read_flow_run,
)
from mockserver.state.flows import (
    create_flow,
    delete_flow,
    read_flow,
    read_flow_by_name,
)
from mockserver.state.ids import canonical_uuid
from mockserver.state.lifecycle import (
    LIFECYCLES,
    Lifecycle,
    autopilot_for,
    next_type,
    settle,
)
from mockserver.state.orchestration import orchestrate
from mockserver.state.serialize import (
    deployment_json,
    flow_json,
    flow_run_json,
    flow_runs_json,
    orchestration_json,
    schedule_json,
    work_pool_json,
    work_queue_json,
)
from mockserver.state.states import State, default_name, proposed_state
from mockserver.state.store import Store
from mockserver.state.times import Clock, parse_instant, utcnow
from mockserver.state.work_pools import (
    create_work_pool,
    ensure_default_agent_pool,
    read_work_pool,
)

__all__ = ["API_VERSION", "SUPPORTED_VERSIONS", "StatefulResponder"]

SUPPORTED_VERSIONS = ("3.9.1", "2.14.16")
"""The Prefect releases whose behaviour the responder copies."""

API_VERSION = "0.8.4"
"""What ``GET /version`` answers on both releases: the API's version."""

_BULK_CREATE_LIMIT = 100
_BULK_DELETE_LIMIT = 50

Handler = Callable[[Call], Reply]


class StatefulResponder:
    """Answer calls from an in-memory Prefect server.

    :param version: the Prefect release to imitate, one of
        :data:`SUPPORTED_VERSIONS`.
    :param lifecycle: what runs do on their own: ``"hold"`` (stay SCHEDULED,
        as with no worker), ``"complete"`` or ``"fail"`` (move through
        PENDING and RUNNING to COMPLETED or FAILED, one ``step_delay`` apart).
    :param seed: seeds ids and generated run names.
    :param clock: returns the current instant; inject one to control time.
    :param step_delay: seconds between lifecycle moves.
    :raises UnknownVersion: for a version not in :data:`SUPPORTED_VERSIONS`.
    :raises ValueError: for an unknown lifecycle.
    """

    def __init__(
        self,
        version: str = "3.9.1",
        *,
        lifecycle: Lifecycle = "hold",
        seed: int = 0,
        clock: Clock = utcnow,
        step_delay: float = 1.0,
    ) -> None:
        if version not in SUPPORTED_VERSIONS:
            raise UnknownVersion(version, SUPPORTED_VERSIONS)
        if lifecycle not in LIFECYCLES:
            raise ValueError(
                f"unknown lifecycle {lifecycle!r}; expected one of {LIFECYCLES}"
            )
        self.version = version
        self.lifecycle: Lifecycle = lifecycle
        self.step_delay = step_delay
        self._store = Store(version, seed=seed, clock=clock)
        self._handlers = self._handler_table()
        self.reset()

    @property
    def operations(self) -> frozenset[str]:
        """The operations this responder answers for its version."""
        return frozenset(self._handlers)

    def respond(self, call: Call) -> Reply:
        """Answer one validated call.

        :raises UnknownOperation: when the version has no such operation.
        """
        handler = self._handlers.get(call.operation)
        if handler is None:
            close = difflib.get_close_matches(call.operation, self._handlers, n=3)
            raise UnknownOperation(call.operation, self.version, close)

        with self._store.lock:
            settle(self._store, self._store.now())
            try:
                return handler(call)
            except OperationRefused as refusal:
                return Reply(refusal.status, refusal.body)

    def reset(self) -> None:
        """Forget every object and restart the seeded id and name streams."""
        with self._store.lock:
            self._store.clear()
            # A Prefect 2 server creates its default agent pool at start-up.
            if not self._store.modern:
                ensure_default_agent_pool(self._store)

    def preload(self, objects: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Add fixture objects, keeping their ids, times and states.

        :param objects: lists of response-shaped dicts under ``flows``,
            ``work_pools``, ``deployments`` and ``flow_runs``. Loaded runs
            follow the lifecycle like created ones.
        :raises ValueError: for any other key.
        :raises OperationRefused: 409 for an id already in the store.
        """
        with self._store.lock:
            self._pilot(load_fixtures(self._store, objects))

    def flow_run(self, run_id: str) -> JSON:
        """Return a flow run as ``read_flow_run`` would.

        :raises OperationRefused: 404 for an unknown run.
        """
        with self._store.lock:
            settle(self._store, self._store.now())
            run = read_flow_run(self._store, canonical_uuid(run_id))
            return flow_run_json(run, self.version, self._store.now())

    def advance(self, run_id: str) -> JSON:
        """Move a run one step on (SCHEDULED, PENDING, RUNNING, COMPLETED).

        The run leaves the lifecycle: it moves only when told from now on.

        :raises OperationRefused: 404 for an unknown run.
        """
        return self._drive(run_id, "COMPLETED", steps=1)

    def complete(self, run_id: str) -> JSON:
        """Move a run through the states it still lacks to COMPLETED."""
        return self._drive(run_id, "COMPLETED", steps=3)

    def fail(self, run_id: str, message: str | None = None) -> JSON:
        """Move a run through the states it still lacks to FAILED."""
        return self._drive(run_id, "FAILED", steps=3, message=message)

    def set_state(
        self,
        run_id: str,
        state_type: str,
        *,
        name: str | None = None,
        message: str | None = None,
    ) -> JSON:
        """Force a run into a state, as ``set_flow_run_state`` with ``force``.

        :raises OperationRefused: 404 for an unknown run.
        """
        body = {"type": state_type, "name": name, "message": message}
        with self._store.lock:
            store = self._store
            run = read_flow_run(store, canonical_uuid(run_id))
            run.autopilot = None
            now = store.now()
            state = proposed_state(body, state_id=new_state_id(store, now), now=now)
            orchestrate(store, run, state, force=True)
            return flow_run_json(run, self.version, now)

    def _drive(
        self, run_id: str, outcome: str, *, steps: int, message: str | None = None
    ) -> JSON:
        with self._store.lock:
            store = self._store
            settle(store, store.now())
            run = read_flow_run(store, canonical_uuid(run_id))
            run.autopilot = None
            for _ in range(steps):
                target = next_type(run.state.type, outcome)
                if target is None:
                    break
                self._enter(run, target, message if target == outcome else None)
            return flow_run_json(run, self.version, store.now())

    def _enter(self, run: FlowRun, state_type: str, message: str | None) -> None:
        now = self._store.now()
        state = State(
            id=new_state_id(self._store, now),
            type=state_type,
            name=default_name(state_type),
            timestamp=now,
            message=message,
        )
        orchestrate(self._store, run, state, force=True)

    def _handler_table(self) -> dict[str, Handler]:
        if self._store.modern:
            return {**self._common_handlers(), **self._modern_handlers()}
        return {**self._common_handlers(), **self._classic_handlers()}

    def _common_handlers(self) -> dict[str, Handler]:
        return {
            "health_check": lambda call: Reply(200, True),
            "read_version": lambda call: Reply(200, self.version),
            "create_flow": self._create_flow,
            "read_flow": self._read_flow,
            "read_flow_by_name": self._read_flow_by_name,
            "read_flows": self._read_flows,
            "count_flows": self._count_flows,
            "delete_flow": self._delete_flow,
            "create_deployment": self._create_deployment,
            "read_deployment": self._read_deployment,
            "read_deployment_by_name": self._read_deployment_by_name,
            "update_deployment": self._update_deployment,
            "delete_deployment": self._delete_deployment,
            "read_deployments": self._read_deployments,
            "count_deployments": self._count_deployments,
            "get_scheduled_flow_runs_for_deployments": self._get_scheduled_runs,
            "schedule_deployment": self._schedule_deployment,
            "create_flow_run_from_deployment": self._create_flow_run,
            "work_queue_check_for_deployment": self._work_queue_check,
            "read_flow_run": self._read_flow_run,
            "read_flow_runs": self._read_flow_runs,
            "count_flow_runs": self._count_flow_runs,
            "set_flow_run_state": self._set_flow_run_state,
            "delete_flow_run": self._delete_flow_run,
            "create_work_pool": self._create_work_pool,
            "read_work_pool": self._read_work_pool,
            "read_workers": self._read_workers,
        }

    def _classic_handlers(self) -> dict[str, Handler]:
        # Prefect 2 names its API version route after the server's old name.
        return {
            "orion_info": lambda call: Reply(200, API_VERSION),
            "set_schedule_active": self._resume_deployment,
            "set_schedule_inactive": self._pause_deployment,
        }

    def _modern_handlers(self) -> dict[str, Handler]:
        return {
            "server_version": lambda call: Reply(200, API_VERSION),
            "paginate_deployments": self._paginate_deployments,
            "bulk_delete_deployments": self._bulk_delete_deployments,
            "pause_deployment": self._pause_deployment,
            "resume_deployment": self._resume_deployment,
            "bulk_create_flow_runs_from_deployment": self._bulk_create_flow_runs,
            "read_deployment_schedules": self._read_schedules,
            "create_deployment_schedules": self._create_schedules,
            "update_deployment_schedule": self._update_schedule,
            "delete_deployment_schedule": self._delete_schedule,
            "count_deployments_by_flow": self._count_deployments_by_flow,
            # With CSRF protection off (the default) Prefect 3 refuses tokens.
            "create_csrf_token": lambda call: Reply(
                422, {"detail": "CSRF protection is disabled."}
            ),
            "read_automations_related_to_resource": lambda call: Reply(200, []),
            "delete_automations_owned_by_resource": lambda call: Reply(202, None),
        }

    # flows

    def _create_flow(self, call: Call) -> Reply:
        flow, created = create_flow(self._store, call.body)
        return Reply(201 if created else 200, flow_json(flow, self.version))

    def _read_flow(self, call: Call) -> Reply:
        flow = read_flow(self._store, canonical_uuid(call.path["id"]))
        return Reply(200, flow_json(flow, self.version))

    def _read_flow_by_name(self, call: Call) -> Reply:
        flow = read_flow_by_name(self._store, call.path["name"])
        return Reply(200, flow_json(flow, self.version))

    def _read_flows(self, call: Call) -> Reply:
        body = _body(call)
        flows = filters.select_flows(self._store, body)
        ordered = filters.sort_flows(flows, body.get("sort") or "NAME_ASC")
        page = _page(ordered, body)
        return Reply(200, [flow_json(f, self.version) for f in page])

    def _count_flows(self, call: Call) -> Reply:
        return Reply(200, len(filters.select_flows(self._store, _body(call))))

    def _delete_flow(self, call: Call) -> Reply:
        delete_flow(self._store, canonical_uuid(call.path["id"]))
        return Reply(204)

    # deployments

    def _create_deployment(self, call: Call) -> Reply:
        body = {**call.body, "flow_id": canonical_uuid(call.body["flow_id"])}
        deployment, created = deps.create_deployment(self._store, body)
        return Reply(201 if created else 200, deployment_json(deployment, self.version))

    def _read_deployment(self, call: Call) -> Reply:
        deployment = deps.read_deployment(self._store, canonical_uuid(call.path["id"]))
        return Reply(200, deployment_json(deployment, self.version))

    def _read_deployment_by_name(self, call: Call) -> Reply:
        deployment = deps.deployment_by_name(
            self._store, call.path["flow_name"], call.path["deployment_name"]
        )
        return Reply(200, deployment_json(deployment, self.version))

    def _update_deployment(self, call: Call) -> Reply:
        deps.update_deployment(
            self._store, canonical_uuid(call.path["id"]), _body(call)
        )
        return Reply(204)

    def _delete_deployment(self, call: Call) -> Reply:
        deps.delete_deployment(self._store, canonical_uuid(call.path["id"]))
        return Reply(204)

    def _read_deployments(self, call: Call) -> Reply:
        body = _body(call)
        page = _page(self._sorted_deployments(body), body)
        return Reply(200, [deployment_json(d, self.version) for d in page])

    def _paginate_deployments(self, call: Call) -> Reply:
        body = _body(call)
        limit = filters.check_limit(body.get("limit"))
        page_number = body.get("page") or 1
        matching = self._sorted_deployments(body)
        start = (page_number - 1) * limit
        results = matching[start : start + limit]
        return Reply(
            200,
            {
                "results": [deployment_json(d, self.version) for d in results],
                "count": len(matching),
                "limit": limit,
                "pages": (len(matching) + limit - 1) // limit if limit > 0 else 0,
                "page": page_number,
            },
        )

    def _sorted_deployments(self, body: Mapping[str, Any]) -> list[deps.Deployment]:
        selected = filters.select_deployments(self._store, body)
        return filters.sort_deployments(selected, body.get("sort") or "NAME_ASC")

    def _count_deployments(self, call: Call) -> Reply:
        return Reply(200, len(filters.select_deployments(self._store, _body(call))))

    def _bulk_delete_deployments(self, call: Call) -> Reply:
        body = _body(call)
        limit = body.get("limit") or _BULK_DELETE_LIMIT
        selected = filters.select_deployments(
            self._store, {"deployments": body.get("deployments")}
        )
        doomed = filters.sort_deployments(selected, "NAME_ASC")[:limit]
        for deployment in doomed:
            deps.delete_deployment(self._store, deployment.id)
        # Prefect lists the deleted ids in id order.
        return Reply(200, {"deleted": sorted(d.id for d in doomed)})

    def _pause_deployment(self, call: Call) -> Reply:
        deps.pause_deployment(self._store, canonical_uuid(call.path["id"]), paused=True)
        return Reply(200, None)

    def _resume_deployment(self, call: Call) -> Reply:
        deps.resume_deployment(self._store, canonical_uuid(call.path["id"]))
        return Reply(200, None)

    def _schedule_deployment(self, call: Call) -> Reply:
        runs = deps.schedule_deployment(
            self._store, canonical_uuid(call.path["id"]), _body(call)
        )
        self._pilot(runs)
        return Reply(200, None)

    def _get_scheduled_runs(self, call: Call) -> Reply:
        body = _body(call)
        limit = filters.check_limit(body.get("limit"))
        wanted = {canonical_uuid(i) for i in body["deployment_ids"]}
        before = body.get("scheduled_before")
        cutoff = parse_instant(before) if before is not None else None
        due = [
            run
            for run in self._store.flow_runs.values()
            if run.deployment_id in wanted
            and run.state.type == "SCHEDULED"
            and (cutoff is None or _due_by(run, cutoff))
        ]
        ordered = filters.sort_flow_runs(due, "NEXT_SCHEDULED_START_TIME_ASC")
        deps.mark_polled(self._store, sorted(wanted))
        return Reply(200, flow_runs_json(ordered[:limit], self._store))

    def _work_queue_check(self, call: Call) -> Reply:
        deps.read_deployment(self._store, canonical_uuid(call.path["id"]))
        queues = self._store.work_queues.values()
        return Reply(200, [work_queue_json(q, self.version) for q in queues])

    def _count_deployments_by_flow(self, call: Call) -> Reply:
        counts: dict[str, int] = {}
        for flow_id in call.body["flow_ids"]:
            key = canonical_uuid(flow_id)
            counts[key] = sum(
                1 for d in self._store.deployments.values() if d.flow_id == key
            )
        return Reply(200, counts)

    # deployment schedules

    def _read_schedules(self, call: Call) -> Reply:
        deployment = deps.read_deployment(
            self._store, canonical_uuid(call.path["id"]), stop="."
        )
        schedules = deps.sorted_schedules(deployment)
        return Reply(200, [schedule_json(s, self.version) for s in schedules])

    def _create_schedules(self, call: Call) -> Reply:
        created = deps.create_schedules(
            self._store, canonical_uuid(call.path["id"]), list(call.body)
        )
        return Reply(201, [schedule_json(s, self.version) for s in created])

    def _update_schedule(self, call: Call) -> Reply:
        deps.update_schedule(
            self._store,
            canonical_uuid(call.path["id"]),
            canonical_uuid(call.path["schedule_id"]),
            _body(call),
        )
        return Reply(204)

    def _delete_schedule(self, call: Call) -> Reply:
        deps.delete_schedule(
            self._store,
            canonical_uuid(call.path["id"]),
            canonical_uuid(call.path["schedule_id"]),
        )
        return Reply(204)

    # flow runs

    def _create_flow_run(self, call: Call) -> Reply:
        deployment = deps.read_deployment(self._store, canonical_uuid(call.path["id"]))
        run, created = create_flow_run_from_deployment(
            self._store, deployment, _body(call)
        )
        if created:
            self._pilot([run])
        body = flow_run_json(run, self.version, self._store.now(), fresh=created)
        return Reply(201 if created else 200, body)

    def _bulk_create_flow_runs(self, call: Call) -> Reply:
        requests = list(call.body)
        if len(requests) > _BULK_CREATE_LIMIT:
            raise OperationRefused(
                400, f"Cannot create more than {_BULK_CREATE_LIMIT} flow runs at once."
            )
        deployment = deps.read_deployment(self._store, canonical_uuid(call.path["id"]))

        results = []
        for request in requests:
            try:
                run, created = create_flow_run_from_deployment(
                    self._store, deployment, request, bulk=True
                )
            except OperationRefused as refusal:
                results.append(
                    {"flow_run_id": None, "status": "FAILED", "error": refusal.detail}
                )
                continue
            if created:
                self._pilot([run])
            results.append({"flow_run_id": run.id, "status": "CREATED", "error": None})
        return Reply(200, {"results": results})

    def _read_flow_run(self, call: Call) -> Reply:
        run = read_flow_run(self._store, canonical_uuid(call.path["id"]))
        return Reply(200, flow_run_json(run, self.version, self._store.now()))

    def _read_flow_runs(self, call: Call) -> Reply:
        body = _body(call)
        selected = filters.select_flow_runs(self._store, body)
        ordered = filters.sort_flow_runs(selected, body.get("sort") or "ID_DESC")
        return Reply(200, flow_runs_json(_page(ordered, body), self._store))

    def _count_flow_runs(self, call: Call) -> Reply:
        return Reply(200, len(filters.select_flow_runs(self._store, _body(call))))

    def _set_flow_run_state(self, call: Call) -> Reply:
        store = self._store
        run_id = canonical_uuid(call.path["id"])
        run = store.flow_runs.get(run_id)
        if run is None:
            # This route's 404 comes from Prefect's generic not-found handler.
            raise OperationRefused(
                404, f"Flow run with id {run_id} not found", key="exception_message"
            )

        run.autopilot = None
        now = store.now()
        state = proposed_state(
            call.body["state"], state_id=new_state_id(store, now), now=now
        )
        outcome = orchestrate(store, run, state, force=bool(call.body.get("force")))
        body = orchestration_json(
            outcome.state, outcome.status, outcome.details, self.version
        )
        return Reply(201 if outcome.written else 200, body)

    def _delete_flow_run(self, call: Call) -> Reply:
        delete_flow_run(self._store, canonical_uuid(call.path["id"]))
        return Reply(204)

    def _pilot(self, runs: Sequence[FlowRun]) -> None:
        step = timedelta(seconds=self.step_delay)
        for run in runs:
            run.autopilot = autopilot_for(self.lifecycle, step)
            self._store.piloted.pop(run.id, None)
            if run.autopilot is not None:
                self._store.piloted[run.id] = run

    # work pools

    def _create_work_pool(self, call: Call) -> Reply:
        pool = create_work_pool(self._store, call.body)
        return Reply(201, work_pool_json(pool, self.version))

    def _read_work_pool(self, call: Call) -> Reply:
        pool = read_work_pool(self._store, call.path["name"])
        return Reply(200, work_pool_json(pool, self.version))

    def _read_workers(self, call: Call) -> Reply:
        # Prefect checks the limit before it looks the pool up.
        filters.check_limit(_body(call).get("limit"))
        # No worker ever heartbeats against the mock.
        read_work_pool(self._store, call.path["work_pool_name"])
        return Reply(200, [])


def _body(call: Call) -> Mapping[str, Any]:
    return call.body if isinstance(call.body, Mapping) else {}


def _page(items: Sequence[Any], body: Mapping[str, Any]) -> Sequence[Any]:
    limit = filters.check_limit(body.get("limit"))
    offset = body.get("offset") or 0
    return items[offset : offset + limit]


def _due_by(run: FlowRun, cutoff: Any) -> bool:
    due = run.next_scheduled_start_time
    return due is not None and due <= cutoff
