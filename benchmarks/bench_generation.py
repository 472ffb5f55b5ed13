"""Measure the instance generator beside jsf, json-schema-faker, hypothesis-jsonschema.

Run with ``.venv/bin/python benchmarks/bench_generation.py`` (``--no-peers``
for mockserver's generator alone). Every generator draws instances of the
same schemas of the 3.9.1 contract set, round after round, in an order that
rotates from round to round: mockserver's ``InstanceGenerator.generate_many``
from the contract set, the peers (see ``generation_peers.py``) from each
schema bundled into one self-contained document. A round asks each for
``--count`` instances (hypothesis-jsonschema for a twentieth of them; a peer
drawing one by one stops after a time budget), then checks them outside the
timing:

- rate: instances drawn per second, wall clock, and per CPU second of the
  drawing process for the generators that measure it (all but
  json-schema-faker);
- valid: the share valid under jsonschema's draft 2020-12 validator with
  format checking, against the contract set itself; a draw that raised
  counts as invalid;
- parsed: for mockserver's generator, the share that the real client's
  models (``prefect.client.schemas.responses``) accept.

Printed, as ``BENCHMARKS.md`` shows it: each figure's median and spread over
the rounds, mockserver's rate over each peer's within a round, and the
issue's targets (at least twice the best peer on FlowRunResponse; every
instance valid and parsed).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from generation_peers import PEERS, Draw, Generator, bundle, ensure_peers, make_peer
from report import Results, render_generation

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.generation import InstanceGenerator

__all__ = [
    "PEERS",
    "SCHEMAS",
    "Bench",
    "OurGenerator",
    "measure_round",
    "prepare",
]

VERSION = "3.9.1"
SCHEMAS = ("FlowRunResponse", "DeploymentResponse")
OURS = "mockserver"


class OurGenerator(Generator):
    """mockserver's ``InstanceGenerator``, compiled for one schema.

    Draws as ``mockserver fixtures generate`` does: every field of a schema a
    server answers, as a real server sends them.
    """

    name = OURS

    def __init__(self, contract_set: ContractSet, name: str) -> None:
        self.schema = contract_set.schema(name)
        self.complete = name in contract_set.answered
        self.generator = InstanceGenerator(contract_set.registry)
        self.generator.compile(self.schema, complete=self.complete)

    def draw(self, count: int, seed: int) -> Draw:
        cpu, wall = time.process_time(), time.perf_counter()
        instances = self.generator.generate_many(
            self.schema, count, seed=seed, complete=self.complete
        )
        seconds = time.perf_counter() - wall
        return Draw(instances, 0, seconds, time.process_time() - cpu)


@dataclass(frozen=True)
class Bench:
    """The generators set up for one schema, and what their draws are checked by.

    :param model: the client's model of the schema, or ``None`` without prefect.
    """

    schema: str
    generators: list[Generator]
    validator: Any
    model: Any


def prepare(contract_set: ContractSet, peers: list[str], folder: Path) -> list[Bench]:
    """Install and set up mockserver's generator and the peers, for each schema.

    A peer that cannot be installed or cannot read a schema is left out, and
    why is printed to standard error.

    :param folder: a scratch folder, kept while the benches are used.
    """
    skipped = ensure_peers(peers)
    benches = []
    for name in SCHEMAS:
        generators: list[Generator] = [OurGenerator(contract_set, name)]
        schema = bundle(contract_set, name)
        scratch = folder / name
        scratch.mkdir(exist_ok=True)
        for peer in peers:
            if peer in skipped:
                continue
            try:
                generators.append(make_peer(peer, schema, scratch))
            except Exception as exc:  # a peer that cannot read it is left out
                skipped[peer] = f"cannot read {name}: {exc!r}"
        validator = _validator(contract_set, name)
        benches.append(Bench(name, generators, validator, _client_model(name)))

    for peer, reason in skipped.items():
        print(f"{peer} left out: {reason}", file=sys.stderr)
    return benches


def measure_round(
    benches: list[Bench], count: int, index: int
) -> dict[str, dict[str, dict[str, float]]]:
    """Draw once with every generator; return figures by schema and generator.

    :param index: the round's number from 0: the seed, and how far the
        generators' order is rotated.
    """
    figures = {}
    for bench in benches:
        shift = index % len(bench.generators)
        order = bench.generators[shift:] + bench.generators[:shift]
        drawn = {
            generator.name: generator.draw(_count(generator, count), index)
            for generator in order
        }
        figures[bench.schema] = {
            generator.name: _check(bench, generator.name, drawn[generator.name])
            for generator in bench.generators
        }
    return figures


def _count(generator: Generator, count: int) -> int:
    return max(1, round(count * generator.share))


def _check(bench: Bench, name: str, drawn: Draw) -> dict[str, float]:
    if drawn.error:
        print(
            f"{name} on {bench.schema}: {drawn.failed} draw(s) failed, the first "
            f"with {drawn.error}",
            file=sys.stderr,
        )
    figures = {"rate": drawn.rate}
    if drawn.cpu_rate is not None:
        figures["cpu_rate"] = drawn.cpu_rate

    valid = sum(1 for instance in drawn.instances if bench.validator.is_valid(instance))
    figures["valid"] = valid / drawn.attempted if drawn.attempted else 0.0
    if name == OURS and bench.model is not None:
        figures["parsed"] = _parsed(bench.model, drawn.instances)
    return figures


def _validator(contract_set: ContractSet, name: str) -> Any:
    return jsonschema.Draft202012Validator(
        contract_set.schema(name),
        registry=contract_set.registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def _client_model(name: str) -> Any:
    try:
        from prefect.client.schemas import responses
    except ImportError:
        return None
    return getattr(responses, name)


def _parsed(model: Any, instances: list[Any]) -> float:
    from pydantic import ValidationError

    accepted = 0
    for instance in instances:
        with contextlib.suppress(ValidationError):
            model.model_validate(instance)
            accepted += 1
    return accepted / len(instances) if instances else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peers", nargs="*", choices=PEERS, default=list(PEERS))
    parser.add_argument("--no-peers", dest="peers", action="store_const", const=[])
    arguments = parser.parse_args()

    contract_set = load_contract_set(VERSION)
    results = Results({}, arguments.rounds, 0.0, ())
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as folder:
        benches = prepare(contract_set, arguments.peers, Path(folder))
        for index in range(arguments.rounds):
            print(f"round {index + 1} of {arguments.rounds}", file=sys.stderr)
            for schema, drawn in measure_round(benches, arguments.count, index).items():
                for name, figures in drawn.items():
                    results.add_generation(schema, name, figures)
    print(render_generation(results))


if __name__ == "__main__":
    main()
