"""Conformance tests in your own pytest suite.

Three ways to check that a server answers as Prefect's contract set says,
here pointed at the mock in-process (give ``base_url=`` instead of ``app=``
to check a running server, mock or real):

1. one test per operation, with Schemathesis's ``@schema.parametrize()``;
2. Schemathesis's stateful tests, chaining create flow, create deployment,
   run it, read the run, delete the deployment;
3. one test that runs every phase and fails with a readable summary,
   forgiving only the known deviations listed in a file.

Deletes only ever reach objects the tests created themselves. Negative and
positive cases are judged the way Prefect reads them (pydantic's lax mode),
so ``false`` accepted for an integer is not reported. Run it with::

    pytest examples/test_conformance_example.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import settings

from mockserver.app import create_app
from mockserver.conformance import assert_conforms, schema_for

app = create_app("3.9.1")
schema = schema_for(
    "3.9.1", app=app, max_examples=3, phases=("examples", "coverage", "fuzzing")
)


@schema.include(operation_id_regex="^(create_flow|read_deployment)$").parametrize()
def test_deployment_operations_conform(case: Any) -> None:
    case.call_and_validate()


Lifecycle = schema_for("3.9.1", app=app).as_state_machine()


class TestDeploymentLifecycle(Lifecycle.TestCase):
    settings = settings(max_examples=3, stateful_step_count=5, deadline=None)


# Where the mock answers like the real server but not like the contracts.
KNOWN_DEVIATIONS = (
    Path(__file__).parents[1] / "fixtures/conformance/known-deviations-mock-3.9.1.json"
)


def test_the_deployment_api_conforms() -> None:
    report = assert_conforms(
        create_app("3.9.1"),
        version="3.9.1",
        operations="^(create|read|update|delete)_deployment$",
        max_examples=3,
        deviations=KNOWN_DEVIATIONS,
    )

    print(report.summary())
