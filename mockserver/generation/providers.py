"""Faker providers for the things a Prefect server talks about.

Every domain concept has two faces here. A plain function that takes a
:class:`random.Random` (``flow_name(rng)``) is what the instance generator
calls on its hot path, and a Faker provider class (``FlowProvider``) wraps the
same functions for people who already use Faker::

    >>> fake = prefect_faker(seed=7)
    >>> fake.flow_run_name()        # doctest: +SKIP
    'amber-heron'

The word lists are our own; they aim at names a data team would plausibly
give its flows, deployments and pools, not at Prefect's exact vocabulary.
Nothing here reads the clock or global random state, so equal seeds give
equal output.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any, TypeVar

from faker import Faker
from faker.providers import BaseProvider

from mockserver.state.states import STATE_TYPES

JSON = Any
_T = TypeVar("_T")


def pick(rng: Random, choices: Sequence[_T]) -> _T:
    """Return one element of ``choices``, drawn with ``rng``."""
    return choices[int(rng.random() * len(choices))]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Two-word run names follow the adjective-animal shape Prefect gives flow
# runs (it draws them from the coolname package); the words are ours.
ADJECTIVES = _words(
    """
    amber ancient arctic azure bold brave breezy bright brisk calm candid
    cheerful clever cobalt coral cosmic crimson crystal curious daring dapper
    dazzling dusky eager earnest electric emerald enchanted fearless fiery
    flawless fluffy flying gentle gilded glossy golden graceful granite
    hardy hazel helpful heroic honest humble icy indigo jade jolly keen
    kind lavender lively loyal lucky lunar magenta marble mellow merry
    mighty misty modest nimble noble oaken olive opal orange patient pearl
    placid plucky polar proud quick quiet radiant rapid rose ruby rugged
    rustic saffron sapphire scarlet serene shiny silent silver sleek smart
    snowy solar sparkling speedy spirited steady stellar stoic sturdy sunny
    swift tangerine teal tidy tireless topaz tranquil true turquoise upbeat
    valiant velvet vermilion vibrant violet vivid warm whimsical wise witty
    zealous zesty
    """
)
ANIMALS = _words(
    """
    albatross alpaca anteater antelope armadillo badger barracuda beagle
    bear beetle bison bobcat buffalo bullfinch butterfly camel capybara
    caribou cassowary catfish chameleon cheetah chipmunk cicada cobra condor
    cormorant cougar coyote crane cricket crow dingo dolphin donkey dove
    dragonfly eagle egret elk emu falcon ferret finch flamingo fox gazelle
    gecko gibbon giraffe gopher grouse gull hamster hare hawk hedgehog heron
    hippo hornet hummingbird ibex ibis iguana impala jackal jaguar jay
    kangaroo kestrel kingfisher kiwi koala lemur leopard limpet llama lobster
    lynx macaw magpie manatee mantis marmot marten meerkat mongoose moose
    narwhal newt ocelot octopus okapi oriole osprey otter owl panda panther
    parrot pelican penguin petrel pheasant pika platypus puffin quail quokka
    raccoon raven reindeer robin salamander seahorse seal shrew skunk sloth
    sparrow squid starling stingray stork swan tapir tern tiger toucan turtle
    vulture walrus weasel whale wildebeest wolf wombat wren yak zebra
    """
)
_PIPELINE_VERBS = _words(
    """
    ingest load extract transform sync export import refresh rebuild score
    train evaluate backfill aggregate validate publish archive reconcile
    enrich dedupe compact snapshot notify report forecast index migrate
    """
)
_PIPELINE_NOUNS = _words(
    """
    orders customers invoices payments events clicks sessions inventory
    shipments products prices reviews tickets accounts ledger metrics logs
    features embeddings models forecasts leads campaigns subscriptions users
    transactions warehouse catalog sensors telemetry signups churn
    """
)
_CADENCES = _words("hourly daily nightly weekly monthly adhoc realtime")
_ENVIRONMENTS = _words("prod staging dev qa sandbox")
_TEAMS = _words("data analytics platform ml finance growth ops research")
_TAG_WORDS = _words(
    """
    etl elt ml reporting critical backfill experimental nightly hourly
    batch streaming finance marketing sales ops platform sla-1h sla-24h
    gpu large small pii external internal dbt spark snowflake bigquery
    """
)
_WORK_POOL_TYPES = _words(
    "process docker kubernetes ecs cloud-run azure-container-instance"
)
_WORK_POOL_STEMS = _words(
    "default local docker k8s ecs batch gpu highmem spot onprem edge"
)
_WORK_QUEUE_NAMES = _words(
    """
    default high-priority low-priority critical backfill gpu cpu-heavy
    io-bound nightly interactive overflow
    """
)
_HOSTS = _words(
    """
    storage.example.com artifacts.example.org docs.example.net
    git.example.com registry.example.io data.example.com
    """
)
_PATH_WORDS = _words(
    "flows pipelines jobs projects reports exports datasets runs results"
)
_DESCRIPTION_OPENERS = (
    "Loads",
    "Refreshes",
    "Builds",
    "Publishes",
    "Validates",
    "Aggregates",
    "Scores",
    "Archives",
)
_DESCRIPTION_TARGETS = (
    "into the warehouse",
    "for the morning dashboard",
    "from the upstream API",
    "for the finance team",
    "into the feature store",
    "across all regions",
    "for downstream models",
    "before the nightly close",
)

# Zones that exist both in the IANA database and in the timezone pattern of
# Prefect's CronSchedule schema; the tests hold this list to both.
TIMEZONES = _words(
    """
    UTC Africa/Cairo Africa/Johannesburg Africa/Lagos Africa/Nairobi
    America/Anchorage America/Argentina/Buenos_Aires America/Bogota
    America/Chicago America/Denver America/Halifax America/Los_Angeles
    America/Mexico_City America/New_York America/Phoenix America/Santiago
    America/Sao_Paulo America/Toronto America/Vancouver Asia/Bangkok
    Asia/Dubai Asia/Ho_Chi_Minh Asia/Hong_Kong Asia/Jakarta Asia/Jerusalem
    Asia/Karachi Asia/Kolkata Asia/Manila Asia/Seoul Asia/Shanghai
    Asia/Singapore Asia/Taipei Asia/Tehran Asia/Tokyo Atlantic/Reykjavik
    Australia/Adelaide Australia/Brisbane Australia/Perth Australia/Sydney
    Europe/Amsterdam Europe/Athens Europe/Berlin Europe/Dublin
    Europe/Helsinki Europe/Istanbul Europe/Lisbon Europe/London
    Europe/Madrid Europe/Oslo Europe/Paris Europe/Prague Europe/Rome
    Europe/Stockholm Europe/Vienna Europe/Warsaw Europe/Zurich
    Pacific/Auckland Pacific/Honolulu
    """
)

STATE_NAMES: dict[str, tuple[str, ...]] = {
    "SCHEDULED": ("Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot"),
    "PENDING": ("Pending",),
    "RUNNING": ("Running", "Retrying"),
    "COMPLETED": ("Completed", "Cached"),
    "FAILED": ("Failed",),
    "CANCELLED": ("Cancelled",),
    "CRASHED": ("Crashed",),
    "PAUSED": ("Paused", "Suspended"),
    "CANCELLING": ("Cancelling",),
}
"""State names Prefect gives each state type; the first is the plain one."""

_STATE_MESSAGES: dict[str, tuple[str | None, ...]] = {
    "SCHEDULED": ("Scheduled by the deployment schedule.", None),
    "PENDING": ("Submitted to the work pool.", None),
    "RUNNING": ("Run started", None),
    "COMPLETED": ("All states completed.", "Completed without errors."),
    "FAILED": ("Flow run encountered an exception: ValueError",),
    "CANCELLED": ("Cancelled by the user.",),
    "CRASHED": ("Flow run infrastructure exited with non-zero status code 1.",),
    "PAUSED": ("Waiting for input.", None),
    "CANCELLING": ("Cancellation requested.",),
}


def flow_name(rng: Random) -> str:
    """Return a flow name such as ``'ingest-orders'``."""
    return f"{pick(rng, _PIPELINE_VERBS)}-{pick(rng, _PIPELINE_NOUNS)}"


def entrypoint(rng: Random) -> str:
    """Return a flow entrypoint such as ``'flows/ingest_orders.py:ingest_orders'``."""
    function = flow_name(rng).replace("-", "_")
    return f"{pick(rng, _PATH_WORDS)}/{function}.py:{function}"


def deployment_name(rng: Random) -> str:
    """Return a deployment name such as ``'nightly'`` or ``'prod-hourly'``."""
    if rng.random() < 0.4:
        return pick(rng, _CADENCES)
    return f"{pick(rng, _ENVIRONMENTS)}-{pick(rng, _CADENCES)}"


def flow_run_name(rng: Random) -> str:
    """Return a two-word flow run name such as ``'crimson-otter'``."""
    return f"{pick(rng, ADJECTIVES)}-{pick(rng, ANIMALS)}"


def tag(rng: Random) -> str:
    """Return one tag such as ``'etl'`` or ``'team:data'``."""
    if rng.random() < 0.2:
        return f"team:{pick(rng, _TEAMS)}"
    return pick(rng, _TAG_WORDS)


def tags(rng: Random, count: int | None = None) -> list[str]:
    """Return distinct tags such as ``['etl', 'prod']``; 0 to 3 unless told."""
    wanted = int(rng.random() * 4) if count is None else count
    chosen: list[str] = []
    for _ in range(wanted * 4):
        if len(chosen) == wanted:
            break
        candidate = tag(rng)
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def slug(rng: Random) -> str:
    """Return a lowercase, hyphenated slug such as ``'orders-daily'``."""
    return f"{pick(rng, _PIPELINE_NOUNS)}-{pick(rng, _CADENCES)}"


def cron(rng: Random) -> str:
    """Return a valid five-field cron string such as ``'15 3 * * 1-5'``."""
    minute = int(rng.random() * 60)
    hour = int(rng.random() * 24)
    shape = int(rng.random() * 7)
    if shape == 0:
        return f"*/{pick(rng, (5, 10, 15, 20, 30))} * * * *"
    if shape == 1:
        return f"{minute} * * * *"
    if shape == 2:
        return f"{minute} */{pick(rng, (2, 3, 4, 6, 12))} * * *"
    if shape == 3:
        return f"{minute} {hour} * * 1-5"
    if shape == 4:
        return f"{minute} {hour} {1 + int(rng.random() * 28)} * *"
    if shape == 5:
        return f"{minute} {hour} * * {pick(rng, ('0', '1', '5', '0,3', '2,4'))}"
    return f"{minute} {hour} * * *"


def timezone(rng: Random) -> str:
    """Return an IANA timezone name such as ``'Europe/Berlin'``."""
    return pick(rng, TIMEZONES)


def rrule(rng: Random) -> str:
    """Return an RFC 5545 recurrence rule such as ``'FREQ=DAILY;BYHOUR=9'``."""
    hour = int(rng.random() * 24)
    minute = pick(rng, (0, 15, 30, 45))
    shape = int(rng.random() * 4)
    if shape == 0:
        return f"FREQ=DAILY;INTERVAL=1;BYHOUR={hour};BYMINUTE={minute}"
    if shape == 1:
        days = pick(rng, ("MO,WE,FR", "MO,TU,WE,TH,FR", "SA,SU", "TU,TH"))
        return f"FREQ=WEEKLY;BYDAY={days};BYHOUR={hour};BYMINUTE={minute}"
    if shape == 2:
        return f"FREQ=MONTHLY;BYMONTHDAY={1 + int(rng.random() * 28)};BYHOUR={hour}"
    return f"FREQ=HOURLY;INTERVAL={pick(rng, (1, 2, 3, 6, 12))}"


def interval_seconds(rng: Random) -> float:
    """Return a schedule interval in seconds such as ``3600.0``."""
    return float(pick(rng, (60, 300, 900, 1800, 3600, 7200, 21600, 86400)))


def url(rng: Random) -> str:
    """Return an https URL such as ``'https://data.example.com/flows/orders'``."""
    return (
        f"https://{pick(rng, _HOSTS)}/{pick(rng, _PATH_WORDS)}/"
        f"{pick(rng, _PIPELINE_NOUNS)}"
    )


def work_pool_name(rng: Random) -> str:
    """Return a work pool name such as ``'k8s-prod'``."""
    return f"{pick(rng, _WORK_POOL_STEMS)}-{pick(rng, _ENVIRONMENTS)}"


def work_pool_type(rng: Random) -> str:
    """Return a work pool type such as ``'kubernetes'``."""
    return pick(rng, _WORK_POOL_TYPES)


def work_queue_name(rng: Random) -> str:
    """Return a work queue name such as ``'high-priority'``."""
    return pick(rng, _WORK_QUEUE_NAMES)


def worker_name(rng: Random) -> str:
    """Return a worker name such as ``'ProcessWorker 3f9a1c2e-...'``."""
    kind = pick(rng, ("ProcessWorker", "DockerWorker", "KubernetesWorker"))
    return f"{kind} {rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}"


def state_type(rng: Random) -> str:
    """Return a state type such as ``'RUNNING'``."""
    return pick(rng, STATE_TYPES)


def state_name(rng: Random, of_type: str | None = None) -> str:
    """Return a state name matching ``of_type``: ``'Late'`` for ``'SCHEDULED'``.

    Three times in four the plain name (``'Scheduled'``) is chosen.
    """
    names = STATE_NAMES.get(of_type or state_type(rng), ("Running",))
    if len(names) == 1 or rng.random() < 0.75:
        return names[0]
    return pick(rng, names[1:])


def state_message(rng: Random, of_type: str | None = None) -> str | None:
    """Return a state message such as ``'Run started'``, or ``None``."""
    return pick(rng, state_messages(of_type or state_type(rng)))


def state_messages(of_type: str) -> tuple[str | None, ...]:
    """Return the messages a state of type ``of_type`` may carry."""
    return _STATE_MESSAGES.get(of_type, (None,))


def semantic_version(rng: Random) -> str:
    """Return a semantic version such as ``'1.4.2'``."""
    major = int(rng.random() * 4)
    return f"{major}.{int(rng.random() * 20)}.{int(rng.random() * 10)}"


_PARAMETER_MAKERS: tuple[tuple[str, str], ...] = (
    ("date", "string"),
    ("limit", "integer"),
    ("dry_run", "boolean"),
    ("source", "string"),
    ("batch_size", "integer"),
    ("threshold", "number"),
    ("region", "string"),
    ("full_refresh", "boolean"),
)


def _parameter_value(rng: Random, name: str) -> JSON:
    if name == "date":
        return f"2025-0{1 + int(rng.random() * 9)}-{10 + int(rng.random() * 18)}"
    if name in ("limit", "batch_size"):
        return pick(rng, (10, 50, 100, 500, 1000, 5000))
    if name in ("dry_run", "full_refresh"):
        return rng.random() < 0.3
    if name == "source":
        return f"s3://{pick(rng, _TEAMS)}-lake/raw/{pick(rng, _PIPELINE_NOUNS)}"
    if name == "threshold":
        return round(rng.random(), 2)
    return pick(rng, ("us-east-1", "eu-west-1", "ap-southeast-2"))


def flow_parameters(rng: Random) -> dict[str, JSON]:
    """Return flow parameters such as ``{'limit': 100, 'dry_run': False}``."""
    parameters: dict[str, JSON] = {}
    for name, _ in _PARAMETER_MAKERS:
        if rng.random() < 0.35:
            parameters[name] = _parameter_value(rng, name)
    return parameters


def parameter_openapi_schema(parameters: dict[str, JSON]) -> dict[str, JSON]:
    """Return the parameter schema Prefect would derive for ``parameters``.

    Sample: ``{'title': 'Parameters', 'type': 'object', 'properties':
    {'limit': {'title': 'limit', 'position': 0, 'type': 'integer'}},
    'required': [], 'definitions': {}}``.
    """
    kinds = dict(_PARAMETER_MAKERS)
    properties = {
        name: {
            "title": name,
            "position": position,
            "type": kinds.get(name, "string"),
            "default": value,
        }
        for position, (name, value) in enumerate(parameters.items())
    }
    return {
        "title": "Parameters",
        "type": "object",
        "properties": properties,
        "required": [],
        "definitions": {},
    }


def job_variables(rng: Random) -> dict[str, JSON]:
    """Return job variable overrides such as ``{'image': 'prefecthq/prefect:3'}``."""
    variables: dict[str, JSON] = {}
    if rng.random() < 0.5:
        variables["image"] = pick(
            rng, ("prefecthq/prefect:3-latest", "ghcr.io/acme/flows:1.4.2")
        )
    if rng.random() < 0.4:
        variables["env"] = {"LOG_LEVEL": pick(rng, ("INFO", "DEBUG", "WARNING"))}
    if rng.random() < 0.3:
        variables["cpu"] = pick(rng, (256, 512, 1024, 2048))
        variables["memory"] = pick(rng, (512, 1024, 4096))
    return variables


def labels(rng: Random) -> dict[str, str | int | bool]:
    """Return key-value labels such as ``{'team': 'data', 'tier': 2}``."""
    result: dict[str, str | int | bool] = {}
    if rng.random() < 0.6:
        result["team"] = pick(rng, _TEAMS)
    if rng.random() < 0.5:
        result["env"] = pick(rng, _ENVIRONMENTS)
    if rng.random() < 0.3:
        result["tier"] = 1 + int(rng.random() * 3)
    if rng.random() < 0.2:
        result["critical"] = rng.random() < 0.5
    return result


def description(rng: Random) -> str:
    """Return a one-sentence description such as ``'Loads orders daily.'``."""
    return (
        f"{pick(rng, _DESCRIPTION_OPENERS)} {pick(rng, _PIPELINE_NOUNS)} "
        f"{pick(rng, _DESCRIPTION_TARGETS)}."
    )


class _Provider(BaseProvider):
    @property
    def _rng(self) -> Random:
        rng: Random = self.generator.random
        return rng


class FlowProvider(_Provider):
    """Flow names and entrypoints."""

    def flow_name(self) -> str:
        """Sample: ``'ingest-orders'``."""
        return flow_name(self._rng)

    def entrypoint(self) -> str:
        """Sample: ``'flows/ingest_orders.py:ingest_orders'``."""
        return entrypoint(self._rng)


class DeploymentProvider(_Provider):
    """Deployment names."""

    def deployment_name(self) -> str:
        """Sample: ``'prod-hourly'``."""
        return deployment_name(self._rng)


class FlowRunProvider(_Provider):
    """Flow run names in Prefect's adjective-animal style."""

    def flow_run_name(self) -> str:
        """Sample: ``'crimson-otter'``."""
        return flow_run_name(self._rng)


class TagProvider(_Provider):
    """Tags as people put them on flows, deployments and runs."""

    def prefect_tag(self) -> str:
        """Sample: ``'etl'``."""
        return tag(self._rng)

    def prefect_tags(self, count: int | None = None) -> list[str]:
        """Sample: ``['etl', 'team:data']``."""
        return tags(self._rng, count)


class LabelProvider(_Provider):
    """Key-value labels."""

    def resource_labels(self) -> dict[str, str | int | bool]:
        """Sample: ``{'team': 'data', 'env': 'prod'}``."""
        return labels(self._rng)


class SlugProvider(_Provider):
    """Lowercase, hyphenated slugs."""

    def resource_slug(self) -> str:
        """Sample: ``'orders-daily'``."""
        return slug(self._rng)


class ScheduleProvider(_Provider):
    """Cron strings, recurrence rules, intervals and their timezones."""

    def cron_string(self) -> str:
        """Sample: ``'15 3 * * 1-5'``."""
        return cron(self._rng)

    def rrule_string(self) -> str:
        """Sample: ``'FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0'``."""
        return rrule(self._rng)

    def schedule_timezone(self) -> str:
        """Sample: ``'America/Chicago'``."""
        return timezone(self._rng)

    def interval_seconds(self) -> float:
        """Sample: ``3600.0``."""
        return interval_seconds(self._rng)


class UrlProvider(_Provider):
    """Web addresses of storage, documentation and registries."""

    def resource_url(self) -> str:
        """Sample: ``'https://storage.example.com/flows/orders'``."""
        return url(self._rng)


class WorkPoolProvider(_Provider):
    """Work pool names and types, work queue and worker names."""

    def work_pool_name(self) -> str:
        """Sample: ``'k8s-prod'``."""
        return work_pool_name(self._rng)

    def work_pool_type(self) -> str:
        """Sample: ``'kubernetes'``."""
        return work_pool_type(self._rng)

    def work_queue_name(self) -> str:
        """Sample: ``'high-priority'``."""
        return work_queue_name(self._rng)

    def worker_name(self) -> str:
        """Sample: ``'ProcessWorker 3f9a1c2e-8b41'``."""
        return worker_name(self._rng)


class StateProvider(_Provider):
    """State types and the names and messages that go with them."""

    def state_type(self) -> str:
        """Sample: ``'RUNNING'``."""
        return state_type(self._rng)

    def state_name(self, state_type: str | None = None) -> str:
        """Sample: ``'Running'``; ``state_name('SCHEDULED')`` may give ``'Late'``."""
        return state_name(self._rng, state_type)

    def state_message(self, state_type: str | None = None) -> str | None:
        """Sample: ``'Run started'``."""
        return state_message(self._rng, state_type)


class VersionProvider(_Provider):
    """Semantic versions of flows and deployments."""

    def semantic_version(self) -> str:
        """Sample: ``'1.4.2'``."""
        return semantic_version(self._rng)


class ParametersProvider(_Provider):
    """Flow parameters, their OpenAPI schema, and job variables."""

    def flow_parameters(self) -> dict[str, JSON]:
        """Sample: ``{'limit': 100, 'dry_run': False}``."""
        return flow_parameters(self._rng)

    def parameter_openapi_schema(
        self, parameters: dict[str, JSON] | None = None
    ) -> dict[str, JSON]:
        """Sample: ``{'title': 'Parameters', 'type': 'object', ...}``."""
        return parameter_openapi_schema(
            flow_parameters(self._rng) if parameters is None else parameters
        )

    def job_variables(self) -> dict[str, JSON]:
        """Sample: ``{'image': 'prefecthq/prefect:3-latest', 'cpu': 512}``."""
        return job_variables(self._rng)


class DescriptionProvider(_Provider):
    """One-sentence descriptions of flows, deployments and pools."""

    def resource_description(self) -> str:
        """Sample: ``'Loads orders into the warehouse.'``."""
        return description(self._rng)


PROVIDERS: tuple[type[BaseProvider], ...] = (
    FlowProvider,
    DeploymentProvider,
    FlowRunProvider,
    TagProvider,
    LabelProvider,
    SlugProvider,
    ScheduleProvider,
    UrlProvider,
    WorkPoolProvider,
    StateProvider,
    VersionProvider,
    ParametersProvider,
    DescriptionProvider,
)
"""Every provider class in this module."""


def prefect_faker(seed: int = 0) -> Faker:
    """Return a Faker with every provider here added, seeded with ``seed``.

    Sample: ``prefect_faker(seed=1).deployment_name()`` gives ``'nightly'``-like
    names; equal seeds give equal sequences.
    """
    fake = Faker()
    for provider in PROVIDERS:
        fake.add_provider(provider)
    fake.seed_instance(seed)
    return fake


__all__ = [
    "ADJECTIVES",
    "ANIMALS",
    "PROVIDERS",
    "STATE_NAMES",
    "STATE_TYPES",
    "TIMEZONES",
    "DeploymentProvider",
    "DescriptionProvider",
    "FlowProvider",
    "FlowRunProvider",
    "LabelProvider",
    "ParametersProvider",
    "ScheduleProvider",
    "SlugProvider",
    "StateProvider",
    "TagProvider",
    "UrlProvider",
    "VersionProvider",
    "WorkPoolProvider",
    "cron",
    "deployment_name",
    "description",
    "entrypoint",
    "flow_name",
    "flow_parameters",
    "flow_run_name",
    "interval_seconds",
    "job_variables",
    "labels",
    "parameter_openapi_schema",
    "pick",
    "prefect_faker",
    "rrule",
    "semantic_version",
    "slug",
    "state_message",
    "state_messages",
    "state_name",
    "state_type",
    "tag",
    "tags",
    "timezone",
    "url",
    "work_pool_name",
    "work_pool_type",
    "work_queue_name",
    "worker_name",
]
