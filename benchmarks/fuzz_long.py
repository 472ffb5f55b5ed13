"""Fuzz the mock with Schemathesis for a long time: ten thousand cases and more.

Run on demand, not in every CI run (ten minutes or more on two cores)::

    .venv/bin/python benchmarks/fuzz_long.py
    .venv/bin/python benchmarks/fuzz_long.py --prefect-version 3.9.1 --seed 7

Each contract set is served by ``mockserver`` on a free loopback port (a
waitress thread of this process, so requests go through real HTTP) and
checked with ``mockserver.conformance.verify``: every phase (examples,
coverage, fuzzing, stateful), positive and negative data (Schemathesis's
default generation modes) and every check. Failures listed in the mock's
known deviations of that version (``fixtures/conformance/``, the
``known-deviations-mock-*`` files: checks the mock fails because the real
server answers the same way) are reported apart (``--no-deviations`` counts
them too). Besides Schemathesis's checks, the server's own log is watched:
any 5xx, an answer that failed inside mockserver ("mockserver failed to
answer", logged at ERROR) or a reply that breaks its response contract
(logged at WARNING) counts as a finding even when a deviation covers it.

Prints, per contract set, the cases sent, the time taken and every finding,
and exits 0 only when nothing was found and at least ``--min-cases`` cases
ran in total.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from mockserver import conformance
from mockserver.app import create_app
from mockserver.conformance import PHASES, Progress
from mockserver.serve import ServerThread

VERSIONS = ("3.9.1", "2.14.16")
DEVIATIONS = Path(__file__).parents[1] / "fixtures" / "conformance"
MIN_CASES = 10_000


class LogWatch(logging.Handler):
    """Counts the ``mockserver`` log records that mean something went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.failures: Counter[str] = Counter()
        self.contract_breaks: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno == logging.INFO:
            # The request line: "METHOD PATH OPERATION STATUS 1.2ms".
            method, _, operation, status, _ = message.split(" ", 4)
            if status.isdigit() and int(status) >= 500:
                self.server_errors[f"{status} {method} {operation}"] += 1
        elif record.levelno >= logging.ERROR:
            self.failures[message.splitlines()[0] + _cause(record)] += 1
        elif "breaks its contract" in message:
            self.contract_breaks[message[:200]] += 1


def _cause(record: logging.LogRecord) -> str:
    # Where the exception was raised and what it said, to tell defects apart.
    if not record.exc_info or record.exc_info[1] is None:
        return ""
    error = record.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return f": {type(error).__name__}: {str(error)[:120]} at {where}"


def show(progress: Progress) -> None:
    print(f"  {progress}", file=sys.stderr, flush=True)


def fuzz(
    version: str,
    max_examples: int,
    max_steps: int,
    seed: int,
    deviations: Path | None,
) -> tuple[int, bool]:
    """Fuzz one contract set; print what was found; return (cases, clean)."""
    watch = LogWatch()
    logger = logging.getLogger("mockserver")
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    started = time.monotonic()
    try:
        app = create_app(version, journal_size=100)
        with ServerThread(app, threads=4) as server:
            report = conformance.verify(
                server.api_url,
                version=version,
                max_examples=max_examples,
                max_steps=max_steps,
                seed=seed,
                phases=PHASES,
                deviations=deviations,
                progress=show,
            )
    finally:
        logger.removeHandler(watch)
    elapsed = time.monotonic() - started

    print(f"\nPrefect {version}: {report.cases} cases in {elapsed:.0f} s")
    print(report.summary())
    for message, count in watch.failures.items():
        print(f"  failed inside mockserver {count}x: {message}")
    for message, count in watch.contract_breaks.items():
        print(f"  reply broke its contract {count}x: {message}")
    for message, count in watch.server_errors.items():
        print(f"  answered {count}x: {message}")
    clean = report.ok and not (
        watch.failures or watch.contract_breaks or watch.server_errors
    )
    return report.cases, clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefect-version", choices=VERSIONS, action="append")
    parser.add_argument("--max-examples", type=int, default=60)
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-cases", type=int, default=MIN_CASES)
    parser.add_argument(
        "--no-deviations",
        action="store_true",
        help="Do not forgive the mock's known deviations (the real server's ways).",
    )
    options = parser.parse_args()

    total, clean = 0, True
    for version in options.prefect_version or VERSIONS:
        known = DEVIATIONS / f"known-deviations-mock-{version}.json"
        use = known if known.exists() and not options.no_deviations else None
        cases, version_clean = fuzz(
            version, options.max_examples, options.max_steps, options.seed, use
        )
        total += cases
        clean = clean and version_clean

    enough = total >= options.min_cases
    print(f"\n{total} cases in all (at least {options.min_cases} wanted)")
    if not clean:
        print("FOUND PROBLEMS")
    elif not enough:
        print("too few cases: raise --max-examples")
    else:
        print("nothing found")
    return 0 if clean and enough else 1


if __name__ == "__main__":
    sys.exit(main())
