"""Strings drawn for a regular expression match it."""

from __future__ import annotations

import re
from random import Random

import pytest

from mockserver.errors import GenerationError
from mockserver.generation.patterns import compile_pattern

PATTERNS = [
    r"^[^/%&><]+$",
    r"Europe/Berlin|America/New_York|UTC",
    r"^[a-z][a-z0-9_-]{2,15}$",
    r"^\d{4}-\d{2}-\d{2}$",
    r"^(?:v|release-)\d+\.\d+(\.\d+)?$",
    r"^[A-F\d]{8}$",
    r"^\w+@\w+\.(com|org)$",
    r"^a*b+c?d{2}e{1,}$",
    r"^x\.y\\z\-$",
    r"^[\s\S]{3}$",
    r"^.{0,5}$",
    r"[]a]+",
    r"^(a|b)*?c$",
    r"(?i)FREQ=(YEARLY|MONTHLY|WEEKLY|DAILY)",
    r"(?m)^(?s:.)x$",
    r"^\s*(@(yearly|daily)|[0-9A-Za-z*/,?#-]+(\s+[0-9A-Za-z*/,?#-]+){4,5})\s*$",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_drawn_strings_match_the_pattern(pattern: str) -> None:
    draw = compile_pattern(pattern)
    rng = Random(0)

    drawn = [draw(rng) for _ in range(200)]

    assert all(re.search(pattern, value) for value in drawn), drawn[:5]


def test_an_alternation_draws_every_branch() -> None:
    draw = compile_pattern("red|green|blue")
    rng = Random(0)

    assert {draw(rng) for _ in range(100)} == {"red", "green", "blue"}


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(?=x)y", "lookaround"),
        ("(?P<name>x)", "named groups"),
        (r"\bword", "escape \\b"),
        ("(unclosed", "missing"),
        ("[unclosed", "missing"),
        ("*x", "nothing to repeat"),
        ("x{2,a}", "bad repetition"),
        ("a)", "unbalanced"),
        ("(?x)a b", "verbose"),
    ],
    ids=[
        "lookahead",
        "named-group",
        "word-boundary",
        "open-group",
        "open-class",
        "bare-star",
        "bad-braces",
        "stray-paren",
        "verbose",
    ],
)
def test_unsupported_patterns_are_refused(pattern: str, problem: str) -> None:
    with pytest.raises(GenerationError, match=re.escape(problem)):
        compile_pattern(pattern)
