"""The ``mockserver fixtures`` commands: generate test data from contracts.

``mockserver fixtures generate FlowRunResponse --count 100 --seed 7`` writes
instances of any request or response schema of a contract set; the same
options write the same bytes. The work is done by
:mod:`mockserver.fixtures`; this module parses options and reports.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import click

from mockserver.cli_options import prefect_version_option
from mockserver.contracts import load_contract_set
from mockserver.errors import MockserverError

JSON = Any


def _pins(
    context: click.Context, parameter: click.Parameter, values: Sequence[str]
) -> dict[str, JSON]:
    pins: dict[str, JSON] = {}
    for assignment in values:
        path, equals, text = assignment.partition("=")
        if not equals or not path:
            raise click.BadParameter(
                f"{assignment!r} is not PATH=VALUE, e.g. name=nightly"
            )
        pins[path] = _value(text)
    return pins


def _value(text: str) -> JSON:
    # JSON where the text is JSON (3, true, null, {"x": 1}, "1.0"), else the
    # text itself, so that name=nightly needs no quotes.
    try:
        return json.loads(text)
    except ValueError:
        return text


@click.group("fixtures")
def fixtures() -> None:
    """Generate test data that satisfies a contract set."""


@fixtures.command("generate")
@click.argument("schema_name", metavar="SCHEMA")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many instances.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Fixes the output."
)
@prefect_version_option("The contract set whose schema is used.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "jsonl"]),
    default="json",
    show_default=True,
    help="json: one array, an instance per line; jsonl: an instance per line.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--set",
    "pins",
    multiple=True,
    metavar="PATH=VALUE",
    callback=_pins,
    help="Give every instance this value, e.g. name=nightly or state.type=RUNNING; "
    'VALUE is read as JSON when it is JSON (quote "1.0" to keep a string). '
    "Repeatable.",
)
@click.option("--required-only", is_flag=True, help="Leave out every optional field.")
def generate(
    schema_name: str,
    count: int,
    seed: int,
    version: str,
    output_format: str,
    out: Path | None,
    pins: dict[str, JSON],
    required_only: bool,
) -> None:
    """Write COUNT instances of SCHEMA, valid against its contract.

    SCHEMA is a component (FlowRunResponse, DeploymentCreate), a request body
    (create_flow_run_from_deployment.request) or a response body
    (read_deployment.response.200); an operation can also be named by the
    endpoint its path ends in (create_flow_run.request). What a server
    answers carries every field, as a real server sends it; a request body a
    random share of its optional fields. The same options give the same
    bytes.
    """
    # Imported here: Faker takes a second to load, and every mockserver
    # command imports this module to register its commands.
    from mockserver import fixtures as generation

    _check_schema(schema_name, version, pins, required_only)
    batches = generation.generate_batches(
        schema_name,
        count=count,
        seed=seed,
        version=version,
        pinned=pins,
        required_only=required_only,
    )
    try:
        with (
            _output(out) as stream,
            _progress(count, generation.BATCH_SIZE) as progress,
        ):
            generation.write_instances(
                _reporting(batches, progress), stream, format=output_format
            )
    except MockserverError as error:
        if out is not None:
            out.unlink(missing_ok=True)
        raise click.ClickException(str(error)) from error
    if out is not None:
        click.echo(f"wrote {count} instance(s) of {schema_name} to {out}", err=True)


def _check_schema(
    name: str, version: str, pins: dict[str, JSON], required_only: bool
) -> None:
    contracts = load_contract_set(version)
    # A bare operation name is ambiguous: say which of its schemas exist.
    if name in contracts.operations:
        choices = [n for n in contracts.schema_names() if n.startswith(name + ".")]
        raise click.UsageError(
            f"{name!r} is an operation; name one of its schemas: "
            + (", ".join(choices) or "it has none")
        )
    try:
        schema = contracts.schema(name)
    except MockserverError as error:
        raise click.UsageError(str(error)) from error
    if pins:
        _check_pins(name, version, schema, pins, required_only)


def _check_pins(
    name: str,
    version: str,
    schema: JSON,
    pins: dict[str, JSON],
    required_only: bool,
) -> None:
    # Pinned values are used as given: one draw shows whether they fit.
    from mockserver.fixtures import generate as draw

    try:
        (sample,) = draw(
            name, version=version, pinned=pins, required_only=required_only
        )
    except MockserverError as error:
        raise click.UsageError(f"--set: {error}") from error
    validator = load_contract_set(version).validator_for(schema)
    problems = [
        f"{'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(sample)
    ]
    if problems:
        raise click.UsageError(
            f"--set values break the schema {name}: {'; '.join(problems)} "
            "(VALUE is read as JSON: quote it to keep a string, as in "
            "--set 'version=\"1.0\"')"
        )


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[BinaryIO]:
    if out is None:
        yield sys.stdout.buffer
        return
    with out.open("wb") as stream:
        yield stream


@contextlib.contextmanager
def _progress(count: int, batch_size: int) -> Iterator[Callable[[int], None]]:
    # Worth showing only when there is more than one batch to wait for.
    if count <= batch_size:
        yield lambda done: None
        return
    with click.progressbar(length=count, label="generating", file=sys.stderr) as bar:
        yield bar.update


def _reporting(
    batches: Iterator[list[JSON]], progress: Callable[[int], None]
) -> Iterator[list[JSON]]:
    for batch in batches:
        yield batch
        progress(len(batch))


__all__ = ["fixtures"]
