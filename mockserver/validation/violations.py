"""Turn JSON Schema errors into violations the way Prefect's server reports them.

A :class:`Violation` keeps its structure (where, which rule, the offending
value) until an envelope renders it. Prefect validates with pydantic, so a
violation is named with pydantic 2's error type (``missing``,
``extra_forbidden``, ``list_type``, ...) and message; the 2.14.16 envelope
maps those names to pydantic 1's.

Pydantic's lax mode accepts more than a strict reading of the schema: the
string ``"5"`` or the float ``5.0`` for an integer, ``"yes"`` for a boolean.
The real server takes those, so they are not violations here either.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

Location = tuple[str | int, ...]

_TRUTHY = {"1", "on", "t", "true", "y", "yes"}
_FALSY = {"0", "off", "f", "false", "n", "no"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IGNORED_KEYWORDS = {"uniqueItems"}
"""Keywords pydantic documents but does not enforce: a ``set`` drops duplicates."""


@dataclass(frozen=True)
class Violation:
    """One way a request or reply breaks its contract.

    :param location: where, starting with the part (``("body", "tags", 0)``).
    :param kind: pydantic 2's error type, for example ``"list_type"``.
    :param message: pydantic 2's message for it.
    :param input: the offending value.
    :param context: the rule's parameters (``{"ge": 0}``), if it has any.
    """

    location: Location
    kind: str
    message: str
    input: Any = None
    context: Mapping[str, Any] | None = field(default=None)
    expected_format: str | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.location) or "(root)"
        return f"{where}: {self.message} [{self.kind}] (got {self.input!r})"


def find_violations(
    validator: Validator,
    instance: Any,
    where: Location,
    fields: Sequence[str] = (),
    *,
    pydantic: int = 2,
    coercions: list[Violation] | None = None,
) -> list[Violation]:
    """Return every violation of ``instance``, in the order pydantic reports them.

    :param validator: a compiled validator for the part's schema.
    :param where: the location prefix, such as ``("body",)`` or ``("query",)``.
    :param fields: the part's top-level fields in declaration order; pydantic
        reports violations field by field in that order, extra fields last.
    :param pydantic: the major version of pydantic whose lax coercions the
        server applies (1 for Prefect 2, 2 for Prefect 3).
    :param coercions: when given, receives the type mismatches that lax mode
        forgives, for :func:`coerce` to apply.
    """
    found: dict[tuple[Location, str], Violation] = {}
    for error in validator.iter_errors(instance):
        for violation in _translate(error, where):
            if _coercible(violation, pydantic):
                if coercions is not None:
                    coercions.append(violation)
                continue
            if pydantic == 2:
                violation = _as_prefect_datetime(violation)
            found.setdefault((violation.location, violation.kind), violation)
    return sorted(found.values(), key=lambda v: _order(v, fields, where))


def coerce(
    instance: Any, coercions: Sequence[Violation], where: Location, pydantic: int = 2
) -> Any:
    """Return ``instance`` with the values lax mode converts, converted.

    The real server answers with what pydantic made of the request: ``"5"``
    sent for an integer comes back as ``5``, ``"yes"`` for a boolean as ``true``.
    """
    if not coercions:
        return instance
    result = copy.deepcopy(instance)
    for violation in coercions:
        *parents, last = violation.location[len(where) :]
        target = result
        for key in parents:
            target = target[key]
        target[last] = _converted(violation, pydantic)
    return result


def _converted(violation: Violation, pydantic: int) -> Any:
    value = violation.input
    expected = _EXPECTED[violation.kind]
    if expected == "integer":
        return int(float(value)) if isinstance(value, str) else int(value)
    if expected == "number":
        return float(value)
    if expected == "boolean":
        return value in (1, True) or str(value).lower() in _TRUTHY
    instant = _timestamp(value) if violation.expected_format == "date-time" else None
    if instant is not None:
        return instant.isoformat().replace("+00:00", "Z")
    return str(value)


def _rule(error: ValidationError) -> Any:
    return error.validator_value


def _got(error: ValidationError) -> Any:
    return error.instance


def _schema(error: ValidationError) -> Mapping[str, Any]:
    schema = error.schema
    return schema if isinstance(schema, Mapping) else {}


def _translate(error: ValidationError, where: Location) -> Iterator[Violation]:
    keyword = str(error.validator)
    location = where + tuple(error.absolute_path)
    if keyword in _IGNORED_KEYWORDS or _left_to_handler(error):
        return
    if keyword in ("anyOf", "oneOf"):
        yield from _translate_union(error, where)
        return

    translate = _KEYWORDS.get(keyword, _generic)
    yield from translate(error, location)


def _left_to_handler(error: ValidationError) -> bool:
    """Whether the contract leaves this bound for the responder to enforce."""
    bound = error.validator in ("minimum", "maximum")
    return bound and bool(_schema(error).get("x-checked-by-handler"))


def _translate_union(error: ValidationError, where: Location) -> Iterator[Violation]:
    branches = _rule(error)
    if _got(error) is None and any(_is_null(branch) for branch in branches):
        return

    candidates = [
        index for index, branch in enumerate(branches) if not _is_null(branch)
    ]
    by_branch: dict[int, list[ValidationError]] = {index: [] for index in candidates}
    for sub in error.context or ():
        index = sub.relative_schema_path[0]
        if index in by_branch:
            by_branch[int(index)].append(sub)

    chosen = min(candidates, key=lambda index: _mismatch(by_branch[index]))
    for sub in by_branch[chosen]:
        yield from _translate(sub, where)


def _mismatch(errors: list[ValidationError]) -> tuple[int, int]:
    shallow_type_errors = sum(
        1 for error in errors if error.validator == "type" and not error.relative_path
    )
    return (shallow_type_errors, len(errors))


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null"


def _type(error: ValidationError, location: Location) -> Iterator[Violation]:
    expected = _rule(error)
    kinds = expected if isinstance(expected, list) else [expected]
    value = _got(error)
    kind, message, context = _type_error(kinds[0], value, _schema(error))
    expected_format = _schema(error).get("format")
    yield Violation(location, kind, message, value, context, expected_format)


def _coercible(violation: Violation, pydantic: int) -> bool:
    """Whether pydantic's lax mode turns the offending value into a valid one."""
    value = violation.input
    expected = _EXPECTED.get(violation.kind)
    if expected == "integer":
        integral = pydantic == 2
        return _as_number(value, integral=integral)
    if expected == "number":
        return _as_number(value, integral=False)
    if expected == "boolean":
        if isinstance(value, int) and not isinstance(value, bool):
            return value in (0, 1)
        return isinstance(value, str) and value.lower() in _TRUTHY | _FALSY
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if expected == "string" and violation.expected_format == "date-time":
        # Pydantic 2 reads a number as a Unix timestamp; pydantic 1, through
        # Prefect's own parser, refuses it.
        return pydantic == 2 and is_number and _timestamp(value) is not None
    if expected == "string" and pydantic == 1:
        # Pydantic 1 turns a number into a string, which a format then refuses.
        return is_number and violation.expected_format is None
    return False


_MILLISECONDS_ABOVE = 2e10
"""Pydantic 2 reads a timestamp larger than this (in magnitude) as milliseconds."""


def _timestamp(value: Any) -> datetime | None:
    """The instant pydantic 2 reads a number as, or ``None`` when it refuses it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if abs(value) > _MILLISECONDS_ABOVE else value
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _as_prefect_datetime(violation: Violation) -> Violation:
    # Prefect 3's date-time type refuses every non-string it cannot read
    # as a timestamp with one message of its own, pydantic's type error aside.
    if violation.expected_format != "date-time" or violation.kind != "string_type":
        return violation
    return replace(
        violation, kind="value_error", message="value is not a valid datetime"
    )


_EXPECTED = {
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "string_type": "string",
}


def _as_number(value: Any, *, integral: bool) -> bool:
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return False
    elif isinstance(value, bool | int | float):
        number = float(value)
    else:
        return False
    return math.isfinite(number) and (not integral or number.is_integer())


def _type_error(
    kind: str, value: Any, schema: Mapping[str, Any]
) -> tuple[str, str, dict[str, Any] | None]:
    if kind == "integer":
        if isinstance(value, str):
            return "int_parsing", _INT + ", unable to parse string as an integer", None
        if isinstance(value, float):
            return (
                "int_from_float",
                _INT + ", got a number with a fractional part",
                None,
            )
        return "int_type", _INT, None
    if kind == "number":
        if isinstance(value, str):
            return (
                "float_parsing",
                _FLOAT + ", unable to parse string as a number",
                None,
            )
        return "float_type", _FLOAT, None
    if kind == "boolean":
        if isinstance(value, str | int):
            return "bool_parsing", _BOOL + ", unable to interpret input", None
        return "bool_type", _BOOL, None
    if kind == "object":
        return _object_error(schema)
    return _SIMPLE_TYPES.get(kind, ("value_error", f"Input should be {kind}", None))


def _object_error(schema: Mapping[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    if "properties" not in schema:
        return "dict_type", "Input should be a valid dictionary", None
    return (
        "model_attributes_type",
        "Input should be a valid dictionary or object to extract fields from",
        None,
    )


_INT = "Input should be a valid integer"
_FLOAT = "Input should be a valid number"
_BOOL = "Input should be a valid boolean"
_SIMPLE_TYPES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "string": ("string_type", "Input should be a valid string", None),
    "array": ("list_type", "Input should be a valid list", None),
    "null": ("none_required", "Input should be None", None),
}


def _required(error: ValidationError, location: Location) -> Iterator[Violation]:
    instance = _got(error)
    for name in _rule(error):
        if isinstance(instance, Mapping) and name not in instance:
            yield Violation((*location, name), "missing", "Field required", instance)


def _additional(error: ValidationError, location: Location) -> Iterator[Violation]:
    declared = _schema(error).get("properties", {})
    for name, value in _got(error).items():
        if name not in declared:
            yield Violation(
                (*location, name),
                "extra_forbidden",
                "Extra inputs are not permitted",
                value,
            )


def _enum(error: ValidationError, location: Location) -> Iterator[Violation]:
    expected = _choices(_rule(error))
    yield Violation(
        location,
        "enum",
        f"Input should be {expected}",
        _got(error),
        {"expected": expected},
    )


def _const(error: ValidationError, location: Location) -> Iterator[Violation]:
    expected = _choices([_rule(error)])
    yield Violation(
        location,
        "literal_error",
        f"Input should be {expected}",
        _got(error),
        {"expected": expected},
    )


def _choices(values: Iterable[Any]) -> str:
    quoted = [repr(value) if isinstance(value, str) else str(value) for value in values]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _bound(kind: str, phrase: str, key: str) -> Any:
    def translate(error: ValidationError, location: Location) -> Iterator[Violation]:
        limit = _rule(error)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        yield Violation(
            location,
            kind,
            f"Input should be {phrase} {limit}",
            _got(error),
            {key: limit},
        )

    return translate


def _length(kind: str, bound: str, unit: str, key: str) -> Any:
    def translate(error: ValidationError, location: Location) -> Iterator[Violation]:
        limit = _rule(error)
        plural = "" if limit == 1 else "s"
        message = (
            f"{unit.capitalize()} should have {bound} {limit} {_UNITS[unit]}{plural}"
        )
        context: dict[str, Any] = {key: limit}
        if unit == "list":
            message += f" after validation, not {len(_got(error))}"
            context = {
                "field_type": "List",
                key: limit,
                "actual_length": len(_got(error)),
            }
        yield Violation(location, kind, message, _got(error), context)

    return translate


_UNITS = {"string": "character", "list": "item"}


def _pattern(error: ValidationError, location: Location) -> Iterator[Violation]:
    pattern = _rule(error)
    yield Violation(
        location,
        "string_pattern_mismatch",
        f"String should match pattern {pattern!r}",
        _got(error),
        {"pattern": pattern},
    )


def _format(error: ValidationError, location: Location) -> Iterator[Violation]:
    if _rule(error) == "date-time":
        # Prefect parses date-times itself (pendulum in 2, whenever in 3)
        # and words every failure the same way.
        message = f"Value error, Unable to parse string [{_got(error)}]"
        yield Violation(location, "value_error", message, _got(error), {"error": {}})
        return

    kind, noun = _FORMATS.get(_rule(error), ("value_error", "value"))
    reason = f"invalid {_rule(error)}"
    if _rule(error) == "uuid" and isinstance(_got(error), str):
        reason = _uuid_reason(_got(error))
    yield Violation(
        location,
        kind,
        f"Input should be a valid {noun}, {reason}",
        _got(error),
        {"error": reason},
    )


def _uuid_reason(text: str) -> str:
    for position, character in enumerate(text):
        if character not in "0123456789abcdefABCDEF-":
            return f"invalid character: found `{character}` at {position}"
    return f"invalid group length in group 0: expected 8, found {len(text)}"


_FORMATS = {
    "uuid": ("uuid_parsing", "UUID"),
    "date": ("date_from_datetime_parsing", "date"),
    "time": ("time_parsing", "time"),
    "duration": ("time_delta_parsing", "timedelta"),
}


def _generic(error: ValidationError, location: Location) -> Iterator[Violation]:
    yield Violation(
        location,
        "value_error",
        f"Value error, {error.message}",
        _got(error),
        {"error": {}},
    )


_KEYWORDS = {
    "type": _type,
    "required": _required,
    "additionalProperties": _additional,
    "enum": _enum,
    "const": _const,
    "minimum": _bound("greater_than_equal", "greater than or equal to", "ge"),
    "exclusiveMinimum": _bound("greater_than", "greater than", "gt"),
    "maximum": _bound("less_than_equal", "less than or equal to", "le"),
    "exclusiveMaximum": _bound("less_than", "less than", "lt"),
    "minLength": _length("string_too_short", "at least", "string", "min_length"),
    "maxLength": _length("string_too_long", "at most", "string", "max_length"),
    "minItems": _length("too_short", "at least", "list", "min_length"),
    "maxItems": _length("too_long", "at most", "list", "max_length"),
    "pattern": _pattern,
    "format": _format,
}


def _order(
    violation: Violation, fields: Sequence[str], where: Location
) -> tuple[int, int]:
    relative = violation.location[len(where) :]
    if violation.kind == "extra_forbidden" and len(relative) == 1:
        return (1, 0)
    first = relative[0] if relative else None
    return (0, fields.index(first) if first in fields else len(fields))


__all__ = ["Location", "Violation", "coerce", "find_violations"]
