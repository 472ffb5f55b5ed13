"""Make related fields of one generated Prefect object agree with each other.

Schemas cannot say that a flow run's ``state_type`` equals ``state.type`` or
that ``created`` precedes ``updated``; Prefect's server guarantees it. The
rules here restore such relations after an object has been generated. They
are chosen once, when an object schema is compiled, from the property names
it declares (``rules_for``), and they run on every instance of it.

Two promises hold for every rule:

* a rule never makes an instance invalid: it writes a value only into a
  field that is already present and only when that field's schema admits
  the value (:meth:`Edit.put`);
* pinned values win: a rule never overwrites a pinned field, and when one
  side of a relation is pinned the other side follows it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from random import Random
from typing import Any

from mockserver.generation import formats, providers
from mockserver.generation.formats import format_timestamp, parse_timestamp
from mockserver.generation.predicates import Predicate

JSON = Any
NOTHING_PINNED: frozenset[str] = frozenset()

_TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})
_UNDERWAY = frozenset({"RUNNING", "PAUSED", "CANCELLING"})
_NOT_STARTED = frozenset({"SCHEDULED", "PENDING"})
_TYPE_OF_NAME = {
    name: kind for kind, names in providers.STATE_NAMES.items() for name in names
}
_REFERENCE_PAIRS = (
    ("deployment_id", "deployment_version", False),
    ("work_queue_id", "work_queue_name", True),
    ("work_pool_id", "work_pool_name", True),
)
_ORDERED_PAIRS = (
    ("created", "updated"),
    ("start_time", "end_time"),
    ("interval_start", "interval_end"),
)


class Facts:
    """What one object schema says about its properties, looked up lazily.

    :param predicate: returns the membership test of a property's schema, or
        ``None`` for an undeclared property.
    :param child: returns the facts of the object schema a property's value
        is an instance of, or ``None`` when it is not an object schema.
    :param create: returns a freshly generated object for a property, or
        ``None`` when its schema admits no object.
    """

    __slots__ = ("_checks", "_child", "_children", "_predicate", "create")

    def __init__(
        self,
        predicate: Callable[[str], Predicate | None],
        child: Callable[[str], Facts | None],
        create: Callable[[str], JSON] = lambda key: None,
    ) -> None:
        self._predicate = predicate
        self._child = child
        self.create = create
        self._checks: dict[str, Predicate | None] = {}
        self._children: dict[str, Facts | None] = {}

    def admits(self, key: str, value: JSON) -> bool:
        """Return whether property ``key`` may hold ``value``."""
        if key in self._checks:
            check = self._checks[key]
        else:
            check = self._checks[key] = self._predicate(key)
        return check is not None and check(value)

    def child(self, key: str) -> Facts | None:
        """Return the facts of the object held by property ``key``, or of each
        object in the array it holds."""
        if key not in self._children:
            self._children[key] = self._child(key)
        return self._children[key]


class Edit:
    """One generated object under repair: its facts, pins and random source."""

    __slots__ = ("facts", "obj", "pinned", "rng")

    def __init__(
        self,
        obj: dict[str, JSON],
        facts: Facts,
        rng: Random,
        pinned: frozenset[str] = NOTHING_PINNED,
    ) -> None:
        self.obj = obj
        self.facts = facts
        self.rng = rng
        self.pinned = pinned

    def fixed(self, key: str) -> bool:
        """Return whether ``key`` is pinned and so must not change."""
        return key in self.pinned

    def put(self, key: str, value: JSON) -> bool:
        """Write ``value`` into a present, unpinned field that admits it."""
        obj = self.obj
        if key not in obj or key in self.pinned:
            return False
        current = obj[key]
        if current == value and type(current) is type(value):
            return True
        if not self.facts.admits(key, value):
            return False
        obj[key] = value
        return True

    def child(self, key: str) -> Edit | None:
        """Return an edit of the object held by ``key``, if it holds one."""
        value = self.obj.get(key)
        if not isinstance(value, dict):
            return None
        facts = self.facts.child(key)
        if facts is None:
            return None
        pinned = self.pinned
        if pinned:
            prefix = key + "."
            pinned = frozenset(
                path[len(prefix) :] for path in pinned if path.startswith(prefix)
            )
        return Edit(value, facts, self.rng, pinned)

    def create(self, key: str) -> Edit | None:
        """Generate an object for a present, unpinned field that holds none."""
        if isinstance(self.obj.get(key), dict):
            return self.child(key)
        value = self.facts.create(key)
        if not isinstance(value, dict) or not self.put(key, value):
            return None
        return self.child(key)

    def items(self, key: str) -> list[Edit]:
        """Return edits of the objects in the array held by ``key``."""
        values = self.obj.get(key)
        facts = self.facts.child(key)
        if not isinstance(values, list) or facts is None:
            return []
        edits = []
        for index, value in enumerate(values):
            if isinstance(value, dict):
                prefix = f"{key}.{index}."
                pinned = frozenset(
                    path[len(prefix) :]
                    for path in self.pinned
                    if path.startswith(prefix)
                )
                edits.append(Edit(value, facts, self.rng, pinned))
        return edits


Rule = Callable[[Edit], None]


def unify(left: Edit, left_key: str, right: Edit, right_key: str) -> None:
    """Make two present fields equal; the right side leads unless only the
    left side is pinned."""
    if left_key not in left.obj or right_key not in right.obj:
        return
    left_value, right_value = left.obj[left_key], right.obj[right_key]
    if left_value == right_value:
        return
    if left.fixed(left_key) and not right.fixed(right_key):
        right.put(right_key, left_value)
    else:
        left.put(left_key, right_value)


def state_rule(edit: Edit) -> None:
    """A state's name and message belong to its type; only scheduled states
    carry a scheduled time."""
    obj = edit.obj
    kind = obj.get("type")
    name = obj.get("name")
    names = providers.STATE_NAMES.get(kind) if isinstance(kind, str) else None
    if "name" in obj and names is not None and name not in names:
        if edit.fixed("name") and not edit.fixed("type") and name in _TYPE_OF_NAME:
            edit.put("type", _TYPE_OF_NAME[name])
            kind = obj.get("type")
        else:
            edit.put("name", providers.state_name(edit.rng, kind))
    messages = providers.state_messages(kind) if isinstance(kind, str) else ()
    if messages and obj.get("message") not in messages:
        edit.put("message", providers.state_message(edit.rng, kind))

    details = edit.child("state_details")
    if details is None or "scheduled_time" not in details.obj:
        return
    if kind != "SCHEDULED":
        details.put("scheduled_time", None)
    elif details.obj["scheduled_time"] is None:
        moment = parse_timestamp(obj.get("timestamp"))
        if moment is not None:
            later = moment + 60 + edit.rng.random() * 3600
            details.put("scheduled_time", format_timestamp(later))


def flow_run_rule(edit: Edit) -> None:
    """A flow run mirrors its state and keeps a timeline that fits it."""
    obj = edit.obj
    state = edit.child("state")
    if state is None and any(
        edit.fixed(key) and obj.get(key) is not None
        for key in ("state_type", "state_name", "state_id")
    ):
        # A pinned state field implies the run has a state to mirror.
        state = edit.create("state")
    if state is not None:
        unify(edit, "state_type", state, "type")
        state_rule(state)
        unify(edit, "state_name", state, "name")
        _name_without_state_name(edit, state)
        unify(edit, "state_id", state, "id")
        details = state.child("state_details")
        if details is not None:
            unify(details, "flow_run_id", edit, "id")
    elif obj.get("state", 0) is None:
        for key in ("state_id", "state_type", "state_name"):
            edit.put(key, None)
    _timeline(edit, state)
    _paired_references(edit)


def _paired_references(edit: Edit) -> None:
    # Prefect fills a run's pool and queue id and name together; a run of no
    # deployment has no deployment version.
    obj = edit.obj
    for key, companion, both_ways in _REFERENCE_PAIRS:
        if key not in obj or companion not in obj:
            continue
        missing_key, missing_companion = obj[key] is None, obj[companion] is None
        if missing_key and not missing_companion:
            edit.put(companion, None)
        elif missing_companion and not missing_key and both_ways:
            if edit.fixed(key) and not edit.fixed(companion):
                continue
            edit.put(key, None)


def _name_without_state_name(edit: Edit, state: Edit) -> None:
    kind = state.obj.get("type")
    names = providers.STATE_NAMES.get(kind) if isinstance(kind, str) else None
    if names and "name" not in state.obj and edit.obj.get("state_name") not in names:
        edit.put("state_name", providers.state_name(edit.rng, kind))


def _timeline(edit: Edit, state: Edit | None) -> None:
    obj = edit.obj
    kind = state.obj.get("type") if state is not None else obj.get("state_type")
    if kind in _NOT_STARTED:
        _not_started(edit, state)
    elif kind in _UNDERWAY or kind in _TERMINAL:
        _started(edit, kind)
    for key in ("total_run_time", "estimated_run_time", "estimated_start_time_delta"):
        value = obj.get(key)
        if isinstance(value, int | float) and value < 0:
            edit.put(key, 0.0)


def _not_started(edit: Edit, state: Edit | None) -> None:
    for key in ("start_time", "end_time"):
        edit.put(key, None)
    edit.put("run_count", 0)
    edit.put("total_run_time", 0.0)
    if state is None or state.obj.get("type") != "SCHEDULED":
        edit.put("next_scheduled_start_time", None)
        return
    details = state.child("state_details")
    if details is not None and details.obj.get("scheduled_time") is None:
        unify(details, "scheduled_time", edit, "expected_start_time")
    elif details is not None:
        unify(edit, "expected_start_time", details, "scheduled_time")
    unify(edit, "next_scheduled_start_time", edit, "expected_start_time")


def _started(edit: Edit, kind: str) -> None:
    obj = edit.obj
    start = parse_timestamp(obj.get("start_time"))
    if start is None and "start_time" in obj:
        expected = parse_timestamp(obj.get("expected_start_time"))
        base = expected if expected is not None else parse_timestamp(obj.get("created"))
        if base is not None:
            candidate = base + edit.rng.random() * 30
            if edit.put("start_time", format_timestamp(candidate)):
                start = candidate
    edit.put("next_scheduled_start_time", None)
    if start is not None:
        _follow_start(edit, start)
    if obj.get("run_count") == 0:
        edit.put("run_count", 1)

    if kind in _UNDERWAY:
        edit.put("end_time", None)
        return
    end = parse_timestamp(obj.get("end_time"))
    if start is None:
        return
    if end is None and "end_time" in obj:
        candidate = start + edit.rng.random() * 600
        if edit.put("end_time", format_timestamp(candidate)):
            end = candidate
    if end is not None and end >= start:
        elapsed = round(end - start, 6)
        edit.put("total_run_time", elapsed)
        edit.put("estimated_run_time", elapsed)


def _follow_start(edit: Edit, start: float) -> None:
    # A run starts at or after its expected start; the gap is its lateness.
    expected = parse_timestamp(edit.obj.get("expected_start_time"))
    if expected is not None and expected > start:
        earlier = start - edit.rng.random() * 60
        if edit.put("expected_start_time", format_timestamp(earlier)):
            expected = earlier
    if expected is not None and expected <= start:
        edit.put("estimated_start_time_delta", round(start - expected, 6))


def ordering_rule(edit: Edit) -> None:
    """Pairs such as ``created``/``updated`` never run backwards."""
    obj = edit.obj
    for first, second in _ORDERED_PAIRS:
        early = parse_timestamp(obj.get(first))
        late = parse_timestamp(obj.get(second))
        if early is None or late is None or early <= late:
            continue
        early_text, late_text = obj[first], obj[second]
        if edit.fixed(first) and not edit.fixed(second):
            edit.put(second, early_text)
        elif edit.fixed(second) and not edit.fixed(first):
            edit.put(first, late_text)
        elif edit.facts.admits(first, late_text) and edit.facts.admits(
            second, early_text
        ):
            edit.put(first, late_text)
            edit.put(second, early_text)


def deployment_rule(edit: Edit) -> None:
    """A deployment's schedules point back at it; its parameter schema
    describes its parameters."""
    obj = edit.obj
    for schedule in edit.items("schedules"):
        unify(schedule, "deployment_id", edit, "id")
    parameters = obj.get("parameters")
    if isinstance(parameters, dict) and isinstance(
        obj.get("parameter_openapi_schema"), dict
    ):
        edit.put(
            "parameter_openapi_schema",
            providers.parameter_openapi_schema(parameters),
        )
    # Prefect 3 documents the field as "always None for backwards compatibility".
    edit.put("concurrency_limit", None)


def paused_rule(edit: Edit) -> None:
    """A paused pool or queue reports the PAUSED status, and only then."""
    obj = edit.obj
    paused = obj.get("is_paused")
    status = obj.get("status")
    if paused is True and status != "PAUSED":
        if edit.fixed("status") and not edit.fixed("is_paused"):
            edit.put("is_paused", False)
        else:
            edit.put("status", "PAUSED")
    elif paused is False and status == "PAUSED":
        if edit.fixed("status") and not edit.fixed("is_paused"):
            edit.put("is_paused", True)
        else:
            edit.put("status", "READY")


def run_policy_rule(edit: Edit) -> None:
    """Deprecated retry fields mirror the current ones.

    Prefect copies ``max_retries`` into ``retries`` and ``retry_delay_seconds``
    into ``retry_delay`` when the latter are unset, on the server and in the
    client; a policy where they disagree would parse differently.
    """
    obj = edit.obj
    for current, deprecated in (
        ("retries", "max_retries"),
        ("retry_delay", "retry_delay_seconds"),
    ):
        value = obj.get(current)
        if edit.fixed(deprecated) and not edit.fixed(current):
            old = obj.get(deprecated)
            if isinstance(old, int | float) and float(old).is_integer() and old:
                edit.put(current, int(old))
        else:
            edit.put(deprecated, value if isinstance(value, int) else 0)


def work_pool_rule(edit: Edit) -> None:
    """Active slots exist only under a concurrency limit, and stay under it;
    every pool names its default queue."""
    obj = edit.obj
    # Prefect creates a default queue with every pool, and its client refuses
    # a pool without one, although the document types the id as nullable.
    if obj.get("default_queue_id", 0) is None:
        edit.put("default_queue_id", formats.uuid4(edit.rng))
    limit = obj.get("concurrency_limit")
    slots = obj.get("active_slots")
    if limit is None:
        edit.put("active_slots", None)
    elif isinstance(limit, int) and (not isinstance(slots, int) or slots > limit):
        edit.put("active_slots", int(edit.rng.random() * (limit + 1)))


def slots_rule(edit: Edit) -> None:
    """A concurrency limit never has more active slots than its limit."""
    limit, slots = edit.obj.get("limit"), edit.obj.get("active_slots")
    if isinstance(limit, int) and isinstance(slots, int) and slots > limit:
        edit.put("active_slots", int(edit.rng.random() * (limit + 1)))


def worker_flow_run_rule(edit: Edit) -> None:
    """A worker's run belongs to the pool and queue the answer names."""
    run = edit.child("flow_run")
    if run is not None:
        unify(run, "work_pool_id", edit, "work_pool_id")
        unify(run, "work_queue_id", edit, "work_queue_id")


def pagination_rule(edit: Edit) -> None:
    """A page's counts agree with its results and with each other."""
    obj = edit.obj
    results, count, limit = obj.get("results"), obj.get("count"), obj.get("limit")
    if isinstance(results, list) and isinstance(count, int) and count < len(results):
        edit.put("count", len(results))
        count = obj.get("count")
    if isinstance(count, int) and isinstance(limit, int) and limit > 0:
        edit.put("pages", math.ceil(count / limit))
    pages, page = obj.get("pages"), obj.get("page")
    if isinstance(pages, int) and isinstance(page, int) and page > max(pages, 1):
        edit.put("page", max(pages, 1))


_RULES: tuple[tuple[frozenset[str], Rule], ...] = (
    (frozenset({"type", "name", "state_details"}), state_rule),
    (frozenset({"flow_id", "state"}), flow_run_rule),
    (frozenset({"flow_id", "state_type"}), flow_run_rule),
    (frozenset({"flow_id", "schedules"}), deployment_rule),
    (frozenset({"is_paused", "status"}), paused_rule),
    (frozenset({"concurrency_limit", "active_slots"}), work_pool_rule),
    (frozenset({"default_queue_id"}), work_pool_rule),
    (frozenset({"retry_delay", "retry_delay_seconds"}), run_policy_rule),
    (frozenset({"limit", "active_slots"}), slots_rule),
    (frozenset({"flow_run", "work_pool_id", "work_queue_id"}), worker_flow_run_rule),
    (frozenset({"results", "count", "limit", "pages", "page"}), pagination_rule),
)


def rules_for(properties: Mapping[str, JSON]) -> tuple[Rule, ...]:
    """Return the rules that apply to objects declaring ``properties``."""
    names = frozenset(properties)
    chosen: list[Rule] = []
    for needed, rule in _RULES:
        if needed <= names and rule not in chosen:
            chosen.append(rule)
    if any(first in names and second in names for first, second in _ORDERED_PAIRS):
        chosen.append(ordering_rule)
    return tuple(chosen)


def apply_rules(rules: tuple[Rule, ...], edit: Edit) -> None:
    """Run ``rules`` on one object, in order."""
    for rule in rules:
        rule(edit)


__all__ = [
    "NOTHING_PINNED",
    "Edit",
    "Facts",
    "Rule",
    "apply_rules",
    "deployment_rule",
    "flow_run_rule",
    "ordering_rule",
    "pagination_rule",
    "paused_rule",
    "rules_for",
    "run_policy_rule",
    "slots_rule",
    "state_rule",
    "unify",
    "work_pool_rule",
    "worker_flow_run_rule",
]
