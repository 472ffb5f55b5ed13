"""Draw instances of one JSON Schema with jsf or hypothesis-jsonschema, timing them.

Run by ``benchmarks/generation_peers.py`` with the interpreter of the peers'
own environment (``.cache/bench-peers/python-venv``), never the project's:
hypothesis-jsonschema needs an older hypothesis than the test suite uses. So
this script imports the peer and the standard library only. It is run as

    python -I python_peer.py PEER SCHEMA_FILE COUNT SEED BUDGET OUTPUT

PEER is ``jsf`` or ``hypothesis-jsonschema``. Drawing stops after COUNT
instances or BUDGET seconds. The instances go to OUTPUT, one JSON document a
line; a draw that raises is counted, not written. Standard output gets one
JSON object: the wall-clock and CPU seconds of the timed draws, the number of
draws that raised, the first error and the peer's version.
"""

from __future__ import annotations

import importlib.metadata
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Drawn = tuple[list[Any], int, str]
"""The instances drawn, the draws that raised and the first error."""

Drawer = Callable[[int, float], Drawn]
"""Draws up to a count of instances, until a ``perf_counter`` deadline."""


class _Spent(Exception):
    """Ends the ``@given`` loop once the budget is spent."""


def jsf_drawer(schema: dict[str, Any], seed: int) -> Drawer:
    """Set up jsf for ``schema``: one instance a call."""
    from faker import Faker
    from jsf import JSF

    generator = JSF(schema)
    # jsf draws from the module-level random and one shared Faker.
    random.seed(seed)
    Faker.seed(seed)

    def draw(count: int, deadline: float) -> Drawn:
        instances, failed, error = [], 0, ""
        for _ in range(count):
            try:
                instances.append(generator.generate())
            except Exception as exc:  # whatever jsf raises is a failed draw
                failed += 1
                error = error or repr(exc)
            if time.perf_counter() > deadline:
                break
        return instances, failed, error

    return draw


def hypothesis_drawer(schema: dict[str, Any], seed: int) -> Drawer:
    """Set up hypothesis-jsonschema for ``schema``: a ``@given`` loop.

    It knows the formats of draft 7 only, so ``uuid`` is handed to it as a
    custom format, as any user of it with these schemas must.
    """
    from hypothesis import HealthCheck, Phase, given, settings, strategies
    from hypothesis import seed as seeded
    from hypothesis_jsonschema import from_schema

    formats = {"uuid": strategies.uuids().map(str)}
    strategy = from_schema(schema, custom_formats=formats)

    def draw(count: int, deadline: float) -> Drawn:
        instances: list[Any] = []
        spent = False

        # The health checks fail a run that draws slowly or rejects much;
        # here the draws are the measurement, so they are all let through.
        @seeded(seed)
        @settings(
            max_examples=count,
            database=None,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def run(instance: Any) -> None:
            nonlocal spent
            # hypothesis calls the test once more with the example that
            # raised: that call must raise again, and keeps nothing.
            if spent:
                raise _Spent
            instances.append(instance)
            spent = time.perf_counter() > deadline
            if spent:
                raise _Spent

        try:
            run()
        except _Spent:
            pass
        except Exception as exc:  # the loop stops at the first error
            return instances, count - len(instances), repr(exc)
        return instances, 0, ""

    return draw


DRAWERS: dict[str, Callable[[dict[str, Any], int], Drawer]] = {
    "jsf": jsf_drawer,
    "hypothesis-jsonschema": hypothesis_drawer,
}
"""How each peer, named as it is on PyPI, is set up."""


def _write(instances: list[Any], output: Path) -> tuple[int, str]:
    """Write the instances as JSON lines; return how many, and why, are not JSON."""
    lines, failed, error = [], 0, ""
    for instance in instances:
        try:
            lines.append(json.dumps(instance) + "\n")
        except (TypeError, ValueError) as exc:
            failed += 1
            error = error or f"drew a value that is not JSON: {exc!r}"
    output.write_text("".join(lines))
    return failed, error


def main(argv: list[str]) -> None:
    peer, schema_file, count, seed, budget, output = argv
    schema = json.loads(Path(schema_file).read_text())
    drawer = DRAWERS[peer](schema, int(seed))

    cpu, wall = time.process_time(), time.perf_counter()
    instances, failed, error = drawer(int(count), wall + float(budget))
    seconds = time.perf_counter() - wall
    cpu_seconds = time.process_time() - cpu

    not_json, not_json_error = _write(instances, Path(output))
    figures = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "failed": failed + not_json,
        "error": error or not_json_error,
        "version": importlib.metadata.version(peer),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
