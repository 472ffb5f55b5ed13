"""Many clients at once over real HTTP: nothing lost, duplicated or torn.

Writers create, update, run and delete deployments through every worker
thread of ``mockserver serve`` while readers filter, count and paginate.
Every reader answer must be a consistent snapshot, and at the end the
counts must agree exactly with what the writers did. (The same store is
exercised in-process by ``tests/state/test_concurrency.py``; here the
requests also race through waitress, Flask, validation and the journal.)
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.robustness.conftest import Served

WRITERS = 6
READERS = 3
ROUNDS = 10
RUNS_PER_DEPLOYMENT = 2


@dataclass
class Written:
    """What one writer did, as the server confirmed it."""

    kept: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    runs: dict[str, list[str]] = field(default_factory=dict)


def client(served: Served) -> httpx.Client:
    return httpx.Client(base_url=served.api_url, timeout=60)


def expect(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.request.url, response.text)
    return response.json() if response.content else None


def write(served: Served, writer: int) -> Written:
    written = Written()
    with client(served) as http:
        flow = expect(http.post("/flows/", json={"name": f"flow-{writer}"}), 201)
        for step in range(ROUNDS):
            name = f"dep-{writer}-{step}"
            body = {"name": name, "flow_id": flow["id"], "tags": [f"w{writer}"]}
            deployment = expect(http.post("/deployments/", json=body), 201)
            patch = {"tags": [f"w{writer}", "patched"], "description": name}
            expect(http.patch(f"/deployments/{deployment['id']}", json=patch), 204)

            path = f"/deployments/{deployment['id']}/create_flow_run"
            written.runs[deployment["id"]] = [
                expect(http.post(path, json={"tags": [name]}), 201)["id"]
                for _ in range(RUNS_PER_DEPLOYMENT)
            ]
            if step % 3 == 0:
                expect(http.delete(f"/deployments/{deployment['id']}"), 204)
                written.deleted.append(deployment["id"])
            else:
                written.kept.append(deployment["id"])
    return written


def read(served: Served, stop: threading.Event) -> int:
    """Read until told to stop; every answer must be a consistent snapshot."""
    reads = 0
    with client(served) as http:
        while not stop.is_set() and reads < 1000:
            listed = expect(http.post("/deployments/filter", json={}), 200)
            ids = [deployment["id"] for deployment in listed]
            assert len(ids) == len(set(ids)), "a deployment listed twice"

            page = expect(http.post("/deployments/paginate", json={"limit": 200}), 200)
            assert page["count"] == len(page["results"])

            runs = expect(http.post("/flow_runs/filter", json={}), 200)
            assert len({run["id"] for run in runs}) == len(runs)
            reads += 1
    return reads


@pytest.fixture(scope="module")
def outcome(served: Served) -> tuple[list[Written], list[int]]:
    stop = threading.Event()
    with ThreadPoolExecutor(WRITERS + READERS) as pool:
        readers = [pool.submit(read, served, stop) for _ in range(READERS)]
        writers = [pool.submit(write, served, w) for w in range(WRITERS)]
        try:
            written = [future.result() for future in writers]
        finally:
            stop.set()
        reads = [future.result() for future in readers]
    return written, reads


def test_readers_saw_consistent_snapshots_while_writers_worked(
    outcome: tuple[list[Written], list[int]],
) -> None:
    _, reads = outcome

    assert all(count > 0 for count in reads)


def test_every_kept_deployment_is_listed_once_and_no_deleted_one(
    http: httpx.Client, outcome: tuple[list[Written], list[int]]
) -> None:
    written, _ = outcome
    kept = {d for w in written for d in w.kept}
    deleted = {d for w in written for d in w.deleted}

    listed = expect(http.post("/deployments/filter", json={"limit": 200}), 200)
    count = expect(http.post("/deployments/count", json={}), 200)

    ids = [deployment["id"] for deployment in listed]
    assert len(ids) == len(set(ids))
    assert set(ids) == kept
    assert count == len(listed) == len(kept) == WRITERS * (ROUNDS - 4)
    assert not kept & deleted
    for deployment_id in deleted:
        expect(http.get(f"/deployments/{deployment_id}"), 404)


def test_every_update_landed_on_its_own_deployment(
    http: httpx.Client, outcome: tuple[list[Written], list[int]]
) -> None:
    listed = expect(http.post("/deployments/filter", json={"limit": 200}), 200)

    for deployment in listed:
        writer = deployment["name"].split("-")[1]
        assert deployment["tags"] == [f"w{writer}", "patched"]
        assert deployment["description"] == deployment["name"]


def test_runs_agree_with_the_deployments_that_remain(
    http: httpx.Client, outcome: tuple[list[Written], list[int]]
) -> None:
    written, _ = outcome
    runs = {
        deployment: ids
        for w in written
        for deployment, ids in w.runs.items()
        if deployment in w.kept
    }

    total = expect(http.post("/flow_runs/count", json={}), 200)
    every_id = [run_id for ids in runs.values() for run_id in ids]

    # Deleting a deployment deletes its scheduled runs with it.
    assert total == len(every_id) == len(set(every_id))
    for deployment, ids in runs.items():
        body = {"flow_runs": {"deployment_id": {"any_": [deployment]}}}
        found = expect(http.post("/flow_runs/filter", json=body), 200)
        assert sorted(run["id"] for run in found) == sorted(ids)


def in_parallel(served: Served, times: int, call: Any) -> list[Any]:
    barrier = threading.Barrier(times)

    def one(_: int) -> Any:
        with client(served) as http:
            barrier.wait(timeout=30)
            return call(http)

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(one, range(times)))


def test_racing_upserts_over_http_make_one_deployment(
    served: Served, http: httpx.Client
) -> None:
    flow = expect(http.post("/flows/", json={"name": "racing"}), 201)
    body = {"name": "same", "flow_id": flow["id"]}

    answers = in_parallel(served, 8, lambda h: h.post("/deployments/", json=body))

    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1


def test_racing_deletes_over_http_delete_once(
    served: Served, http: httpx.Client
) -> None:
    flow = expect(http.post("/flows/", json={"name": "deleted"}), 201)
    body = {"name": "doomed", "flow_id": flow["id"]}
    deployment = expect(http.post("/deployments/", json=body), 201)

    answers = in_parallel(
        served, 8, lambda h: h.delete(f"/deployments/{deployment['id']}")
    )

    assert sorted(a.status_code for a in answers) == [204] + [404] * 7


def test_racing_idempotent_runs_over_http_make_one_run(
    served: Served, http: httpx.Client
) -> None:
    flow = expect(http.post("/flows/", json={"name": "idempotent"}), 201)
    body = {"name": "once", "flow_id": flow["id"]}
    deployment = expect(http.post("/deployments/", json=body), 201)
    path = f"/deployments/{deployment['id']}/create_flow_run"

    answers = in_parallel(
        served, 8, lambda h: h.post(path, json={"idempotency_key": "k"})
    )

    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]


def test_nothing_failed_inside_the_server(served: Served) -> None:
    assert served.failures_logged() == []
    assert served.is_healthy()
