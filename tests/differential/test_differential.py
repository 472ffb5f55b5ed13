"""The mock answers every scripted scenario exactly as the real Prefect server does.

A difference is a failure unless ``known_differences.json`` lists it with a
reason. Each entry names a scenario, a step and a path prefix inside the
exchange, for example::

    {"scenario": "protocol", "step": "create with an array body (500)",
     "path": "response", "reason": "the mock answers 422 where Prefect crashes"}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import pytest

from .normalize import Difference, differences, normalize
from .runner import run_scenario
from .scenarios import PORTABLE_SCENARIOS, SCENARIOS, Scenario

KNOWN_DIFFERENCES = Path(__file__).with_name("known_differences.json")


class _Server(Protocol):
    @property
    def api_url(self) -> str: ...


def _known(scenario: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(KNOWN_DIFFERENCES.read_text())
    for entry in entries:
        if not entry.get("reason"):
            raise ValueError(f"known difference without a reason: {entry!r}")
    return [entry for entry in entries if entry["scenario"] == scenario]


def _allowed(difference: Difference, known: list[dict[str, Any]]) -> bool:
    return any(
        entry["step"] == difference.step and difference.path.startswith(entry["path"])
        for entry in known
    )


def _report(found: list[Difference]) -> str:
    return "\n".join(str(difference) for difference in found)


@pytest.mark.reference
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_mock_answers_like_the_real_server(
    scenario: Scenario, reference_server: _Server, mock_server: _Server
) -> None:
    real = normalize(run_scenario(scenario, reference_server.api_url))
    mock = normalize(run_scenario(scenario, mock_server.api_url))

    known = _known(scenario.name)
    unexpected = [d for d in differences(real, mock) if not _allowed(d, known)]

    assert not unexpected, _report(unexpected)


@pytest.mark.reference
@pytest.mark.parametrize(
    "scenario", PORTABLE_SCENARIOS, ids=lambda scenario: scenario.name
)
def test_mock_answers_like_the_real_prefect_2_server(
    scenario: Scenario, reference_server_2: _Server, mock_server_2: _Server
) -> None:
    real = normalize(run_scenario(scenario, reference_server_2.api_url))
    mock = normalize(run_scenario(scenario, mock_server_2.api_url))

    found = differences(real, mock)

    assert not found, _report(found)


@pytest.mark.reference
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_two_runs_on_the_real_server_normalize_alike(
    scenario: Scenario, reference_server: _Server
) -> None:
    first = normalize(run_scenario(scenario, reference_server.api_url))
    second = normalize(run_scenario(scenario, reference_server.api_url))

    assert not differences(first, second), _report(differences(first, second))
