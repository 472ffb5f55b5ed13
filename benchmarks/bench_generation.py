"""Measure how fast the instance generator draws valid Prefect answers.

Run with ``.venv/bin/python benchmarks/bench_generation.py``. For each schema
the script compiles once, then draws ``--count`` instances per round (one
seeded stream, as ``generate_many`` does) and prints, over ``--rounds``
rounds, the best rate by CPU time (the generator's own cost; other processes
sharing the machine do not count) and the median rate by wall-clock time.
Every instance drawn is then validated with jsonschema (draft 2020-12,
format checking on, outside the timing) and the share of valid ones is
printed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jsonschema

from mockserver.contracts import load_contract_set
from mockserver.generation import InstanceGenerator

SCHEMAS = ("FlowRunResponse", "DeploymentResponse")
MODES = {"some-optional": {}, "complete": {"complete": True}}


def measure(
    version: str, name: str, count: int, rounds: int, options: dict[str, bool]
) -> tuple[list[float], list[float], float]:
    """Return each round's CPU and wall-clock rates, and the share valid."""
    contract_set = load_contract_set(version)
    generator = InstanceGenerator(contract_set.registry)
    schema = contract_set.schema(name)
    generator.compile(schema, **options)

    cpu_rates, wall_rates, instances = [], [], []
    for seed in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        batch = generator.generate_many(schema, count, seed=seed, **options)
        cpu_rates.append(count / (time.process_time() - cpu))
        wall_rates.append(count / (time.perf_counter() - wall))
        instances += batch

    validator = jsonschema.Draft202012Validator(
        schema,
        registry=contract_set.registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    valid = sum(1 for instance in instances if validator.is_valid(instance))
    return cpu_rates, wall_rates, valid / len(instances)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--version", default="3.9.1")
    arguments = parser.parse_args()

    for name in SCHEMAS:
        for mode, options in MODES.items():
            cpu_rates, wall_rates, valid = measure(
                arguments.version, name, arguments.count, arguments.rounds, options
            )
            print(
                f"prefect {arguments.version} {name:19} {mode:14} "
                f"cpu best {max(cpu_rates):8,.0f}/s  "
                f"wall median {statistics.median(wall_rates):8,.0f}/s  "
                f"valid {valid:.2%}"
            )


if __name__ == "__main__":
    main()
