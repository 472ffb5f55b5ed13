"""``mockserver serve --faults FILE --control-token TOKEN --journal-size N``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_mock_server, stop_mock_server

TOKEN = "t0ken"


def test_the_serve_flags_set_faults_token_and_journal_size(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"operation": "read_flows", "status": 503}]))

    served = start_mock_server(
        tmp_path / "serve.log",
        *("--faults", str(faults), "--control-token", TOKEN, "--journal-size", "2"),
    )
    base_url = served.api_url.removesuffix("/api")
    try:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            struck = client.post("/api/flows/filter", json={})
            for _ in range(3):
                client.get("/api/health")
            refused = client.get("/__mock/settings")
            settings = client.get("/__mock/settings", headers={"X-Mock-Token": TOKEN})
            journal = client.get("/__mock/requests", headers={"X-Mock-Token": TOKEN})
    finally:
        stop_mock_server(served)

    assert (struck.status_code, struck.json()) == (
        503,
        {"exception_message": "Service Unavailable"},
    )
    assert refused.status_code == 401
    assert settings.json()["journal_size"] == 2
    assert [e["operation"] for e in journal.json()] == ["health_check"] * 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read faults from"),
        ('[{"status": 999}]', "fault rule 0: status must be from 400 to 599"),
        ('[{"operation": "read_flowz", "drop": true}]', "did you mean read_flow"),
    ],
    ids=["not-json", "bad-rule", "unknown-operation"],
)
def test_a_bad_faults_file_stops_serve_with_its_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(content)

    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]
    result = subprocess.run(
        [*command, "--faults", str(faults)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
