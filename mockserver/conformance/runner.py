"""Run Schemathesis against a Prefect server or the mock, guarded, into a report.

The OpenAPI document comes from the contract set (with the links of
:mod:`.links` added), not from the server under test, so that the real
server and the mock are measured against the same thing. Schemathesis runs
its phases (examples, coverage, fuzzing, stateful) with every check that
applies to this API; its events are collected into a
:class:`~mockserver.conformance.report.Report`.

Every request passes through a :class:`~mockserver.conformance.safety.SafetyGuard`
on its way out, through Schemathesis's ``before_call`` hook, and every
answer through ``after_call`` so that the guard learns what the run
created. A ``filter_failure`` hook sets aside ``ensure_resource_availability``
failures of redirected requests: their 404 comes from the decoy the guard
put in, not from the server losing what the run made, and
``negative_data_rejection`` failures of requests whose invalid body the
guard replaced. The same hook asks a
:class:`~mockserver.conformance.reading.Judge` about every
``negative_data_rejection`` and ``positive_data_acceptance`` failure, and
sets aside those that the lax reading of the request (pydantic's, as
``parse_call`` implements it) contradicts; the report lists them apart,
with the reason. Those hooks are global in Schemathesis; they act only on
schemas built here, which carry a run token in their document.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import schemathesis
from schemathesis import hooks as schemathesis_hooks
from schemathesis.core import NotSet
from schemathesis.core.result import Ok
from schemathesis.engine import events, from_schema

from mockserver.conformance.deviations import Deviations
from mockserver.conformance.findings import Finding, RunError, SetAside
from mockserver.conformance.links import add_links
from mockserver.conformance.reading import JUDGED_CHECKS, Judge, SentRequest
from mockserver.conformance.report import KnownFinding, Report
from mockserver.conformance.safety import NO_BODY, Request, SafetyGuard
from mockserver.contracts import load_contract_set
from mockserver.contracts.openapi import assemble

__all__ = [
    "CHECKS",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_STEPS",
    "PHASES",
    "Options",
    "Progress",
    "build_schema",
    "document_for",
    "run",
]

PHASES: Final = ("examples", "coverage", "fuzzing", "stateful")
"""Schemathesis's test phases, in the order they run."""

CHECKS: Final = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
)
"""The checks a run applies.

Left out: ``ignored_auth`` and ``object_level_authorization`` (Prefect's
API declares no authentication) and ``max_response_time`` (a performance
budget, not conformance).
"""

DEFAULT_MAX_EXAMPLES: Final = 10
"""Cases per operation in the fuzzing phase (and steps of the stateful one)."""

DEFAULT_MAX_STEPS: Final = 8
"""Calls in one stateful scenario, at most."""

RUN_TOKEN: Final = "x-mockserver-conformance-run"
"""The document key that ties a schema to its :class:`SafetyGuard`."""

_REQUEST_TIMEOUT = 30.0

# A redirected request targets a decoy, so its 404 says nothing about the
# object the generated request meant, and a bulk delete's invalid body or
# content type was replaced by a valid filter; these checks would blame the
# server.
_BLIND_TO_REDIRECTS = frozenset(
    {"ensure_resource_availability", "negative_data_rejection"}
)


@dataclass
class _Run:
    guard: SafetyGuard
    judge: Judge
    redirected: set[str] = field(default_factory=set)
    set_aside: list[SetAside] = field(default_factory=list)


_runs: dict[str, _Run] = {}
_runs_lock = threading.Lock()


@dataclass(frozen=True)
class Options:
    """How a conformance run is carried out.

    :param version: the contract set to check against.
    :param operations: a regular expression; only operations whose name it
        finds are tested. ``None`` tests all.
    :param max_examples: cases per operation and phase, at most.
    :param max_steps: calls per stateful scenario, at most.
    :param seed: the seed of every generated case; the same seed against the
        same server state sends the same requests.
    :param phases: which of :data:`PHASES` run.
    :param allow_destructive: send destructive requests as generated, even
        when they target objects the run did not create.
    :param deviations: failures to report apart and forgive.
    """

    version: str = "3.9.1"
    operations: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_steps: int = DEFAULT_MAX_STEPS
    seed: int = 0
    phases: tuple[str, ...] = PHASES
    allow_destructive: bool = False
    deviations: Deviations = field(default_factory=Deviations)

    def __post_init__(self) -> None:
        unknown = [phase for phase in self.phases if phase not in PHASES]
        if unknown:
            raise ValueError(f"unknown phases {unknown!r}; choose from {PHASES}")
        if self.max_examples < 1 or self.max_steps < 2:
            raise ValueError("max_examples must be at least 1 and max_steps 2")


@dataclass(frozen=True)
class Progress:
    """One finished scenario: an operation in a phase, or a stateful scenario.

    :param phase: the phase.
    :param label: what was tested, for example ``"GET /deployments/{id}"``.
    :param status: ``"success"``, ``"failure"``, ``"error"`` or ``"skip"``.
    :param cases: requests sent.
    :param failures: failed checks among their responses.
    """

    phase: str
    label: str
    status: str
    cases: int
    failures: int

    def __str__(self) -> str:
        failed = f", {self.failures} failed checks" if self.failures else ""
        return (
            f"[{self.phase}] {self.label}: {self.status} ({self.cases} cases{failed})"
        )


def document_for(version: str) -> dict[str, Any]:
    """Return the OpenAPI document a run of ``version`` uses: contracts plus links.

    :raises UnknownVersion: when there is no such contract set.
    """
    return add_links(assemble(load_contract_set(version)))


def build_schema(
    options: Options,
    *,
    base_url: str | None = None,
    app: Any = None,
) -> tuple[Any, SafetyGuard]:
    """Return a guarded Schemathesis schema of a contract set, and its guard.

    Give ``base_url`` (``http://HOST:PORT/api``) to test a server over HTTP,
    or ``app`` to test a WSGI application in-process. The schema is ready for
    ``schemathesis.engine`` and for ``@schema.parametrize()`` tests alike.
    """
    document = document_for(options.version)
    token = uuid.uuid4().hex
    document[RUN_TOKEN] = token
    guard = SafetyGuard(document, allow_destructive=options.allow_destructive)
    judge = Judge(load_contract_set(options.version))
    with _runs_lock:
        _runs[token] = _Run(guard, judge)
    _install_hooks()

    config = schemathesis.Config.from_dict(_config(options, base_url))
    schema: Any = schemathesis.openapi.from_dict(document, config=config)
    if app is not None:
        schema.app = app
    if options.operations is not None:
        schema = schema.include(operation_id_regex=options.operations)
    return schema, guard


def run(
    target: str | Callable[..., Any],
    options: Options | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Run every phase against ``target`` and return what was found.

    :param target: a base URL ending in ``/api``, or a WSGI application.
    :param options: how to run; the defaults of :class:`Options` otherwise.
    :param progress: called after each scenario, for progress displays.
    """
    options = options or Options()
    if isinstance(target, str):
        schema, guard = build_schema(options, base_url=target.rstrip("/"))
        where = target
    else:
        schema, guard = build_schema(options, app=target)
        where = f"the WSGI application {type(target).__name__}"

    collector = _Collector(options, where, progress)
    collector.report.operations = tuple(
        sorted(_operation_id(operation) for operation in _operations(schema))
    )
    collector.report.safety = guard.stats
    started = time.monotonic()
    try:
        for event in from_schema(schema).execute():
            collector.on_event(event)
    finally:
        released = _release(guard)
    collector.report.duration = time.monotonic() - started
    for entry in released.set_aside if released is not None else ():
        collector.set_aside(entry)
    return collector.finish()


def _config(options: Options, base_url: str | None) -> dict[str, Any]:
    generation = {"max-examples": options.max_examples, "database": "none"}
    phases: dict[str, Any] = {
        phase: {"enabled": phase in options.phases} for phase in PHASES
    }
    phases["stateful"]["max-steps"] = options.max_steps
    config: dict[str, Any] = {
        "seed": options.seed,
        "generation": generation,
        "phases": phases,
        "checks": {
            "enabled": False,
            **{check: {"enabled": True} for check in CHECKS},
        },
        "request-timeout": _REQUEST_TIMEOUT,
        # The cache replays what earlier runs learnt; a run must depend on
        # its seed only, and leave no files behind.
        "cache": {"enabled": False},
        # Sanitizing would print "[Filtered]" for values such as
        # idempotency_key, and a reproduction must send what the run sent.
        "output": {"sanitization": {"enabled": False}},
    }
    if base_url is not None:
        config["base-url"] = base_url
    return config


def _install_hooks() -> None:
    # Registered again on every run: a test suite may have cleared the global
    # hooks since, and an unguarded run must never happen.
    registered = schemathesis_hooks.GLOBAL_HOOK_DISPATCHER
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("before_call", _before_call),
        ("after_call", _after_call),
        ("filter_failure", _filter_failure),
    )
    for name, hook in hooks:
        if hook not in registered.get_all_by_name(name):
            registered.register_hook_with_name(hook, name)


def _release(guard: SafetyGuard) -> _Run | None:
    with _runs_lock:
        for token, run in list(_runs.items()):
            if run.guard is guard:
                return _runs.pop(token)
    return None


def _run_for(case: Any) -> _Run | None:
    token = case.operation.schema.raw_schema.get(RUN_TOKEN)
    with _runs_lock:
        return _runs.get(token) if isinstance(token, str) else None


def _before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    run = _run_for(case)
    if run is None:
        return
    body = NO_BODY if isinstance(case.body, NotSet) else case.body
    verdict = run.guard.inspect(
        Request(
            method=str(case.method),
            path=case.path,
            path_parameters=case.path_parameters,
            body=body,
            operation=_operation_id(case.operation),
            headers=dict(case.headers or {}),
        )
    )
    if not verdict.rewritten:
        return
    with _runs_lock:
        run.redirected.add(case.id)
    case.path_parameters = dict(verdict.path_parameters)
    case.headers = dict(verdict.headers)
    if "body" in verdict.rewritten:
        case.body = verdict.body
        case.media_type = "application/json"


def _after_call(context: Any, case: Any, response: Any) -> None:
    run = _run_for(case)
    if run is None:
        return
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    run.guard.observe(_operation_id(case.operation), response.status_code, body)


def _filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    run = _run_for(case)
    if run is None:
        return True
    checks = set(failure.checks)
    if checks & _BLIND_TO_REDIRECTS:
        with _runs_lock:
            if case.id in run.redirected:
                return False

    judged = sorted(checks & JUDGED_CHECKS)
    if not judged:
        return True
    operation = _operation_id(case.operation)
    reason = run.judge.set_aside(judged[0], operation, _sent(response.request))
    if reason is None:
        return True

    finding = _failure_finding(judged[0], operation, failure, case, response)
    with _runs_lock:
        run.set_aside.append(SetAside(finding, reason))
    return False


def _failure_finding(
    check: str, operation: str, failure: Any, case: Any, response: Any
) -> Finding:
    phase = case.meta.phase.name.value if case.meta is not None else "unknown"
    return Finding(
        check=check,
        operation=operation,
        method=str(response.request.method).upper(),
        path=str(case.path),
        phase=str(phase),
        title=str(failure.title),
        message=str(failure.message),
        status=int(response.status_code),
        curl=str(case.as_curl_command()),
    )


def _sent(request: Any) -> SentRequest:
    """Adapt the ``requests.PreparedRequest`` Schemathesis sent."""
    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    return SentRequest(
        method=str(request.method),
        url=str(request.url),
        headers=dict(request.headers),
        body=bytes(body),
    )


def _operation_id(operation: Any) -> str:
    found = operation.definition.raw.get("operationId")
    return str(found) if found else str(operation.label)


def _operations(schema: Any) -> list[Any]:
    return [
        result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)
    ]


class _Collector:
    """Turns the engine's events into a report."""

    def __init__(
        self,
        options: Options,
        target: str,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.options = options
        self.progress = progress
        self.report = Report(
            version=options.version,
            target=target,
            seed=options.seed,
            phases=options.phases,
            max_examples=options.max_examples,
            allow_destructive=options.allow_destructive,
        )
        self.seen: set[tuple[Any, ...]] = set()
        self.seen_aside: set[tuple[Any, ...]] = set()
        self.tested: set[str] = set()
        self.all_findings: list[Finding] = []

    def on_event(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self._on_scenario(event)
        elif isinstance(event, events.NonFatalError):
            self.report.errors.append(_run_error(event))
        elif isinstance(event, events.FatalError):
            self.report.errors.append(
                RunError("run", None, "the run crashed", repr(event.exception))
            )
            self.report.stop_reason = "crashed"
        elif (
            isinstance(event, events.EngineFinished)
            and self.report.stop_reason == "completed"
        ):
            self.report.stop_reason = str(event.stop_reason.value)

    def finish(self) -> Report:
        self.report.tested = tuple(sorted(self.tested))
        self.report.unused_deviations = self.options.deviations.unused(
            self.all_findings
        )
        return self.report

    def _on_scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        phase = str(event.phase.value)
        self.report.cases += len(recorder.cases)
        failures = 0
        for case_id, checks in recorder.checks.items():
            node = recorder.cases.get(case_id)
            if node is not None and checks:
                self.tested.add(_operation_id(node.value.operation))
            for check in checks:
                if check.failure_info is not None:
                    failures += 1
                    self._add(_finding(recorder, case_id, check, phase))
        if self.progress is not None:
            self.progress(
                Progress(
                    phase,
                    str(recorder.label),
                    str(event.status.value),
                    len(recorder.cases),
                    failures,
                )
            )

    def set_aside(self, entry: SetAside) -> None:
        """Report a failure the judge set aside, once per distinct failure."""
        if _first_time(self.seen_aside, entry.finding):
            self.report.set_aside.append(entry)

    def _add(self, finding: Finding) -> None:
        if not _first_time(self.seen, finding):
            return
        self.all_findings.append(finding)
        deviation = self.options.deviations.find(finding)
        if deviation is None:
            self.report.findings.append(finding)
        else:
            self.report.known.append(KnownFinding(finding, deviation))


def _first_time(seen: set[tuple[Any, ...]], finding: Finding) -> bool:
    key = (
        finding.check,
        finding.operation,
        finding.method,
        finding.status,
        finding.title,
        finding.message,
    )
    if key in seen:
        return False
    seen.add(key)
    return True


def _finding(recorder: Any, case_id: str, check: Any, phase: str) -> Finding:
    failure = check.failure_info.failure
    target_id = failure.case_id or case_id
    case = recorder.cases[target_id].value
    interaction = recorder.interactions.get(target_id)
    response = interaction.response if interaction is not None else None
    return Finding(
        check=str(check.name),
        operation=_operation_id(case.operation),
        method=str(case.method).upper(),
        path=str(case.path),
        phase=phase,
        title=str(failure.title),
        message=str(failure.message),
        status=response.status_code if response is not None else None,
        curl=str(check.failure_info.code_sample),
    )


def _run_error(event: events.NonFatalError) -> RunError:
    info = event.info
    phase = str(event.phase.value) if event.phase is not None else None
    return RunError(
        label=str(event.label),
        phase=phase,
        title=str(info.title),
        message=str(info.message),
        curl=info.code_sample,
    )
