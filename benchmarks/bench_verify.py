"""How long a full ``mockserver verify`` of the mock takes, with default settings.

Serves the mock over real HTTP from a thread, then runs every check and phase
against every deployment operation (``--all`` adds the supporting ones), and
prints the wall time, cases and outcome. The goal is under a minute. Run::

    .venv/bin/python benchmarks/bench_verify.py [--prefect-version 3.9.1] [--all]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mockserver.app import create_app
from mockserver.conformance import verify
from mockserver.serve import ServerThread

DEVIATIONS = Path(__file__).parents[1] / "fixtures" / "conformance"
DEPLOYMENT_OPERATIONS = r".*deployment.*"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-version", default="3.9.1")
    parser.add_argument("--all", action="store_true", help="every operation")
    arguments = parser.parse_args()

    version = arguments.prefect_version
    deviations = DEVIATIONS / f"known-deviations-mock-{version}.json"
    operations = None if arguments.all else DEPLOYMENT_OPERATIONS
    with ServerThread(create_app(version)) as server:
        started = time.perf_counter()
        report = verify(
            server.api_url,
            version=version,
            operations=operations,
            deviations=deviations,
        )
        elapsed = time.perf_counter() - started

    print(f"prefect {version}, operations {operations or 'all'}")
    print(f"cases {report.cases}, wall time {elapsed:.1f} s, passed {report.ok}")


if __name__ == "__main__":
    main()
