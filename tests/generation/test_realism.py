"""Generated values look like what a Prefect server holds."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from random import Random

import pytest
from cronsim import CronSim
from dateutil.rrule import rrulestr

from mockserver.contracts import ContractSet
from mockserver.generation import InstanceGenerator, prefect_faker, providers

SEEDS = range(300)
SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"

PATTERNS: list[tuple[str, Callable[[Random], object], str]] = [
    ("flow-name", providers.flow_name, rf"{SLUG}"),
    ("deployment-name", providers.deployment_name, rf"{SLUG}"),
    ("flow-run-name", providers.flow_run_name, r"[a-z]+-[a-z]+"),
    ("tag", providers.tag, r"(team:)?[a-z0-9-]+"),
    ("slug", providers.slug, SLUG),
    ("url", providers.url, r"https://[a-z.]+(/[a-z0-9_-]+)+"),
    ("work-pool-name", providers.work_pool_name, SLUG),
    ("work-queue-name", providers.work_queue_name, SLUG),
    ("semantic-version", providers.semantic_version, r"\d+\.\d+\.\d+"),
    ("entrypoint", providers.entrypoint, r"[a-z]+/[a-z_]+\.py:[a-z_]+"),
]


@pytest.mark.parametrize(
    ("provider", "pattern"),
    [(provider, pattern) for _, provider, pattern in PATTERNS],
    ids=[name for name, _, _ in PATTERNS],
)
def test_provider_values_have_their_shape(
    provider: Callable[[Random], object], pattern: str
) -> None:
    rng = Random(7)
    values = [provider(rng) for _ in SEEDS]

    assert all(re.fullmatch(pattern, str(value)) for value in values), values[:5]
    assert len(set(map(str, values))) > 10


def test_flow_run_names_are_an_adjective_and_an_animal() -> None:
    rng = Random(3)
    for _ in SEEDS:
        adjective, animal = providers.flow_run_name(rng).split("-")

        assert adjective in providers.ADJECTIVES
        assert animal in providers.ANIMALS


def test_cron_strings_have_five_fields_and_parse() -> None:
    rng = Random(5)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in SEEDS:
        expression = providers.cron(rng)

        assert len(expression.split()) == 5
        assert next(iter(CronSim(expression, start))) > start


def test_recurrence_rules_parse() -> None:
    rng = Random(5)
    for _ in SEEDS:
        rule = rrulestr(providers.rrule(rng), dtstart=datetime(2025, 1, 1))

        assert rule.after(datetime(2025, 1, 1)) is not None


def test_timezones_are_iana_names_prefect_accepts(contracts_391: ContractSet) -> None:
    schedule = contracts_391.components["$defs"]["RRuleSchedule"]
    pattern = schedule["properties"]["timezone"]["anyOf"][0]["pattern"]
    accepted = set(pattern.split("|"))

    assert set(providers.TIMEZONES) <= zoneinfo.available_timezones()
    assert set(providers.TIMEZONES) <= accepted


@pytest.mark.parametrize("state_type", providers.STATE_TYPES)
def test_state_names_belong_to_their_type(state_type: str) -> None:
    rng = Random(1)
    names = {providers.state_name(rng, state_type) for _ in range(100)}

    assert names <= set(providers.STATE_NAMES[state_type])
    assert state_type.title() in names


def test_parameter_schemas_describe_their_parameters() -> None:
    rng = Random(2)
    for _ in SEEDS:
        parameters = providers.flow_parameters(rng)
        schema = providers.parameter_openapi_schema(parameters)

        assert list(schema["properties"]) == list(parameters)
        assert schema["type"] == "object"


def test_the_faker_providers_expose_every_concept() -> None:
    fake = prefect_faker(seed=4)

    assert re.fullmatch(SLUG, fake.flow_name())
    assert re.fullmatch(r"[a-z]+-[a-z]+", fake.flow_run_name())
    assert fake.schedule_timezone() in providers.TIMEZONES
    assert len(fake.cron_string().split()) == 5
    assert fake.state_name("COMPLETED") in providers.STATE_NAMES["COMPLETED"]
    assert fake.work_pool_type() in {
        "process",
        "docker",
        "kubernetes",
        "ecs",
        "cloud-run",
        "azure-container-instance",
    }


FIELDS: list[tuple[str, str, str]] = [
    ("FlowRunResponse", "name", r"[a-z]+-[a-z]+"),
    ("DeploymentResponse", "name", SLUG),
    ("Flow", "name", SLUG),
    ("WorkPoolResponse", "name", SLUG),
    ("FlowRunResponse", "flow_version", r"\d+\.\d+\.\d+"),
    ("DeploymentResponse", "entrypoint", r"[a-z]+/[a-z_]+\.py:[a-z_]+"),
    ("WorkPoolResponse", "type", r"[a-z-]+"),
]


@pytest.mark.parametrize(
    ("schema_name", "field", "pattern"),
    FIELDS,
    ids=[f"{schema}.{field}" for schema, field, _ in FIELDS],
)
def test_fields_get_the_provider_their_name_calls_for(
    contracts_391: ContractSet,
    generator_391: InstanceGenerator,
    schema_name: str,
    field: str,
    pattern: str,
) -> None:
    schema = contracts_391.schema(schema_name)
    values = [
        generator_391.generate(schema, seed=seed, complete=True)[field]
        for seed in range(100)
    ]
    present = [value for value in values if value is not None]

    assert len(present) > 50
    assert all(re.fullmatch(pattern, value) for value in present), present[:5]


def test_date_times_carry_a_timezone_and_cluster_around_the_anchor(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("FlowRunResponse")
    for seed in range(100):
        created = generator_391.generate(schema, seed=seed, complete=True)["created"]
        if created is None:
            continue
        moment = datetime.fromisoformat(created)

        assert moment.utcoffset() is not None
        assert (
            datetime(2025, 1, 1, tzinfo=UTC) < moment < datetime(2025, 7, 1, tzinfo=UTC)
        )


def test_tags_are_distinct(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("DeploymentResponse")
    for seed in range(100):
        tags = generator_391.generate(schema, seed=seed, complete=True)["tags"]

        assert len(tags) == len(set(tags))
