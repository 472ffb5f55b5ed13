"""Replaying the committed recordings over HTTP returns what Prefect answered."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.recording import PlaybackResponder, list_recordings, read_recording

from .conftest import COMMITTED, serving


@pytest.fixture(scope="module")
def playback_url() -> Any:
    app = create_app("3.9.1", responder=PlaybackResponder(COMMITTED))
    with serving(app) as api_url:
        yield api_url


def test_replaying_the_session_returns_every_recorded_answer(
    playback_url: str,
) -> None:
    differences = {}
    with httpx.Client(base_url=playback_url, timeout=10) as client:
        for name in list_recordings(COMMITTED):
            recording = read_recording(COMMITTED, name)
            request = recording.request
            response = client.request(
                request.method,
                request.path.removeprefix("/api"),
                params=dict(request.query),
                content=b"" if request.body is None else json.dumps(request.body),
                headers={"content-type": "application/json"},
            )
            got = (response.status_code, response.json() if response.content else None)
            if got != (recording.response.status, recording.response.body):
                differences[name] = got

    assert differences == {}


def test_an_unrecorded_call_explains_itself_over_http(playback_url: str) -> None:
    missing = "11111111-2222-4333-8444-555555555555"
    response = httpx.get(f"{playback_url}/deployments/{missing}/schedules")

    assert response.status_code == 404
    body = response.json()
    assert body["detail"].startswith("no recording in ")
    assert [item["recording"] for item in body["closest"]] == [
        "0031-read_deployment_schedules-200.json",
        "0032-read_deployment_schedules-404.json",
        "0039-read_deployment_schedules-200.json",
    ]
    assert body["closest"][0]["reasons"][0].startswith("path.id: recorded ")
