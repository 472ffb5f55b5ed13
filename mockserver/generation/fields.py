"""Field-aware values: which provider fits a property, judged by its name.

A :class:`Hint` names the property being generated and the concept of the
object that owns it (``flow_run``, ``deployment``, ...; read from the object
schema's title). The tables here turn a hint into a provider, a numeric
range, a date-time window or a probability. Everything is decided when a
schema is compiled; nothing here runs per instance.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import Any, NamedTuple

from mockserver.generation import providers

JSON = Any
DAY = 86400.0


class Hint(NamedTuple):
    """The property being generated and the concept of its owner."""

    owner: str | None = None
    field: str | None = None


NO_HINT = Hint()

_CONCEPTS = (
    ("FlowRun", "flow_run"),
    ("Deployment", "deployment"),
    ("WorkPool", "work_pool"),
    ("WorkQueue", "work_queue"),
    ("Worker", "worker"),
    ("Flow", "flow"),
    ("State", "state"),
    ("CreatedBy", "creator"),
    ("UpdatedBy", "creator"),
    ("Schedule", "schedule"),
)


def concept(title: object) -> str | None:
    """Return the concept an object schema's title names, e.g.
    ``'flow_run'`` for ``'FlowRunResponse'``."""
    if not isinstance(title, str):
        return None
    for marker, name in _CONCEPTS:
        if marker in title:
            return name
    return None


StringSource = Callable[[Random], str] | tuple[str, ...]


def _hex_key(rng: Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _idempotency_key(rng: Random) -> str:
    return f"{providers.slug(rng)}-{rng.getrandbits(32):08x}"


def _traceparent(rng: Random) -> str:
    return f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01"


def _infrastructure_pid(rng: Random) -> str:
    return f"{providers.work_pool_name(rng)}:{1000 + int(rng.random() * 60000)}"


def _display_value(rng: Random) -> str:
    return providers.deployment_name(rng)


def _generic_string(rng: Random) -> str:
    return providers.slug(rng)


_NAMES: dict[str | None, StringSource] = {
    "flow_run": providers.flow_run_name,
    "deployment": providers.deployment_name,
    "flow": providers.flow_name,
    "work_pool": providers.work_pool_name,
    "work_queue": providers.work_queue_name,
    "worker": providers.worker_name,
    "state": tuple(names[0] for names in providers.STATE_NAMES.values()),
    "schedule": providers.slug,
}

_STRINGS: dict[str, StringSource] = {
    "flow_name": providers.flow_name,
    "deployment_name": providers.deployment_name,
    "flow_run_name": providers.flow_run_name,
    "state_name": tuple(names[0] for names in providers.STATE_NAMES.values()),
    "work_pool_name": providers.work_pool_name,
    "work_queue_name": providers.work_queue_name,
    "tag": providers.tag,
    "tags": providers.tag,
    "cron": providers.cron,
    "timezone": providers.TIMEZONES,
    "rrule": providers.rrule,
    "slug": providers.slug,
    "url": providers.url,
    "api_url": providers.url,
    "version": providers.semantic_version,
    "flow_version": providers.semantic_version,
    "deployment_version": providers.semantic_version,
    "description": providers.description,
    "entrypoint": providers.entrypoint,
    "path": ("/opt/prefect/flows", ".", "/srv/pipelines", "s3://flows-bucket/etl"),
    "message": lambda rng: providers.state_message(rng) or "Run started",
    "idempotency_key": _idempotency_key,
    "infrastructure_pid": _infrastructure_pid,
    "display_value": _display_value,
    "key": _hex_key,
    "cache_key": _hex_key,
    "pause_key": _hex_key,
    "pause_keys": _hex_key,
    "task_key": _hex_key,
    "dynamic_key": _hex_key,
    "traceparent": _traceparent,
    "detail": ("Flow run not found", "Deployment not found", "Not found"),
    "msg": ("Field required", "Input should be a valid UUID"),
}
_OWNED_STRINGS: dict[tuple[str | None, str], StringSource] = {
    ("work_pool", "type"): providers.work_pool_type,
    ("creator", "type"): ("DEPLOYMENT", "AUTOMATION", "USER"),
}


def string_source(hint: Hint) -> StringSource | None:
    """Return the provider (a function or a finite tuple) for a string field."""
    field = hint.field
    if not field:
        return None
    owned = _OWNED_STRINGS.get((hint.owner, field))
    if owned is not None:
        return owned
    if field == "name":
        return _NAMES.get(hint.owner, _generic_string)
    source = _STRINGS.get(field)
    if source is None and field.endswith("_url"):
        return providers.url
    return source


def _pull_step(rng: Random) -> dict[str, JSON]:
    return {
        "prefect.deployments.steps.set_working_directory": {
            "directory": providers.pick(rng, ("/opt/prefect/flows", "/srv/app"))
        }
    }


def _context(rng: Random) -> dict[str, JSON]:
    return {} if rng.random() < 0.6 else {"origin": providers.slug(rng)}


def _base_job_template(rng: Random) -> dict[str, JSON]:
    return {
        "job_configuration": {"command": "{{ command }}", "env": "{{ env }}"},
        "variables": {
            "type": "object",
            "properties": {
                "command": {"type": "string", "title": "Command"},
                "env": {"type": "object", "title": "Environment Variables"},
            },
        },
    }


def _parameter_schema(rng: Random) -> dict[str, JSON]:
    return providers.parameter_openapi_schema(providers.flow_parameters(rng))


def _run_input_keyset(rng: Random) -> dict[str, JSON]:
    key = f"{rng.getrandbits(32):08x}"
    return {"response": f"{key}-response", "schema": f"{key}-schema"}


_OBJECTS: dict[str, Callable[[Random], dict[str, JSON]]] = {
    "parameters": providers.flow_parameters,
    "job_variables": providers.job_variables,
    "labels": providers.labels,
    "parameter_openapi_schema": _parameter_schema,
    "context": _context,
    "base_job_template": _base_job_template,
    "pull_steps": _pull_step,
    "run_input_keyset": _run_input_keyset,
}


def object_source(hint: Hint) -> Callable[[Random], dict[str, JSON]] | None:
    """Return the provider of a free-form object field (one without properties)."""
    return _OBJECTS.get(hint.field or "")


def item_hint(hint: Hint) -> Hint:
    """Return the hint for the items of an array field (``tags`` -> ``tag``)."""
    if hint.field == "tags":
        return Hint(hint.owner, "tag")
    return hint


_INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "run_count": (0, 5),
    "retries": (0, 3),
    "max_retries": (0, 3),
    "retry_delay": (0, 60),
    "priority": (1, 100),
    "concurrency_limit": (1, 50),
    "limit": (1, 50),
    "active_slots": (0, 10),
    "slots": (1, 10),
    "count": (0, 200),
    "pages": (1, 20),
    "page": (1, 20),
    "offset": (0, 100),
    "max_scheduled_runs": (1, 100),
    "flow_run_count": (0, 50),
    "late_runs_count": (0, 10),
}
_NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "total_run_time": (0.0, 3600.0),
    "estimated_run_time": (0.0, 3600.0),
    "estimated_start_time_delta": (0.0, 120.0),
    "retry_delay_seconds": (0.0, 60.0),
    "interval": (60.0, 86400.0),
    "slot_decay_per_second": (0.0, 1.0),
}


def number_range(hint: Hint, integer: bool) -> tuple[float, float]:
    """Return the natural range of a numeric field (before schema bounds)."""
    field = hint.field or ""
    if integer:
        low, high = _INTEGER_RANGES.get(field, (0, 100))
        return float(low), float(high)
    return _NUMBER_RANGES.get(field, (0.0, 1000.0))


_WINDOWS: dict[str, tuple[float, float]] = {
    "created": (-90 * DAY, -1 * DAY),
    "updated": (-1 * DAY, 0.0),
    "start_time": (-7 * DAY, -1 * DAY),
    "end_time": (-1 * DAY, 0.0),
    "expected_start_time": (-7 * DAY, 7 * DAY),
    "next_scheduled_start_time": (0.0, 7 * DAY),
    "scheduled_time": (-7 * DAY, 7 * DAY),
    "timestamp": (-1 * DAY, 0.0),
    "last_polled": (-1 * DAY, 0.0),
    "last_heartbeat_time": (-3600.0, 0.0),
    "pause_timeout": (0.0, DAY),
    "cache_expiration": (0.0, 30 * DAY),
    "anchor_date": (-365 * DAY, 0.0),
}


def datetime_window(hint: Hint) -> tuple[float, float]:
    """Return where a date-time field falls, in seconds around the anchor."""
    return _WINDOWS.get(hint.field or "", (-30 * DAY, 0.0))


_TRUE_PROBABILITIES = {
    "paused": 0.15,
    "is_paused": 0.15,
    "enforce_parameter_schema": 0.8,
    "active": 0.85,
    "healthy": 0.8,
    "auto_scheduled": 0.5,
}


def true_probability(hint: Hint) -> float:
    """Return how often a boolean field is ``true``."""
    return _TRUE_PROBABILITIES.get(hint.field or "", 0.5)


__all__ = [
    "NO_HINT",
    "Hint",
    "StringSource",
    "concept",
    "datetime_window",
    "item_hint",
    "number_range",
    "object_source",
    "string_source",
    "true_probability",
]
