"""Concurrent calls: nothing lost, nothing duplicated, counts agree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .support import Api

THREADS = 8
ROUNDS = 20


def worker(api: Api, flow_id: str, index: int) -> dict[str, Any]:
    """Create, update, run, count and delete deployments; report what stayed."""
    kept, runs = [], []
    for step in range(ROUNDS):
        name = f"w{index}-{step}"
        deployment = api.deployment(name, flow_id=flow_id)
        api("update_deployment", {"description": name}, id=deployment["id"])
        runs.append(api.run(deployment["id"], tags=[name])["id"])
        assert api("count_deployments", {}).status == 200
        if step % 4 == 0:
            api("delete_deployment", id=deployment["id"])
        else:
            kept.append(deployment["id"])
    return {"kept": kept, "runs": runs}


def test_threads_working_at_once_leave_a_consistent_store(api: Api) -> None:
    flow_id = api.flow()["id"]

    with ThreadPoolExecutor(THREADS) as pool:
        reports = list(pool.map(lambda i: worker(api, flow_id, i), range(THREADS)))

    kept = [d for report in reports for d in report["kept"]]
    runs = [r for report in reports for r in report["runs"]]
    listed = api("read_deployments", {"limit": 200}).body
    assert sorted(d["id"] for d in listed) == sorted(kept)
    assert len(set(kept)) == len(kept) == THREADS * ROUNDS * 3 // 4
    assert all(d["description"] == d["name"] for d in listed)
    # Deleting a deployment drops its scheduled runs and keeps no others.
    assert api("count_flow_runs", {}).body == len(kept)
    assert len(set(runs)) == len(runs) == THREADS * ROUNDS


def test_racing_upserts_make_one_deployment(api: Api) -> None:
    flow_id = api.flow()["id"]

    def create(_: int) -> tuple[int, str]:
        reply = api("create_deployment", {"name": "same", "flow_id": flow_id})
        return reply.status, reply.body["id"]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(create, range(THREADS * 4)))

    assert sorted(status for status, _ in results) == [200] * (THREADS * 4 - 1) + [201]
    assert len({deployment_id for _, deployment_id in results}) == 1


def test_racing_idempotent_runs_make_one_run(api: Api) -> None:
    deployment = api.deployment()

    def create(_: int) -> str:
        return api.run(deployment["id"], idempotency_key="once")["id"]

    with ThreadPoolExecutor(THREADS) as pool:
        ids = set(pool.map(create, range(THREADS * 4)))

    assert len(ids) == 1
    assert api("count_flow_runs", {}).body == 1
