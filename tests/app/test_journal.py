"""The journal keeps the newest exchanges, in order, from any number of threads."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app, journal_of
from mockserver.journal import BODY_LIMIT, Entry, Journal

THREADS = 8
PER_THREAD = 500


def entry(path: str = "/api/health", status: int = 200, **fields: Any) -> Entry:
    fields.setdefault("operation", "health_check")
    return Entry(
        time=datetime.now(UTC), method="GET", path=path, status=status, **fields
    )


def test_entries_are_numbered_from_one_in_arrival_order() -> None:
    journal = Journal(10)

    recorded = [journal.record(entry(f"/api/{n}")) for n in range(3)]

    assert [e.sequence for e in recorded] == [1, 2, 3]
    assert journal.entries() == recorded


def test_a_full_journal_forgets_its_oldest_entries() -> None:
    journal = Journal(3)

    for n in range(5):
        journal.record(entry(f"/api/{n}"))

    assert len(journal) == 3
    assert [e.sequence for e in journal.entries()] == [3, 4, 5]
    assert [e.path for e in journal.entries()] == ["/api/2", "/api/3", "/api/4"]


@pytest.mark.parametrize(
    ("operation", "status", "paths"),
    [
        ("read_deployment", None, ["/a", "/c"]),
        (None, 404, ["/c", "/d"]),
        ("read_deployment", 404, ["/c"]),
        (None, None, ["/a", "/b", "/c", "/d"]),
        ("read_flow", None, []),
    ],
    ids=["by-operation", "by-status", "by-both", "unfiltered", "no-match"],
)
def test_entries_can_be_filtered_by_operation_and_status(
    operation: str | None, status: int | None, paths: list[str]
) -> None:
    journal = Journal(10)
    journal.record(entry("/a", 200, operation="read_deployment"))
    journal.record(entry("/b", 200, operation="read_deployments"))
    journal.record(entry("/c", 404, operation="read_deployment"))
    journal.record(entry("/d", 404, operation=None))

    found = journal.entries(operation=operation, status=status)

    assert [e.path for e in found] == paths


def test_clearing_forgets_entries_but_keeps_counting() -> None:
    journal = Journal(10)
    journal.record(entry())
    journal.record(entry())

    journal.clear()
    after = journal.record(entry())

    assert len(journal) == 1
    assert after.sequence == 3


@pytest.mark.parametrize("size", [0, -1], ids=["zero", "negative"])
def test_a_journal_keeps_at_least_one_entry(size: int) -> None:
    with pytest.raises(ValueError, match=repr(size)):
        Journal(size)


def test_concurrent_records_lose_nothing_and_keep_the_newest() -> None:
    journal = Journal(100)
    start = threading.Barrier(THREADS)

    def record_many() -> None:
        start.wait(timeout=10)
        for _ in range(PER_THREAD):
            journal.record(entry())

    threads = [threading.Thread(target=record_many) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    total = THREADS * PER_THREAD
    assert [e.sequence for e in journal.entries()] == list(range(total - 99, total + 1))


def test_reading_while_recording_sees_consistent_snapshots() -> None:
    journal = Journal(50)
    done = threading.Event()
    snapshots: list[list[int]] = []

    def read_until_done() -> None:
        while not done.is_set():
            sequences = [e.sequence for e in journal.entries()]
            if sequences:
                snapshots.append(sequences)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    # Recording goes on until the reader has looked often, however the
    # threads are scheduled: 2,000 records can end before it starts.
    deadline = time.monotonic() + 30
    recorded = 0
    while recorded < 2000 or len(snapshots) < 50:
        journal.record(entry())
        recorded += 1
        if time.monotonic() > deadline:
            break
    done.set()
    reader.join(timeout=30)

    assert len(snapshots) >= 50
    for sequences in snapshots:
        assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))


def test_the_app_journals_each_request_with_its_bodies(
    app: flask.Flask, client: FlaskClient, responder: Any
) -> None:
    client.post("/api/deployments/filter?x=1", json={"limit": 1})
    client.post("/api/deployments/filter", data=b"not json")
    client.get("/api/nope")

    first, second, third = journal_of(app).entries()
    assert (first.operation, first.query, first.request_body) == (
        "read_deployments",
        {"x": "1"},
        {"limit": 1},
    )
    assert (first.status, first.reply_body) == (200, {"answered": True})
    assert first.duration_ms > 0
    assert (second.request_body, second.status) == ("not json", 422)
    assert (third.operation, third.status, third.reply_body) == (
        None,
        404,
        {"detail": "Not Found"},
    )


@pytest.mark.parametrize(
    ("content", "body"),
    [
        (b"", None),
        (b'{"limit": 1}', {"limit": 1}),
        (b"not json", "not json"),
        (b"\xff{", "\ufffd{"),
        (
            b"x" * (BODY_LIMIT + 1),
            f"<{BODY_LIMIT + 1} bytes, more than the journal keeps>",
        ),
    ],
    ids=["empty", "json", "text", "not-utf-8", "too-large"],
)
def test_an_entry_keeps_the_bytes_and_reads_them_back(
    content: bytes, body: Any
) -> None:
    kept = entry(request_content=content, reply_content=content)

    assert (kept.request_body, kept.reply_body) == (body, body)
    assert len(kept.request_content) <= BODY_LIMIT


def test_the_app_journal_is_bounded_by_journal_size(responder: Any) -> None:
    app = create_app(responder=responder, journal_size=2)
    client = app.test_client()

    for _ in range(3):
        client.get("/api/health")

    assert [e.sequence for e in journal_of(app).entries()] == [2, 3]
