"""Validation: requests and replies held against their contracts.

A request that breaks its contract becomes :class:`Rejected`, carrying the
reply the real server would send; a reply is checked with
:func:`reply_violations`. Violations keep their structure until an envelope
renders them in the selected version's format.
"""

from __future__ import annotations

from mockserver.validation.envelopes import ENVELOPE_MESSAGE, detail, validation_error
from mockserver.validation.requests import (
    MAX_NESTING,
    UNPARSEABLE_BODY,
    Rejected,
    parse_call,
    reply_violations,
)
from mockserver.validation.violations import Location, Violation, find_violations

__all__ = [
    "ENVELOPE_MESSAGE",
    "MAX_NESTING",
    "UNPARSEABLE_BODY",
    "Location",
    "Rejected",
    "Violation",
    "detail",
    "find_violations",
    "parse_call",
    "reply_violations",
    "validation_error",
]
