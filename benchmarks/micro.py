"""Figures measured inside this process: validation, generation, the fixture.

- request validation per body: :func:`mockserver.validation.parse_call` on
  the seed-like ``create_flow_run`` body (decoding, parsing, path, query and
  body checks, as a request gets them), beside jsonschema's Python validator
  and jsonschema-rs on the same body and schema for scale;
- fixture generation: ``bench_generation.measure_round``, mockserver's
  generator beside jsf, json-schema-faker and hypothesis-jsonschema;
- the pytest fixture: helper G's ``bench_plugin.run``, ``prefect_mock``
  against Prefect's ``prefect_test_harness``.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.contracts import load_contract_set
from mockserver.validation import Rejected, parse_call

__all__ = [
    "generation_rate",
    "invalid_body",
    "plugin_figures",
    "valid_body",
    "validation_times",
]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "seed_create_flow_run.json"
_DEPLOYMENT = "40686597-8f53-49e5-94b7-5b04446a39c2"


def invalid_body() -> dict[str, Any]:
    """The seed request as recorded from Prefect 2.14.16.

    Prefect 3.9.1 refuses it in three places (``state.timestamp`` and
    ``state.id`` are extra fields, ``pause_keys`` holds a null): a 422.
    """
    seed: dict[str, Any] = json.loads(SEED.read_text())["request"]
    return seed


def valid_body() -> dict[str, Any]:
    """The seed request with its three breaks of the 3.9.1 contract mended."""
    body = copy.deepcopy(invalid_body())
    del body["state"]["timestamp"]
    del body["state"]["id"]
    body["empirical_policy"]["pause_keys"] = ["pause-1"]
    return body


def validation_times(calls: int) -> dict[str, float]:
    """Return microseconds per body for each way of validating it.

    :param calls: calls of the fastest way; slower ways get fewer, so that
        each takes about the same time.
    """
    contracts = load_contract_set("3.9.1")
    operation = contracts.operation("create_flow_run_from_deployment")
    reference = operation.part_ref("request")
    valid, invalid = valid_body(), invalid_body()
    valid_bytes, invalid_bytes = (
        json.dumps(valid).encode(),
        json.dumps(invalid).encode(),
    )

    def checked(body: bytes) -> Callable[[], object]:
        def call() -> object:
            try:
                return parse_call(
                    contracts,
                    operation,
                    path={"id": _DEPLOYMENT},
                    query={},
                    headers={"content-type": "application/json"},
                    body=body,
                )
            except Rejected as rejected:
                return rejected

        return call

    python = contracts.validator_for(reference)
    figures = {
        "mockserver, valid body": _per_call(checked(valid_bytes), calls),
        "mockserver, invalid body (3 violations)": _per_call(
            checked(invalid_bytes), max(1, calls // 20)
        ),
        "jsonschema (Python), valid body": _per_call(
            lambda: list(python.iter_errors(valid)), max(1, calls // 20)
        ),
    }
    rust = _rust_validator(contracts, reference)
    if rust is not None:
        figures["jsonschema-rs, valid body"] = _per_call(
            lambda: rust.is_valid(valid), calls
        )
    return figures


def _rust_validator(contracts: Any, reference: dict[str, Any]) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    registry = jsonschema_rs.Registry(list(contracts.documents.items()))
    return jsonschema_rs.validator_for(
        reference, registry=registry, validate_formats=True
    )


def _per_call(function: Callable[[], object], calls: int) -> float:
    function()
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls * 1e6


def generation_rate(
    count: int, *, peers: bool, index: int
) -> dict[str, dict[str, dict[str, float]]] | None:
    """Return one round's generation figures, by schema and generator.

    Uses ``bench_generation``: rate, validity and (mockserver's) share parsed
    by the client; ``None`` when that bench is absent.

    :param peers: whether the peer generators draw too.
    :param index: the round's number from 0, which rotates the order.
    """
    try:
        import bench_generation
    except ImportError:
        return None
    contract_set = load_contract_set(bench_generation.VERSION)
    chosen = list(bench_generation.PEERS) if peers else []
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as folder:
        benches = bench_generation.prepare(contract_set, chosen, Path(folder))
        return bench_generation.measure_round(benches, count, index)


def plugin_figures(tests: int, *, harness: bool) -> dict[str, dict[str, float]] | None:
    """Return start and per-test cost of ``prefect_mock`` (and the harness).

    Uses ``bench_plugin.run``, each suite in its own pytest process; ``None``
    when that bench is absent.
    """
    try:
        import bench_plugin
    except ImportError:
        return None
    suites = [("prefect_mock", bench_plugin.MOCK_TESTS)]
    if harness:
        suites.append(("prefect_test_harness", bench_plugin.HARNESS_TESTS))
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as temporary:
        folder = Path(temporary)
        (folder / "conftest.py").write_text(bench_plugin.CONFTEST)
        for name, source in suites:
            short = name.replace("prefect_", "")
            figures[name] = bench_plugin.run(folder, short, source, tests)
    return figures
