"""Normalization hides what servers choose freely and keeps what a client can see."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .normalize import differences, normalize
from .runner import Transcript, fill, lookup

API = "http://127.0.0.1:4999/api"
FIRST = "0b1e5a3c-8d2f-4c6b-9a7e-1f2d3c4b5a69"
SECOND = "7c9d8e1f-2a3b-4c5d-8e6f-a1b2c3d4e5f6"


def _transcript(*responses: Any, request_body: Any = None) -> Transcript:
    exchanges = [
        {
            "step": f"step {index}",
            "request": {"method": "POST", "path": "/x", "body": request_body},
            "response": {"status": 200, "headers": {}, "body": body},
        }
        for index, body in enumerate(responses)
    ]
    return Transcript("example", API, "r4nd0m", exchanges)


def _bodies(transcript: Transcript) -> list[Any]:
    return [exchange["response"]["body"] for exchange in normalize(transcript)]


def test_an_id_gets_one_placeholder_named_where_it_first_appeared() -> None:
    bodies = _bodies(_transcript({"id": FIRST}, {"flow": FIRST.upper(), "run": SECOND}))

    assert bodies[0] == {"id": "<id step 0:response.body.id>"}
    assert bodies[1] == {
        "flow": "<id step 0:response.body.id>",
        "run": "<id step 1:response.body.run>",
    }


def test_ids_inside_text_and_keys_are_replaced_too() -> None:
    body = {"detail": f"Flow run with id {FIRST} not found", SECOND: 1}

    (normalized,) = _bodies(_transcript(body))

    assert list(normalized) == ["detail", "<id step 0:response.body.<key>>"]
    assert normalized["detail"] == (
        "Flow run with id <id step 0:response.body.detail> not found"
    )


def test_timestamps_are_hidden_unless_the_scenario_sent_them() -> None:
    body = {"created": "2026-12-03T14:23:09.252623Z", "start": "2030-01-01T00:00:00Z"}

    (normalized,) = _bodies(_transcript(body, request_body={"at": body["start"]}))

    assert normalized == {"created": "<timestamp>", "start": "2030-01-01T00:00:00Z"}


def test_generated_names_are_hidden_but_chosen_names_are_kept() -> None:
    bodies = _bodies(
        _transcript(
            {"name": "optimistic-crab"}, {"name": "my-run"}, request_body="my-run"
        )
    )

    assert bodies == [{"name": "<generated-name>"}, {"name": "my-run"}]


def test_sets_are_sorted_and_measurements_hidden() -> None:
    body = {
        "tags": ["z", "run-tag"],
        "deleted": [SECOND, FIRST],
        "parameters": {"tags": "kept"},
        "estimated_start_time_delta": 0.013107,
    }

    (normalized,) = _bodies(_transcript(body))

    assert normalized["tags"] == ["run-tag", "z"]
    assert normalized["deleted"] == sorted(normalized["deleted"])
    assert normalized["estimated_start_time_delta"] == "<measured>"


def test_the_server_address_and_the_run_suffix_are_replaced() -> None:
    (normalized,) = _bodies(_transcript({"url": f"{API}/flows/", "name": "f-r4nd0m"}))

    assert normalized == {"url": "<api>/flows/", "name": "f-<run>"}


@pytest.mark.parametrize(
    ("real", "mock", "path"),
    [
        ({"a": 1}, {"a": 2}, "response.body.a"),
        ({"a": 0.0}, {"a": 0}, "response.body.a"),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, "response.body.<key order>"),
        ({"a": 1}, {}, "response.body.a"),
        ([1, 2], [1], "response.body.1"),
        ("Deployment not found", "Deployment not found.", "response.body"),
    ],
    ids=["value", "int-for-float", "key-order", "missing-key", "shorter-list", "text"],
)
def test_differences_name_the_place_that_differs(
    real: Any, mock: Any, path: str
) -> None:
    found = differences(_bodies_as_transcript(real), _bodies_as_transcript(mock))

    assert [difference.path for difference in found] == [path]
    assert found[0].step == "step 0"


def test_identical_transcripts_have_no_differences() -> None:
    body = {"id": FIRST, "tags": ["a"], "created": "2026-12-03T14:23:09Z"}

    assert differences(_bodies_as_transcript(body), _bodies_as_transcript(body)) == []


def test_placeholders_fill_paths_and_bodies_and_captures_follow_dotted_paths() -> None:
    variables = {"run": "r1", "deployment_id": FIRST}

    filled = fill({"name": "flow-{run}", "ids": ["{deployment_id}"]}, variables)

    assert filled == {"name": "flow-r1", "ids": [FIRST]}
    assert lookup({"results": [{"flow_run_id": SECOND}]}, "results.0.flow_run_id") == (
        SECOND
    )
    assert lookup({"results": []}, "results.0.flow_run_id") is None


def test_every_known_difference_gives_its_reason() -> None:
    entries = json.loads(Path(__file__).with_name("known_differences.json").read_text())

    assert isinstance(entries, list)
    for entry in entries:
        assert set(entry) == {"scenario", "step", "path", "reason"}
        assert entry["reason"].strip()


def _bodies_as_transcript(body: Any) -> list[dict[str, Any]]:
    return normalize(_transcript(body))
