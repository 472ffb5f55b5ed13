"""Fault injection: make the mock slow, failing or unreachable on purpose.

A :class:`FaultRule` strikes one operation, or every operation, with a
probability: it adds latency (fixed, or drawn uniformly from a range), answers
a status with the body the real server sends for it, or drops the connection
without answering. A :class:`FaultPlan` is a list of rules and the seed of
their draws, read from JSON::

    {"seed": 7, "rules": [
        {"operation": "create_flow_run_from_deployment", "status": 503,
         "probability": 0.5},
        {"latency_ms": [50, 200]},
        {"operation": "read_flow_run", "drop": true, "times": 2}
    ]}

Rules are tried in order for each call. The latencies of every rule that
fires add up; the first firing rule with a status or a drop decides the
answer. ``times`` caps how often a rule fires, which makes "fail twice, then
succeed" exact. Faults strike validated calls, where the real server's
database fails: a request that breaks its contract still answers 422.

The Prefect client retries 408, 429, 502 and 503 answers, and dropped
connections, up to five times (``PREFECT_CLIENT_MAX_RETRIES``) with
exponential backoff (2, 4, 8 ... seconds, or the ``Retry-After`` header's
value). A rule that should reach the caller's code must therefore fire six
times in a row, or answer another status; ``"headers": {"Retry-After": "0"}``
makes the retries immediate.

:class:`FaultInjector` is a responder that applies a plan in front of
another responder; its draws come from one seeded generator, so a sequence
of requests meets the same faults on every run.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from mockserver.errors import FaultError
from mockserver.exchange import JSON, Call, Reply, Responder

__all__ = [
    "RETRIED_STATUSES",
    "ConnectionDropped",
    "FaultInjector",
    "FaultPlan",
    "FaultRule",
    "InjectedReply",
    "real_body",
]

RETRIED_STATUSES = (408, 429, 502, 503)
"""The statuses the Prefect client retries, up to five times with backoff."""

_REAL_BODIES: Mapping[int, JSON] = {
    # Prefect's handler of unexpected exceptions: a retryable database error
    # (a locked SQLite file, a lost connection) answers 503, any other 500.
    500: {"exception_message": "Internal Server Error"},
    503: {"exception_message": "Service Unavailable"},
    # What a server started with PREFECT_SERVER_API_AUTH_STRING answers.
    401: {"exception_message": "Unauthorized"},
}

_RULE_KEYS = (
    "operation",
    "probability",
    "latency_ms",
    "status",
    "body",
    "headers",
    "drop",
    "times",
)


def real_body(status: int) -> JSON:
    """Return the body a real Prefect server answers ``status`` with.

    Prefect's own handlers answer 401, 500 and 503 with an
    ``exception_message``; any other error status comes from Starlette's
    ``HTTPException``, whose body is ``{"detail": REASON}``.

    >>> real_body(503)
    {'exception_message': 'Service Unavailable'}
    >>> real_body(429)
    {'detail': 'Too Many Requests'}
    """
    if status in _REAL_BODIES:
        return _REAL_BODIES[status]
    try:
        return {"detail": HTTPStatus(status).phrase}
    except ValueError:
        return {"detail": str(status)}


@dataclass(frozen=True, kw_only=True)
class FaultRule:
    """One fault: what it strikes, how often, and what it does.

    :param operation: the operation struck, ``None`` for every operation.
    :param probability: the chance, from 0 to 1, that the rule fires on a call.
    :param latency_ms: the delay added, as a ``(low, high)`` range in
        milliseconds drawn uniformly; a fixed delay has ``low == high``.
    :param status: the status answered instead of the responder's reply.
    :param body: the body answered with ``status``; ``None`` for
        :func:`real_body`.
    :param headers: extra headers answered with ``status``.
    :param drop: close the connection without answering.
    :param times: fire at most this many times, ``None`` for no limit.
    """

    operation: str | None = None
    probability: float = 1.0
    latency_ms: tuple[float, float] | None = None
    status: int | None = None
    body: JSON = None
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False
    times: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.probability <= 1:
            raise FaultError(
                f"probability must be between 0 and 1, not {self.probability!r}"
            )
        if self.latency_ms is not None:
            low, high = self.latency_ms
            if not 0 <= low <= high:
                raise FaultError(
                    f"latency_ms must be a delay or a [low, high] range of "
                    f"delays from 0 up, not {list(self.latency_ms)!r}"
                )
        if self.status is not None and not 400 <= self.status <= 599:
            raise FaultError(f"status must be from 400 to 599, not {self.status!r}")
        if self.times is not None and self.times < 1:
            raise FaultError(f"times must be 1 or more, not {self.times!r}")
        self._check_effect()

    def _check_effect(self) -> None:
        if self.status is not None and self.drop:
            raise FaultError("a rule either answers a status or drops, not both")
        if self.status is None and (self.body is not None or self.headers):
            raise FaultError("body and headers need a status to answer with")
        if self.status is None and not self.drop and self.latency_ms is None:
            raise FaultError(
                "a rule does nothing without latency_ms, status or drop: "
                f"{self.to_json()!r}"
            )

    @property
    def answers(self) -> bool:
        """Whether the rule replaces the answer (a status or a drop)."""
        return self.status is not None or self.drop

    def strikes(self, operation: str) -> bool:
        """Tell whether the rule applies to ``operation``."""
        return self.operation is None or self.operation == operation

    def reply(self) -> InjectedReply:
        """Return the reply the rule answers with; only for a status rule."""
        if self.status is None:
            raise FaultError("only a rule with a status has a reply")
        body = real_body(self.status) if self.body is None else self.body
        return InjectedReply(self.status, body, dict(self.headers), rule=self)

    def describe(self) -> str:
        """Return the rule in a few words, for logs and the dashboard.

        >>> FaultRule(status=503, probability=0.25).describe()
        'every operation: answer 503, 25% of calls'
        """
        parts = []
        if self.latency_ms is not None:
            low, high = self.latency_ms
            delay = f"{low:g}" if low == high else f"{low:g} to {high:g}"
            parts.append(f"wait {delay} ms")
        if self.status is not None:
            parts.append(f"answer {self.status}")
        if self.drop:
            parts.append("drop the connection")
        if self.probability < 1:
            parts.append(f"{self.probability:.0%} of calls")
        if self.times is not None:
            parts.append(f"at most {self.times} times")
        return f"{self.operation or 'every operation'}: {', '.join(parts)}"

    def to_json(self) -> dict[str, JSON]:
        """Return the rule as :meth:`from_json` reads it, defaults left out."""
        document: dict[str, JSON] = {"operation": self.operation}
        if self.probability != 1:
            document["probability"] = self.probability
        if self.latency_ms is not None:
            low, high = self.latency_ms
            document["latency_ms"] = low if low == high else [low, high]
        if self.status is not None:
            document["status"] = self.status
        if self.body is not None:
            document["body"] = self.body
        if self.headers:
            document["headers"] = dict(self.headers)
        if self.drop:
            document["drop"] = True
        if self.times is not None:
            document["times"] = self.times
        return document

    @classmethod
    def from_json(cls, document: JSON) -> FaultRule:
        """Read a rule from its JSON form.

        :raises FaultError: for a key it does not know, a value of the wrong
            type, or a rule that does nothing.
        """
        if not isinstance(document, Mapping):
            raise FaultError(f"a fault rule is a JSON object, not {document!r}")
        unknown = sorted(set(document) - set(_RULE_KEYS))
        if unknown:
            raise FaultError(
                f"unknown keys {', '.join(map(repr, unknown))} in fault rule; "
                f"expected some of {', '.join(_RULE_KEYS)}"
            )

        return cls(
            operation=_optional(document, "operation", str),
            probability=float(_optional(document, "probability", (int, float), 1)),
            latency_ms=_latency(document.get("latency_ms")),
            status=_optional(document, "status", int),
            body=document.get("body"),
            headers=_headers(document.get("headers")),
            drop=bool(_optional(document, "drop", bool, False)),
            times=_optional(document, "times", int),
        )


def _optional(
    document: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    default: Any = None,
) -> Any:
    value = document.get(key)
    if value is None:
        return default
    # JSON's true is no status: bool is an int in Python.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise FaultError(f"fault rule key {key!r} has the wrong type: {value!r}")
    return value


def _latency(value: JSON) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (float(value), float(value))
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return (float(value[0]), float(value[1]))
    raise FaultError(
        f"latency_ms must be a number or a [low, high] pair, not {value!r}"
    )


def _headers(value: JSON) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(v, str) for v in value.values()
    ):
        raise FaultError(f"headers must map names to strings, not {value!r}")
    return dict(value)


@dataclass(frozen=True)
class FaultPlan:
    """The fault rules in force and the seed of their draws.

    :param rules: the rules, tried in order.
    :param seed: the seed of the draws; ``None`` takes the server's seed.
    """

    rules: tuple[FaultRule, ...] = ()
    seed: int | None = None

    @classmethod
    def from_json(cls, document: JSON) -> FaultPlan:
        """Read ``{"seed": N, "rules": [...]}``, or a bare list of rules.

        :raises FaultError: when the document or one of its rules is malformed;
            the message names the rule by its position.
        """
        if isinstance(document, list):
            document = {"rules": document}
        if not isinstance(document, Mapping) or set(document) - {"seed", "rules"}:
            raise FaultError(
                'a fault plan is {"seed": N, "rules": [...]} or a list of rules'
            )
        rules = document.get("rules") or []
        if not isinstance(rules, list):
            raise FaultError(f"rules must be a list, not {rules!r}")

        parsed = []
        for index, rule in enumerate(rules):
            try:
                parsed.append(FaultRule.from_json(rule))
            except FaultError as error:
                raise FaultError(f"fault rule {index}: {error}") from None
        seed = _optional(document, "seed", int)
        return cls(tuple(parsed), seed)

    @classmethod
    def load(cls, path: Path | str) -> FaultPlan:
        """Read a plan from a JSON file.

        :raises FaultError: when the file cannot be read or is malformed.
        """
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise FaultError(
                f"cannot read faults from {str(path)!r}: {error}", path=str(path)
            ) from None
        try:
            return cls.from_json(document)
        except FaultError as error:
            raise FaultError(f"{str(path)!r}: {error}", path=str(path)) from None

    def to_json(self) -> dict[str, JSON]:
        """Return the plan as :meth:`from_json` reads it."""
        return {"seed": self.seed, "rules": [rule.to_json() for rule in self.rules]}


@dataclass(frozen=True)
class InjectedReply(Reply):
    """A reply made by a fault rule rather than a responder.

    The HTTP edge does not check it against the response contract: an
    injected 503 is what the operator asked for, not a defect of the mock.

    :param rule: the rule that made it.
    """

    rule: FaultRule | None = field(default=None, kw_only=True)


class ConnectionDropped(BaseException):
    """Raised to drop the connection of a call without answering.

    It derives from :class:`BaseException` so that it passes through every
    ``except Exception`` between the responder and the WSGI server, the way
    ``GeneratorExit`` does; :func:`mockserver.operator.wsgi.drop_connections`
    catches it and closes the socket.

    :param call: the call whose connection is dropped.
    :param rule: the rule that dropped it.
    """

    def __init__(self, call: Call, rule: FaultRule) -> None:
        self.call = call
        self.rule = rule
        super().__init__(
            f"dropped the connection of {call.operation}: {rule.describe()}"
        )


@dataclass(frozen=True)
class _Draw:
    latency_s: float = 0.0
    rule: FaultRule | None = None


class FaultInjector:
    """A responder that applies a :class:`FaultPlan` in front of another.

    Thread-safe: the draws and the hit counts are taken under a lock, and
    the latency is slept outside it.

    :param responder: what answers the calls no rule answers; may be replaced
        at any time through :attr:`responder`.
    :param plan: the rules in force; none by default.
    :param seed: the seed of the draws when the plan names none.
    :param sleep: how to wait out a latency; inject one to test without waiting.
    """

    def __init__(
        self,
        responder: Responder,
        plan: FaultPlan | None = None,
        *,
        seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.responder = responder
        self.default_seed = seed
        self._sleep = sleep
        self._lock = threading.Lock()
        self.configure(plan or FaultPlan())

    @property
    def plan(self) -> FaultPlan:
        """The plan in force."""
        return self._plan

    @property
    def seed(self) -> int:
        """The seed the draws started from."""
        return self.default_seed if self._plan.seed is None else self._plan.seed

    @property
    def delays(self) -> bool:
        """Tell whether a rule in force adds latency, slept by the answering thread."""
        return self._delays

    def configure(self, plan: FaultPlan) -> None:
        """Put ``plan`` in force: hit counts restart and the draws are reseeded."""
        with self._lock:
            self._plan = plan
            self._delays = any(rule.latency_ms is not None for rule in plan.rules)
            self._hits = [0] * len(plan.rules)
            self._random = random.Random(
                self.default_seed if plan.seed is None else plan.seed
            )

    def clear(self) -> None:
        """Remove every rule."""
        self.configure(FaultPlan())

    def hits(self) -> tuple[int, ...]:
        """How many times each rule of the plan has fired, in rule order."""
        with self._lock:
            return tuple(self._hits)

    def respond(self, call: Call) -> Reply:
        """Answer ``call`` as the rules say, else as the wrapped responder does.

        :raises ConnectionDropped: when a rule drops the connection.
        """
        draw = self._draw(call.operation)
        if draw.latency_s > 0:
            self._sleep(draw.latency_s)

        rule = draw.rule
        if rule is None:
            return self.responder.respond(call)
        if rule.drop:
            raise ConnectionDropped(call, rule)
        return rule.reply()

    def _draw(self, operation: str) -> _Draw:
        latency_s = 0.0
        with self._lock:
            for index, rule in enumerate(self._plan.rules):
                if not self._fires(index, rule, operation):
                    continue
                self._hits[index] += 1
                if rule.latency_ms is not None:
                    latency_s += self._latency(rule.latency_ms) / 1000
                if rule.answers:
                    return _Draw(latency_s, rule)
        return _Draw(latency_s)

    def _latency(self, latency_ms: tuple[float, float]) -> float:
        low, high = latency_ms
        return low if low == high else self._random.uniform(low, high)

    def _fires(self, index: int, rule: FaultRule, operation: str) -> bool:
        if not rule.strikes(operation):
            return False
        if rule.times is not None and self._hits[index] >= rule.times:
            return False
        # A certain rule draws nothing, so adding one keeps the others' draws.
        if rule.probability >= 1:
            return True
        return self._random.random() < rule.probability
