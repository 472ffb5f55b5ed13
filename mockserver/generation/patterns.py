"""Generate strings that match a regular expression.

Only the regular-expression features JSON Schema patterns use in practice
are understood: literals and escapes, ``.``, character classes (ranges,
negation, ``\\d \\w \\s``), groups (plain and ``(?:...)``), alternation,
the quantifiers ``* + ? {m} {m,} {m,n}`` (lazy or not), and the anchors
``^`` and ``$``, and inline flags other than verbose mode (``(?i)``,
``(?s:...)``). Prefect's schemas use a forbidden-character class for names,
an alternation of timezone names, and the contract sets add patterns for
cron strings and recurrence rules; all are covered.

A pattern is parsed once into a tree of small generator closures, like
schemas are.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from random import Random

from mockserver.errors import GenerationError

StringGen = Callable[[Random], str]

_ALPHABET = string.ascii_letters + string.digits + "-_"
_CLASSES = {
    "d": string.digits,
    "w": string.ascii_letters + string.digits + "_",
    "s": " ",
    "D": string.ascii_letters + "-_",
    "W": "-.:/ ",
    "S": string.ascii_letters + string.digits,
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
_OPEN_REPEAT = 6
"""How many extra repetitions ``*``, ``+`` and ``{m,}`` add at most."""


def compile_pattern(pattern: str) -> StringGen:
    """Return a function that draws strings matching ``pattern``.

    :raises GenerationError: when the pattern uses a feature not listed in
        the module docstring.
    """
    parser = _Parser(pattern)
    generate = parser.alternation()
    if parser.position != len(pattern):
        raise parser.error("unbalanced parenthesis")
    return generate


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.position = 0

    def error(self, problem: str) -> GenerationError:
        return GenerationError(
            f"cannot generate strings for pattern {self.pattern!r}: {problem} "
            f"at offset {self.position}",
            schema_path=("pattern",),
        )

    def peek(self) -> str | None:
        if self.position < len(self.pattern):
            return self.pattern[self.position]
        return None

    def take(self) -> str:
        character = self.pattern[self.position]
        self.position += 1
        return character

    def alternation(self) -> StringGen:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        return lambda rng: branches[int(rng.random() * len(branches))](rng)

    def sequence(self) -> StringGen:
        parts: list[StringGen] = []
        while self.peek() not in (None, "|", ")"):
            atom = self.atom()
            if atom is not None:
                parts.append(self.quantified(atom))
        if len(parts) == 1:
            return parts[0]
        return lambda rng: "".join(part(rng) for part in parts)

    def atom(self) -> StringGen | None:
        character = self.take()
        if character in "^$":
            return None
        if character == ".":
            return _one_of(_ALPHABET)
        if character == "[":
            return _one_of(self.character_class())
        if character == "(":
            return self.group()  # None for a flags-only group, like an anchor
        if character == "\\":
            return _one_of(self.escape())
        if character in "*+?{":
            raise self.error(f"nothing to repeat before {character!r}")
        return _literal(character)

    def group(self) -> StringGen | None:
        if self.pattern.startswith("?:", self.position):
            self.position += 2
        elif self.peek() == "?":
            flags = self.flags()
            if flags is None:
                raise self.error("lookaround and named groups are not supported")
            if self.take() == ")":
                return None
        inner = self.alternation()
        if self.peek() != ")":
            raise self.error("missing ')'")
        self.take()
        return inner

    def flags(self) -> str | None:
        # Inline flags, "(?i)" or "(?i:...)". A drawn string matches with and
        # without them, except under verbose mode, which changes the syntax.
        end = self.position + 1
        while end < len(self.pattern) and self.pattern[end] in "aiLmsux-":
            end += 1
        flags = self.pattern[self.position + 1 : end]
        if not flags or self.pattern[end : end + 1] not in (")", ":"):
            return None
        if "x" in flags:
            raise self.error("verbose mode (?x) is not supported")
        self.position = end
        return flags

    def escape(self) -> str:
        character = self.take()
        if character in _CLASSES:
            return _CLASSES[character]
        if character in _ESCAPES:
            return _ESCAPES[character]
        if character.isalnum():
            raise self.error(f"escape \\{character} is not supported")
        return character

    def character_class(self) -> str:
        negated = self.peek() == "^"
        if negated:
            self.take()
        members: set[str] = set()
        first = True
        while self.peek() is not None and (self.peek() != "]" or first):
            first = False
            start = self.class_member()
            if self.peek() == "-" and self.pattern[
                self.position + 1 : self.position + 2
            ] not in ("]", ""):
                self.take()
                end = self.class_member()
                members.update(chr(code) for code in range(ord(start), ord(end) + 1))
            else:
                members.update(start)
        if self.peek() != "]":
            raise self.error("missing ']'")
        self.take()
        if negated:
            members = set(_ALPHABET) - members
        if not members:
            raise self.error("empty character class")
        return "".join(sorted(members))

    def class_member(self) -> str:
        character = self.take()
        if character == "\\":
            return self.escape()
        return character

    def quantified(self, atom: StringGen) -> StringGen:
        character = self.peek()
        if character is None or character not in "*+?{":
            return atom
        low, high = self.bounds()
        if self.peek() == "?":
            self.take()
        span = high - low + 1
        return lambda rng: "".join(
            atom(rng) for _ in range(low + int(rng.random() * span))
        )

    def bounds(self) -> tuple[int, int]:
        character = self.take()
        if character == "*":
            return 0, _OPEN_REPEAT
        if character == "+":
            return 1, _OPEN_REPEAT
        if character == "?":
            return 0, 1
        closing = self.pattern.find("}", self.position)
        if closing < 0:
            raise self.error("missing '}'")
        body = self.pattern[self.position : closing]
        self.position = closing + 1
        low_text, _, high_text = body.partition(",")
        try:
            low = int(low_text)
            if "," not in body:
                return low, low
            return low, int(high_text) if high_text else low + _OPEN_REPEAT
        except ValueError:
            raise self.error(f"bad repetition {{{body}}}") from None


def _literal(character: str) -> StringGen:
    return lambda rng: character


def _one_of(characters: str) -> StringGen:
    if len(characters) == 1:
        return _literal(characters)
    count = len(characters)
    return lambda rng: characters[int(rng.random() * count)]


__all__ = ["StringGen", "compile_pattern"]
