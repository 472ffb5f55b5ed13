"""Run a scenario against a Prefect API over HTTP and record a transcript.

A scenario's paths and bodies hold placeholders such as ``{deployment_id}``,
filled from values captured out of earlier answers, and ``{run}``, a suffix
unique to each run so that the same scenario can run twice against one server
without its names colliding.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .scenarios import NO_BODY, Scenario, Step

KEPT_HEADERS = ("content-type", "location", "allow")
"""Response headers a transcript records; the others say nothing of behaviour."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class Transcript:
    """What one run of a scenario sent and received.

    :param scenario: the scenario's name.
    :param api_url: the API root the scenario ran against.
    :param run: the unique suffix substituted for ``{run}``.
    :param exchanges: one ``{"step", "request", "response"}`` record per step.
    """

    scenario: str
    api_url: str
    run: str
    exchanges: list[dict[str, Any]] = field(default_factory=list)


def run_scenario(
    scenario: Scenario, api_url: str, *, run: str | None = None
) -> Transcript:
    """Send every step of ``scenario`` to ``api_url`` and record the answers.

    A capture that finds nothing (say the server answered 404 where an id was
    expected) binds its variable to ``<missing:NAME>``, so later steps still
    run and the transcript shows where the servers parted ways.
    """
    transcript = Transcript(scenario.name, api_url, run or uuid.uuid4().hex[:8])
    variables = {"run": transcript.run}

    # One connection per request: after a 500 the real server drops the
    # connection, which would fail the next request on a pooled one.
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=api_url, timeout=30, limits=limits) as client:
        for step in scenario.steps:
            exchange = _exchange(client, step, variables)
            transcript.exchanges.append(exchange)
            _capture(step, exchange["response"].get("body"), variables)
    return transcript


def _exchange(
    client: httpx.Client, step: Step, variables: Mapping[str, str]
) -> dict[str, Any]:
    path = fill(step.path, variables)
    headers = {name: fill(value, variables) for name, value in step.headers.items()}
    request: dict[str, Any] = {"method": step.method, "path": path}

    if step.content is not None:
        request["content"] = step.content.decode("utf-8", errors="backslashreplace")
        answer = client.request(
            step.method, path, content=step.content, headers=headers
        )
    elif step.body is NO_BODY:
        answer = client.request(step.method, path, headers=headers)
    else:
        # Encoded here rather than by httpx, whose json=None sends no body.
        request["body"] = fill(step.body, variables)
        content = json.dumps(request["body"], separators=(",", ":")).encode()
        headers.setdefault("content-type", "application/json")
        answer = client.request(step.method, path, content=content, headers=headers)

    response = _response(answer)
    if step.only and isinstance(response.get("body"), list):
        wanted = {key: fill(value, variables) for key, value in step.only.items()}
        response["body"] = [item for item in response["body"] if _matches(item, wanted)]
    return {"step": step.name, "request": request, "response": response}


def _response(answer: httpx.Response) -> dict[str, Any]:
    response: dict[str, Any] = {
        "status": answer.status_code,
        "headers": {
            name: answer.headers[name]
            for name in KEPT_HEADERS
            if name in answer.headers
        },
    }
    if answer.content:
        try:
            response["body"] = answer.json()
        except ValueError:
            response["text"] = answer.text
    return response


def _matches(item: Any, wanted: Mapping[str, str]) -> bool:
    return isinstance(item, dict) and all(
        item.get(key) == value for key, value in wanted.items()
    )


def _capture(step: Step, body: Any, variables: dict[str, str]) -> None:
    for variable, where in step.capture.items():
        found = lookup(body, where)
        variables[variable] = (
            str(found) if found is not None else f"<missing:{variable}>"
        )


def lookup(document: Any, where: str) -> Any:
    """Follow a dotted path (``results.0.flow_run_id``) into a JSON value.

    :returns: the value found, or ``None`` when the path leads nowhere.
    """
    current = document
    for part in where.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def fill(template: Any, variables: Mapping[str, str]) -> Any:
    """Replace ``{name}`` placeholders in every string of a JSON value.

    :raises KeyError: when a placeholder names no variable, which is a
        mistake in the scenario rather than in a server.
    """
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda match: variables[match.group(1)], template)
    if isinstance(template, list):
        return [fill(item, variables) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, variables) for key, value in template.items()}
    return template
