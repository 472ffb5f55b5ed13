"""The ``mockserver verify`` command: check a server against a contract set.

A thin wrapper over :func:`mockserver.conformance.verify`: it parses
options, prints one progress line per finished scenario on stderr, the
summary on stdout, writes the requested report files, and exits 0 only when
nothing new failed.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from mockserver import conformance
from mockserver.cli_options import prefect_version_option
from mockserver.conformance import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_STEPS,
    FORMATS,
    PHASES,
    Progress,
)
from mockserver.errors import MockserverError

__all__ = ["verify"]


def _phases(
    context: click.Context, parameter: click.Parameter, value: str
) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in chosen if name not in PHASES]
    if unknown or not chosen:
        raise click.BadParameter(
            f"{value!r}: give a comma-separated subset of {', '.join(PHASES)}"
        )
    return chosen


def _regex(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as error:
            raise click.BadParameter(
                f"{value!r} is not a regular expression: {error}"
            ) from error
    return value


def _show(progress: Progress) -> None:
    click.echo(str(progress), err=True)


@click.command("verify")
@click.option(
    "--base-url",
    required=True,
    metavar="URL",
    help="The API root of the server to check, e.g. http://127.0.0.1:4200/api.",
)
@prefect_version_option("The contract set to check against.")
@click.option(
    "--operations",
    metavar="REGEX",
    callback=_regex,
    help="Only operations whose name this regular expression finds.",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Cases per operation and phase, at most.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=2),
    default=DEFAULT_MAX_STEPS,
    show_default=True,
    help="Calls per stateful scenario, at most.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Repeat a run.")
@click.option(
    "--phases",
    default=",".join(PHASES),
    show_default=True,
    callback=_phases,
    help="Comma-separated phases to run.",
)
@click.option(
    "--report",
    "reports",
    type=(click.Choice(FORMATS), click.Path(dir_okay=False, path_type=Path)),
    multiple=True,
    metavar="FORMAT PATH",
    help="Also write the report as junit, json or html to PATH (repeatable).",
)
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Let deletes reach objects the run did not create. Never on real work.",
)
@click.option(
    "--deviations",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A known-deviations file: matching failures are reported apart.",
)
@click.option("--quiet", is_flag=True, help="No progress lines, only the summary.")
def verify(
    base_url: str,
    version: str,
    operations: str | None,
    max_examples: int,
    max_steps: int,
    seed: int,
    phases: tuple[str, ...],
    reports: tuple[tuple[str, Path], ...],
    allow_destructive: bool,
    deviations: Path | None,
    quiet: bool,
) -> None:
    """Check the server at --base-url against a contract set with Schemathesis.

    Runs the examples, coverage, fuzzing and stateful phases with every
    check, prints a summary with one curl reproduction per failure group,
    and exits 0 only when nothing new failed. Deletes only ever reach
    objects the run created itself, unless --allow-destructive.

    Cases are judged the way Prefect reads them: it validates with pydantic
    in lax mode, so a negative case the contract set's lax reading accepts
    (false for an integer, null for a bundled field) may be accepted, and a
    positive case the contract set rejects may be rejected. Such failures are
    listed as "set aside", with the reason, and do not fail the run.
    """
    try:
        report = conformance.verify(
            base_url,
            version=version,
            operations=operations,
            max_examples=max_examples,
            max_steps=max_steps,
            seed=seed,
            phases=phases,
            allow_destructive=allow_destructive,
            deviations=deviations,
            progress=None if quiet else _show,
        )
    except MockserverError as error:
        raise click.ClickException(str(error)) from error

    click.echo(report.summary())
    for kind, path in reports:
        try:
            report.write(kind, path)
        except OSError as error:
            raise click.ClickException(
                f"cannot write {str(path)!r}: {error.strerror}"
            ) from error
        click.echo(f"wrote the {kind} report to {str(path)!r}", err=True)
    if not report.ok:
        raise SystemExit(1)
