"""Render violations and errors as the selected Prefect version's server does.

Both versions wrap request violations in the same envelope::

    {"exception_message": "Invalid request received.",
     "exception_detail": [...],
     "request_body": <the body as received>}

The items differ: Prefect 3 reports pydantic 2 errors (``type``, ``loc``,
``msg``, ``input``, ``ctx``), Prefect 2 reports pydantic 1 errors (``loc``,
``msg``, ``type`` such as ``type_error.list``). Every other error is
``{"detail": "..."}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mockserver.exchange import Reply
from mockserver.validation.violations import Violation

JSONObject = dict[str, Any]

ENVELOPE_MESSAGE = "Invalid request received."


def validation_error(
    version: str, violations: Sequence[Violation], request_body: Any
) -> Reply:
    """Return the 422 reply listing every violation of a request."""
    render = _render_v1 if _is_prefect_2(version) else _render_v2
    return Reply(
        422,
        {
            "exception_message": ENVELOPE_MESSAGE,
            "exception_detail": [render(violation) for violation in violations],
            "request_body": request_body,
        },
    )


def detail(status: int, message: str) -> Reply:
    """Return a reply whose body is ``{"detail": message}``."""
    return Reply(status, {"detail": message})


def _is_prefect_2(version: str) -> bool:
    return version.split(".")[0] == "2"


def _render_v2(violation: Violation) -> JSONObject:
    item: JSONObject = {
        "type": violation.kind,
        "loc": list(violation.location),
        "msg": violation.message,
        "input": violation.input,
    }
    if violation.context is not None:
        item["ctx"] = dict(violation.context)
    if violation.kind == "json_invalid":
        item["ctx"] = {"error": item["ctx"]["msg"]}
    return item


def _render_v1(violation: Violation) -> JSONObject:
    kind, message, context = _V1.get(violation.kind, _v1_value_error)(violation)
    item: JSONObject = {"loc": list(violation.location), "msg": message, "type": kind}
    if context is not None:
        item["ctx"] = context
    return item


V1Item = tuple[str, str, JSONObject | None]


def _fixed(kind: str, message: str) -> Callable[[Violation], V1Item]:
    return lambda violation: (kind, message, None)


def _v1_value_error(violation: Violation) -> V1Item:
    message = violation.message.removeprefix("Value error, ")
    if message.startswith("Unable to parse string"):
        return "value_error.parser", message, None
    return "value_error", message, None


def _v1_type_error(violation: Violation, kind: str, message: str) -> V1Item:
    if violation.input is None:
        return "type_error.none.not_allowed", "none is not an allowed value", None
    return kind, message, None


def _typed(kind: str, message: str) -> Callable[[Violation], V1Item]:
    return lambda violation: _v1_type_error(violation, kind, message)


def _v1_enum(violation: Violation) -> V1Item:
    expected = str((violation.context or {}).get("expected", ""))
    values = [part.strip(" '") for part in expected.replace(" or ", ", ").split(", ")]
    permitted = ", ".join(repr(value) for value in values)
    message = f"value is not a valid enumeration member; permitted: {permitted}"
    return "type_error.enum", message, {"enum_values": values}


def _v1_bound(kind: str, phrase: str, key: str) -> Callable[[Violation], V1Item]:
    def render(violation: Violation) -> V1Item:
        limit = (violation.context or {})[key]
        message = f"ensure this value is {phrase} {limit}"
        return f"value_error.number.{kind}", message, {"limit_value": limit}

    return render


def _v1_json(violation: Violation) -> V1Item:
    context = dict(violation.context or {})
    message = str(context.get("msg", "JSON decode error"))
    position = f"line {context.get('lineno')} column {context.get('colno')}"
    full = f"{message}: {position} (char {context.get('pos')})"
    return "value_error.jsondecode", full, context


_V1: dict[str, Callable[[Violation], V1Item]] = {
    "missing": _fixed("value_error.missing", "field required"),
    "extra_forbidden": _fixed("value_error.extra", "extra fields not permitted"),
    "list_type": _typed("type_error.list", "value is not a valid list"),
    "dict_type": _typed("type_error.dict", "value is not a valid dict"),
    "model_attributes_type": _typed("type_error.dict", "value is not a valid dict"),
    "string_type": _typed("type_error.str", "str type expected"),
    "int_type": _typed("type_error.integer", "value is not a valid integer"),
    "int_parsing": _typed("type_error.integer", "value is not a valid integer"),
    "int_from_float": _typed("type_error.integer", "value is not a valid integer"),
    "float_type": _typed("type_error.float", "value is not a valid float"),
    "float_parsing": _typed("type_error.float", "value is not a valid float"),
    "bool_type": _typed("type_error.bool", "value could not be parsed to a boolean"),
    "bool_parsing": _typed("type_error.bool", "value could not be parsed to a boolean"),
    "uuid_parsing": _typed("type_error.uuid", "value is not a valid uuid"),
    "time_delta_parsing": _typed("value_error.duration", "invalid duration format"),
    "enum": _v1_enum,
    "literal_error": _v1_enum,
    "greater_than_equal": _v1_bound("not_ge", "greater than or equal to", "ge"),
    "greater_than": _v1_bound("not_gt", "greater than", "gt"),
    "less_than_equal": _v1_bound("not_le", "less than or equal to", "le"),
    "less_than": _v1_bound("not_lt", "less than", "lt"),
    "json_invalid": _v1_json,
}


__all__ = ["ENVELOPE_MESSAGE", "detail", "validation_error"]
