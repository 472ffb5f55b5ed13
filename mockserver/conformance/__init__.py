"""Conformance testing: does a server answer the way its contract set says?

The contract set of a Prefect version, assembled into an OpenAPI document,
drives Schemathesis against a server: a real Prefect server, to find where
it departs from the contracts, or the mock, to prove it does not. The same
run is available three ways:

- ``mockserver verify --base-url http://127.0.0.1:4200/api`` on the command
  line (:mod:`mockserver.cli_verify`);
- :func:`verify` in Python, which returns a :class:`Report`, and
  :func:`assert_conforms`, which raises :class:`AssertionError` with the
  report's summary;
- :func:`schema_for` in a pytest suite, a Schemathesis schema for
  ``@schema.parametrize()`` tests::

      schema = schema_for("3.9.1", app=create_app("3.9.1"))

      @schema.parametrize()
      def test_conforms(case):
          case.call_and_validate()

Destructive requests only ever reach objects the run created itself (see
:mod:`.safety`), unless ``allow_destructive`` is set. Failures listed in a
known-deviations file (see :mod:`.deviations`) are reported apart and do not
fail the run.

Negative and positive cases are judged the way a Prefect server reads
them (see :mod:`.reading`): Prefect validates with pydantic in lax mode, so
a "negative" case that the contract set's lax reading accepts (``false``
for an integer, ``null`` for a bundled field) is not negative for it, and
accepting it is no failure; a "positive" case that the contract set rejects
is the generator's mistake, not the server's. Such failures are set aside
and listed in the report with their reason; they do not fail the run.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.conformance.deviations import Deviation, Deviations, load_deviations
from mockserver.conformance.findings import Finding, RunError, SetAside
from mockserver.conformance.links import add_links
from mockserver.conformance.reading import Judge, Reading, SentRequest
from mockserver.conformance.report import FORMATS, Report
from mockserver.conformance.runner import (
    CHECKS,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_STEPS,
    PHASES,
    Options,
    Progress,
    build_schema,
    document_for,
    run,
)
from mockserver.conformance.safety import SafetyGuard
from mockserver.errors import ConformanceError

__all__ = [
    "CHECKS",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_STEPS",
    "FORMATS",
    "PHASES",
    "Deviation",
    "Deviations",
    "Finding",
    "Judge",
    "Options",
    "Progress",
    "Reading",
    "Report",
    "RunError",
    "SafetyGuard",
    "SentRequest",
    "SetAside",
    "add_links",
    "assert_conforms",
    "document_for",
    "load_deviations",
    "schema_for",
    "verify",
]

_REACHABLE_TIMEOUT = 5.0


def verify(
    target: str | Callable[..., Any],
    *,
    version: str = "3.9.1",
    operations: str | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    max_steps: int = DEFAULT_MAX_STEPS,
    seed: int = 0,
    phases: tuple[str, ...] = PHASES,
    allow_destructive: bool = False,
    deviations: Deviations | Path | str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Check ``target`` against the contract set of ``version``.

    :param target: a server's API root (``http://127.0.0.1:4200/api``) or a
        WSGI application such as :func:`mockserver.app.create_app` returns.
    :param version: the Prefect version whose contract set is the reference.
    :param operations: a regular expression; only operations whose name it
        finds are tested.
    :param max_examples: cases per operation and phase, at most.
    :param max_steps: calls per stateful scenario, at most.
    :param seed: makes the run repeatable.
    :param phases: which of :data:`PHASES` run.
    :param allow_destructive: let destructive requests reach objects the run
        did not create. Never do this against a server holding real work.
    :param deviations: known deviations, or the path of a file of them.
    :param progress: called once per finished scenario.
    :returns: the report; ``report.ok`` tells whether nothing new failed.
    :raises ConformanceError: when the deviations file is malformed or the
        server does not answer ``/health``.
    :raises UnknownVersion: when there is no contract set for ``version``.
    """
    if isinstance(deviations, str | Path):
        deviations = load_deviations(deviations)
    options = Options(
        version=version,
        operations=operations,
        max_examples=max_examples,
        max_steps=max_steps,
        seed=seed,
        phases=tuple(phases),
        allow_destructive=allow_destructive,
        deviations=deviations or Deviations(),
    )
    if isinstance(target, str):
        _check_reachable(target)
    return run(target, options, progress=progress)


def assert_conforms(target: str | Callable[..., Any], **options: Any) -> Report:
    """Run :func:`verify` and raise :class:`AssertionError` unless it passed.

    Takes the same arguments as :func:`verify`. The error's message is the
    report's summary, with a curl command for each new failure.
    """
    report = verify(target, **options)
    if not report.ok:
        raise AssertionError(report.summary())
    return report


def schema_for(
    version: str = "3.9.1",
    *,
    base_url: str | None = None,
    app: Any = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    max_steps: int = DEFAULT_MAX_STEPS,
    seed: int = 0,
    phases: tuple[str, ...] = PHASES,
    allow_destructive: bool = False,
) -> Any:
    """Return a guarded Schemathesis schema of a contract set, for pytest suites.

    Give ``base_url`` or ``app``. Use it as any Schemathesis schema:
    ``@schema.parametrize()`` for the examples, coverage and fuzzing phases,
    ``schema.as_state_machine()`` for the stateful one. The safety guard of
    :func:`verify` applies to every request it sends, and so does the lax
    judging of negative and positive cases. Known deviations do not apply
    here: ``case.call_and_validate()`` raises on every other failure.

    :raises ValueError: when both or neither of ``base_url`` and ``app`` are
        given.
    """
    if (base_url is None) == (app is None):
        raise ValueError("give exactly one of base_url and app")
    options = Options(
        version=version,
        max_examples=max_examples,
        max_steps=max_steps,
        seed=seed,
        phases=tuple(phases),
        allow_destructive=allow_destructive,
    )
    schema, _ = build_schema(options, base_url=base_url, app=app)
    return schema


def _check_reachable(api_url: str) -> None:
    health = api_url.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(health, timeout=_REACHABLE_TIMEOUT):
            return
    except urllib.error.HTTPError as error:
        raise ConformanceError(
            f"{health!r} answered {error.code}; is {api_url!r} the API root "
            "(it ends in /api)?"
        ) from error
    except (OSError, ValueError) as error:
        raise ConformanceError(f"cannot reach {health!r}: {error}") from error
