"""Generate realistic, valid and reproducible Prefect API data.

Two parts: Faker providers for the things a Prefect server talks about
(:mod:`mockserver.generation.providers`), and a schema-driven instance
generator that compiles a JSON Schema once and then draws instances that
always validate (:class:`InstanceGenerator`). Both are deterministic for a
seed.
"""

from __future__ import annotations

from mockserver.generation.instances import (
    DEFAULT_ANCHOR,
    InstanceGenerator,
    Schema,
    generate_instance,
    shared_generator,
)
from mockserver.generation.providers import (
    PROVIDERS,
    DeploymentProvider,
    DescriptionProvider,
    FlowProvider,
    FlowRunProvider,
    LabelProvider,
    ParametersProvider,
    ScheduleProvider,
    SlugProvider,
    StateProvider,
    TagProvider,
    UrlProvider,
    VersionProvider,
    WorkPoolProvider,
    prefect_faker,
)

__all__ = [
    "DEFAULT_ANCHOR",
    "PROVIDERS",
    "DeploymentProvider",
    "DescriptionProvider",
    "FlowProvider",
    "FlowRunProvider",
    "InstanceGenerator",
    "LabelProvider",
    "ParametersProvider",
    "ScheduleProvider",
    "Schema",
    "SlugProvider",
    "StateProvider",
    "TagProvider",
    "UrlProvider",
    "VersionProvider",
    "WorkPoolProvider",
    "generate_instance",
    "prefect_faker",
    "shared_generator",
]
